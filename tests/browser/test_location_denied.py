"""Issue 12 in a real browser: a phone that denies its location gets told why it matters and
how to allow it, instead of a dead end, whether it shows a code or scans one."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.phones import SPOT_A, join
from tests.live_server import Server

pytestmark = pytest.mark.browser


@pytest.fixture
def denying_phone(browser: Any, playwright_session: Any) -> Iterator[Any]:
    """A Pixel 5 whose person said no to location: no geolocation permission at all."""
    context = browser.new_context(**playwright_session.devices["Pixel 5"], locale="nl-NL",
                                  timezone_id="Europe/Amsterdam")
    context.set_default_timeout(10_000)
    yield context
    context.close()


def test_a_phone_that_denies_location_is_told_how_to_allow_it(
    server: Server, phone: Any, denying_phone: Any, screenshots: Path, tmp_path: Path,
) -> None:
    rnd = server.live_round("Lunetten", tmp_path)
    a = phone(SPOT_A).new_page()
    a.goto(f"{server.url}/r/{rnd['join_code']}")
    join(a, "Fatma")
    a.goto(f"{server.url}/meet")
    short_code = a.get_by_test_id("short-code")
    expect(short_code).to_have_attribute("data-code", re.compile(r"^[A-Z0-9]{6}$"))
    expect(a.get_by_test_id("location-help")).to_be_hidden()  # A shares; no lecture

    # B scans A's code on a phone that refuses location: the claim is refused with the why.
    b = denying_phone.new_page()
    b.goto(f"{server.url}/m/{short_code.get_attribute('data-code')}")
    join(b, "Jan")
    error = b.get_by_test_id("claim-error")
    expect(error).to_be_visible()
    expect(error).to_have_attribute("data-code", "position_required")
    help_box = b.get_by_test_id("location-help")
    expect(help_box).to_be_visible()
    expect(help_box).to_contain_text("Je telefoon deelt zijn locatie niet")  # in Dutch
    expect(help_box.get_by_role("link", name="Opnieuw laden")).to_be_visible()
    expect(b.get_by_test_id("claim-met")).to_be_hidden()
    b.screenshot(path=screenshots / "phone-location-denied.png", full_page=True)

    # Showing a code without location: the code still comes, with the explanation beside it.
    b.goto(f"{server.url}/meet")
    expect(b.get_by_test_id("short-code")).to_have_attribute("data-code",
                                                             re.compile(r"^[A-Z0-9]{6}$"))
    expect(b.get_by_test_id("location-help")).to_be_visible()
