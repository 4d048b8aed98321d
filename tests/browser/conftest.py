"""Browser fixtures: the real server in a subprocess, seeded through the CLI, and headless Chromium.

The server runs exactly as a user would start it (`koppelkiek init`, then `koppelkiek serve`),
with SQLite in a temporary instance folder (tests/live_server.py). Chromium is Debian's, driven
by Python Playwright through `executable_path`; `playwright install` is never needed. Without
Chromium the tests are skipped locally and fail in CI (`need()`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.phones import SPOT_A
from tests.browser.tiles import TileServer, tile_server
from tests.helpers import ROOT, need
from tests.live_server import Server, live_server

CHROMIUM = os.environ.get("KOPPELKIEK_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = ROOT / "docs" / "screenshots"


@pytest.fixture(scope="session")
def tiles() -> Iterator[TileServer]:
    """A map tile server on this machine: the console's maps load their tiles here."""
    with tile_server() as found:
        yield found


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, tiles: TileServer) -> Iterator[Server]:
    need(os.path.exists(CHROMIUM), f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with live_server(tmp_path_factory.mktemp("browser-instance"),
                     KOPPELKIEK_MAP_TILES=tiles.template) as srv:
        yield srv


@pytest.fixture(scope="session")
def playwright_session() -> Iterator[Any]:
    need(os.path.exists(CHROMIUM), f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the test extra installs it
        need(False, "Python Playwright is not installed (pip install -e '.[test]')")
        raise
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_session: Any) -> Iterator[Any]:
    browser = playwright_session.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def phone(browser: Any, playwright_session: Any) -> Iterator[Any]:
    """Open a Pixel 5 context standing at a given spot: `phone(SPOT_A)`, speaking `locale` (its
    Accept-Language), Dutch unless told. Closed after the test."""
    contexts: list[Any] = []

    def open_phone(spot: dict[str, float] = SPOT_A, locale: str = "nl-NL") -> Any:
        context = browser.new_context(
            **playwright_session.devices["Pixel 5"], geolocation=spot,
            permissions=["geolocation"], locale=locale, timezone_id="Europe/Amsterdam",
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield open_phone
    for context in contexts:
        context.close()


@pytest.fixture
def desktop(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL",
                                  timezone_id="Europe/Amsterdam")
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def big_screen(browser: Any) -> Iterator[Any]:
    """The community-centre TV: a 1920×1080 landscape context. Closed after the test."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="nl-NL",
                                  timezone_id="Europe/Amsterdam")
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


