"""Browser fixtures: the real server in a subprocess, seeded through the CLI, and headless Chromium.

The server runs exactly as a user would start it (`koppelkiek init`, then `koppelkiek serve`),
with SQLite in a temporary instance folder. Chromium is Debian's, driven by Python Playwright
through `executable_path`; `playwright install` is never needed. Without Chromium the tests are
skipped locally and fail in CI (`need()`).
"""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from PIL import Image, ImageOps

from tests.conftest import HOOGRAVEN, ROOT, need

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
PORTS = range(8765, 8866)
# Two spots in Hoograven, a few metres apart and well inside HOOGRAVEN.
SPOT_A = {"latitude": 52.0760, "longitude": 5.1240, "accuracy": 10}
SPOT_B = {"latitude": 52.0761, "longitude": 5.1241, "accuracy": 10}


def _free_port() -> int:
    for port in PORTS:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {PORTS.start}..{PORTS.stop - 1}")


@dataclass
class Server:
    """A running `koppelkiek serve` and the CLI that seeds its database."""

    url: str
    env: dict[str, str]
    instance: Path
    log: Path
    organisers: set[str] = field(default_factory=set)

    def cli(self, *args: str, stdin: str | None = None) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "koppelkiek.cli", *args], env=self.env, cwd=ROOT,
            input=stdin, capture_output=True, text=True, timeout=60, check=False,
        )
        assert done.returncode == 0, f"koppelkiek {' '.join(args)} failed:\n{done.stderr}"
        return done.stdout

    def cli_json(self, *args: str, stdin: str | None = None) -> dict[str, Any]:
        out = self.cli(*args, "--json", stdin=stdin)
        return json.loads(out.strip().splitlines()[-1])

    def create_organiser(self, email: str, password: str) -> dict[str, Any]:
        return self.cli_json("organiser", "create", "--email", email, "--password-stdin",
                             stdin=password + "\n")

    def create_neighbourhood(self, name: str, boundary: dict[str, Any], organiser: str,
                             folder: Path) -> dict[str, Any]:
        path = folder / "boundary.geojson"
        path.write_text(json.dumps(boundary))
        return self.cli_json("neighbourhood", "create", "--name", name, "--boundary", str(path),
                             "--organiser", organiser)

    def create_round(self, slug: str, name: str, starts: datetime,
                     ends: datetime) -> dict[str, Any]:
        return self.cli_json("round", "create", "--neighbourhood", slug, "--name", name,
                             "--starts", starts.isoformat(), "--ends", ends.isoformat())

    def start_round(self, round_id: int) -> None:
        self.cli("round", "start", str(round_id))

    def live_round(self, name: str, folder: Path, organiser: str = "seed@koppelkiek.test",
                   boundary: dict[str, Any] = HOOGRAVEN) -> dict[str, Any]:
        """A neighbourhood with a round that is live now; returns the round (with join_code)."""
        if organiser not in self.organisers:
            self.create_organiser(organiser, "seed password 123")
            self.organisers.add(organiser)
        hood = self.create_neighbourhood(name, boundary, organiser, folder)
        now = datetime.now().astimezone()
        rnd = self.create_round(hood["slug"], f"{name} middag", now - timedelta(minutes=10),
                                now + timedelta(hours=3))
        self.start_round(rnd["id"])
        return rnd | {"slug": hood["slug"]}


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as res:
                if res.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server did not answer /healthz within 30 s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    need(os.path.exists(CHROMIUM), f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    instance = tmp_path_factory.mktemp("browser-instance")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KOPPELKIEK_")}
    env |= {"KOPPELKIEK_INSTANCE": str(instance), "KOPPELKIEK_PUBLIC_URL": url,
            "PYTHONUNBUFFERED": "1"}
    log = instance / "server.log"
    srv = Server(url=url, env=env, instance=instance, log=log)
    srv.cli("init")
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "koppelkiek.cli", "serve", "--host", "127.0.0.1",
             "--port", str(port)],
            env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        _wait_healthy(url, proc, log)
        yield srv
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


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
    """Open a Pixel 5 context standing at a given spot: `phone(SPOT_A)`. Closed after the test."""
    contexts: list[Any] = []

    def open_phone(spot: dict[str, float] = SPOT_A) -> Any:
        context = browser.new_context(
            **playwright_session.devices["Pixel 5"], geolocation=spot,
            permissions=["geolocation"], locale="nl-NL", timezone_id="Europe/Amsterdam",
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


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def decode_qr(png: bytes) -> str:
    """Read the one QR code in a screenshot with zxing-cpp, as a phone camera would.

    A white margin is added first: a camera sees the paper or the screen around the code.
    """
    image = ImageOps.expand(Image.open(io.BytesIO(png)).convert("RGB"), border=40, fill="white")
    found = [r.text for r in zxingcpp.read_barcodes(image)
             if r.format == zxingcpp.BarcodeFormat.QRCode]
    assert len(found) == 1, f"expected one QR code in the screenshot, found {found}"
    return found[0]
