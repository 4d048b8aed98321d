"""Issue 2 in a real browser: an organiser sets up a round; a phone scans the poster and joins."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.phones import SPOT_A, decode_qr
from tests.helpers import HOOGRAVEN
from tests.live_server import Server

pytestmark = pytest.mark.browser

PASSWORD = "een lang wachtwoord 42"


def log_in(page: Any, server: Server, email: str) -> None:
    page.goto(server.url + "/organise/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/organise/$"))


def upload_boundary(page: Any, server: Server, name: str, path: Path) -> None:
    page.goto(server.url + "/organise/neighbourhoods/new")
    page.fill("#name", name)
    page.set_input_files("#boundary", str(path))
    page.click("form[enctype] button[type=submit]")


def local_minute(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo("Europe/Amsterdam")).strftime("%Y-%m-%dT%H:%M")


def test_organiser_sets_up_a_round_and_a_phone_joins_from_the_poster(
    server: Server, desktop: Any, phone: Any, screenshots: Path, tmp_path: Path,
) -> None:
    email = "organiser@hoograven.test"
    server.create_organiser(email, PASSWORD)
    boundary = tmp_path / "hoograven.geojson"
    boundary.write_text(json.dumps({"type": "Feature", "properties": {"name": "Hoograven"},
                                    "geometry": HOOGRAVEN}))

    # The organiser logs in and uploads the boundary; the console shows what it understood.
    console = desktop.new_page()
    log_in(console, server, email)
    upload_boundary(console, server, "Hoograven", boundary)
    expect(console).to_have_url(re.compile(r"/organise/neighbourhoods/hoograven$"))
    boundary_map = console.get_by_test_id("boundary-map")  # Leaflet (console_map.js)
    expect(boundary_map).to_have_class(re.compile(r"\bmap-ready\b"))
    expect(boundary_map.locator(".leaflet-overlay-pane path")).to_have_attribute(
        "d", re.compile(r"^M"))
    expect(boundary_map.locator("img.leaflet-tile-loaded").first).to_be_visible()
    console.screenshot(path=screenshots / "console-neighbourhood.png", full_page=True)

    # A round from ten minutes ago until three hours from now, then started.
    now = datetime.now().astimezone()
    console.fill("#name", "Zomermiddag")
    console.fill("#starts", local_minute(now - timedelta(minutes=10)))
    console.fill("#ends", local_minute(now + timedelta(hours=3)))
    console.get_by_role("button", name=re.compile("Ronde aanmaken|Create round")).click()
    expect(console).to_have_url(re.compile(r"/organise/rounds/\d+$"))
    round_id = int(console.url.rsplit("/", 1)[1])
    expect(console.get_by_test_id("round-state")).to_have_attribute(
        "class", re.compile(r"state-draft"))
    console.click("button[data-action=start]")
    expect(console.get_by_test_id("round-state")).to_have_attribute(
        "class", re.compile(r"state-live"))
    expect(console.locator("button[data-action=pause]")).to_be_visible()
    console.screenshot(path=screenshots / "console-round.png", full_page=True)

    # The poster: its QR code is read from the pixels, as a phone camera would.
    console.goto(f"{server.url}/organise/rounds/{round_id}/poster")
    expect(console.locator("h2")).to_have_text("Zomermiddag")
    qr = console.get_by_test_id("poster-qr")
    expect(qr.locator("svg")).to_be_visible()
    console.screenshot(path=screenshots / "poster.png", full_page=True)
    join_url = decode_qr(qr.screenshot())
    assert re.fullmatch(re.escape(server.url) + r"/r/[A-Z0-9]+", join_url), join_url

    # A phone opens the scanned URL and joins as Ömer.
    mobile = phone(SPOT_A).new_page()
    mobile.goto(join_url)
    expect(mobile.locator("h1")).to_contain_text("Zomermiddag")
    mobile.fill("#display_name", "Ömer")
    mobile.fill("#team", "Marijkeweg")
    mobile.screenshot(path=screenshots / "phone-join.png", full_page=True)
    mobile.get_by_role("button", name=re.compile("Doe mee|Join the game")).click()

    expect(mobile).to_have_url(re.compile(r"/welcome"))
    expect(mobile.locator("h1")).to_contain_text("Ömer")
    expect(mobile.get_by_test_id("recovery-code")).to_have_text(re.compile(r"\S{6,}"))
    mobile.screenshot(path=screenshots / "phone-welcome.png", full_page=True)
    mobile.click("#continue")

    expect(mobile).to_have_url(re.compile(r"/play$"))
    expect(mobile.locator("#player h1")).to_contain_text("Ömer")
    expect(mobile.locator("#player .eyebrow")).to_have_text("Zomermiddag")
    left = mobile.get_by_test_id("round-left")
    expect(left.locator("[data-left]")).to_have_text(re.compile(r"^nog 2 u \d+ min$"))
    expect(left.locator("[data-clock]")).to_have_text(
        "· tot " + (now + timedelta(hours=3)).astimezone(ZoneInfo("Europe/Amsterdam"))
        .strftime("%H:%M"))
    mobile.screenshot(path=screenshots / "phone-player.png", full_page=True)


def test_a_boundary_that_is_not_closed_is_refused_with_its_own_message(
    server: Server, desktop: Any, tmp_path: Path,
) -> None:
    email = "organiser@lombok.test"
    server.create_organiser(email, PASSWORD)
    ring = HOOGRAVEN["coordinates"][0][:-1]  # four corners, but it never returns to the first
    boundary = tmp_path / "open.geojson"
    boundary.write_text(json.dumps({"type": "Polygon", "coordinates": [ring]}))

    page = desktop.new_page()
    log_in(page, server, email)
    upload_boundary(page, server, "Lombok", boundary)

    refusal = page.locator(".refusal")
    expect(refusal).to_have_attribute("data-code", "boundary_not_closed")
    expect(refusal).to_have_text(re.compile(
        r"De grens is niet gesloten|The boundary is not closed"))
    expect(page.get_by_test_id("outline")).to_have_count(0)
    expect(page.get_by_test_id("boundary-map")).to_have_count(0)
    # Nothing was half saved: the name stays in the form for a second try.
    expect(page.locator("#name")).to_have_value("Lombok")
