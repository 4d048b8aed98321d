"""Issue 3 in a real browser: two phones meet by scanning a rotating, single-use QR code."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.phones import SPOT_A, SPOT_B, decode_qr, join, show_code
from tests.live_server import HOOGRAVEN, Server

pytestmark = pytest.mark.browser


def socket_io_connected(page: Any) -> list[str]:
    """Collect the Socket.IO frames a page receives; "40..." means the server let it in."""
    frames: list[str] = []

    def on_socket(ws: Any) -> None:
        ws.on("framereceived", lambda payload: frames.append(
            payload if isinstance(payload, str) else payload.decode(errors="replace")))

    page.on("websocket", on_socket)
    return frames


def wait_for_connect(page: Any, frames: list[str], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not any(f.startswith("40") for f in frames):
        assert time.monotonic() < deadline, f"no Socket.IO connect; frames seen: {frames}"
        page.wait_for_timeout(50)


def test_two_phones_meet_by_scanning_a_code_and_the_code_works_once(
    server: Server, phone: Any, screenshots: Path, tmp_path: Path,
) -> None:
    rnd = server.live_round("Tolsteeg", tmp_path)

    # A joins from the join link and opens "show my code".
    a = phone(SPOT_A).new_page()
    a_frames = socket_io_connected(a)
    a.goto(f"{server.url}/r/{rnd['join_code']}")
    join(a, "Fatma")
    expect(a).to_have_url(re.compile(r"/play$"))
    a.get_by_role("link", name=re.compile("Laat mijn code zien|Show my code")).click()
    expect(a).to_have_url(re.compile(r"/meet$"))
    short_code = a.get_by_test_id("short-code")
    expect(short_code).to_have_attribute("data-code", re.compile(r"^[A-Z0-9]{6}$"))
    qr = a.get_by_test_id("qr")
    expect(qr.locator("svg")).to_be_visible()
    wait_for_connect(a, a_frames)
    a.evaluate("window.__sameDocument = true")
    a.screenshot(path=screenshots / "phone-show-code.png", full_page=True)

    # The test reads the code from the pixels, as B's camera app would.
    url = decode_qr(qr.screenshot())
    assert url == f"{server.url}/m/{short_code.get_attribute('data-code')}", url

    # B has not joined: the scan leads through joining, and the claim then completes by itself.
    b = phone(SPOT_B).new_page()
    b.goto(url)
    expect(b).to_have_url(re.compile(r"/r/[A-Z0-9]+\?then=%2Fm%2F|/r/[A-Z0-9]+\?then=/m/"))
    join(b, "Jan")
    expect(b).to_have_url(url)
    met = b.get_by_test_id("claim-met")
    expect(met).to_be_visible()
    expect(met).to_contain_text("Fatma")
    expect(b.get_by_test_id("claim-error")).to_be_hidden()
    b.screenshot(path=screenshots / "phone-met.png", full_page=True)

    # A hears of it on the private Socket.IO room, without a reload.
    expect(a.locator("#met")).to_be_visible()
    expect(a.locator("#met")).to_contain_text("Jan")
    assert a.evaluate("window.__sameDocument") is True
    # ...and A's page moves on to a fresh code at once.
    expect(short_code).not_to_have_attribute("data-code", url.rsplit("/", 1)[1])

    # The same QR code a second time: used up, with its own message.
    b.goto(url)
    error = b.get_by_test_id("claim-error")
    expect(error).to_be_visible()
    expect(error).to_have_attribute("data-code", "pairing_code_used")
    expect(error).not_to_be_empty()
    expect(met).to_be_hidden()


def test_a_typed_code_claims_the_meeting_and_both_pages_link_to_its_photo(
    server: Server, phone: Any, tmp_path: Path,
) -> None:
    """The scan page's form (claim.js) and the "met" notice (show_code.js) both build the
    meeting's address from the page's data-* URLs."""
    rnd = server.live_round("Bokkenbuurt", tmp_path)
    a = phone(SPOT_A).new_page()
    a.goto(f"{server.url}/r/{rnd['join_code']}")
    join(a, "Fatma")
    a.get_by_role("link", name=re.compile("Laat mijn code zien|Show my code")).click()
    short_code = a.get_by_test_id("short-code")
    expect(short_code).to_have_attribute("data-code", re.compile(r"^[A-Z0-9]{6}$"))
    code = str(short_code.get_attribute("data-code"))

    b = phone(SPOT_B).new_page()
    b.goto(f"{server.url}/r/{rnd['join_code']}")
    join(b, "Jan")
    type_link = re.compile("Typ de code van een buur|Type a neighbour's code")
    b.get_by_role("link", name=type_link).click()
    expect(b).to_have_url(re.compile(r"/scan$"))
    b.fill("#code", f"{code[:3].lower()} {code[3:]}")  # as read aloud: spaces and small letters
    b.get_by_role("button", name=re.compile("We hebben elkaar ontmoet|We met")).click()
    met = b.get_by_test_id("claim-met")
    expect(met).to_contain_text("Fatma")
    expect(b.locator("#claim-error")).to_be_hidden()
    to_photo = b.locator("#to-photo")
    expect(to_photo).to_have_attribute("href", re.compile(r"^/meetings/\d+$"))
    meeting_url = to_photo.get_attribute("href")
    expect(a.get_by_test_id("met-photo")).to_have_attribute("href", str(meeting_url))

    # The same code again: used up, said in the page with its code.
    b.fill("#code", code)
    b.get_by_role("button", name=re.compile("We hebben elkaar ontmoet|We met")).click()
    expect(b.locator("#claim-error")).to_have_attribute("data-code", "pairing_code_used")
    expect(b.locator("#claim-error")).not_to_be_empty()

    to_photo.click()
    expect(b).to_have_url(f"{server.url}{meeting_url}")
    expect(b.locator("#photo-form")).to_be_attached()


def test_the_code_page_hands_over_to_the_player_page_when_the_round_is_over(
    server: Server, phone: Any, tmp_path: Path,
) -> None:
    """A phone left on "show my code" stops asking for codes once no meeting can count: at the
    round's end time by itself, and at its next code when the organiser ended it early. A page
    where a meeting was just made keeps its "Take our photo" and loses only the code."""
    long = server.live_round("Einde vroeg", tmp_path)  # also makes the organiser
    # A round that ends in a minute.
    hood = server.create_neighbourhood("Einde kort", HOOGRAVEN, "seed@koppelkiek.test", tmp_path)
    now = datetime.now().astimezone()
    short = server.create_round(hood["slug"], "Kort", now - timedelta(minutes=10),
                                now + timedelta(seconds=60))
    server.start_round(short["id"])
    # Fatma and Jan each show their code; Sam scans Fatma's, so they meet on her page.
    a = phone(SPOT_A).new_page()
    a.goto(f"{server.url}/r/{short['join_code']}")
    join(a, "Fatma")
    url = show_code(a)
    c = phone(SPOT_A).new_page()
    c.goto(f"{server.url}/r/{short['join_code']}")
    join(c, "Jan")
    show_code(c)
    b = phone(SPOT_B).new_page()
    b.goto(url)
    join(b, "Sam")
    expect(b.get_by_test_id("claim-met")).to_be_visible()
    expect(a.get_by_test_id("met-photo")).to_be_visible()
    # The end time: Jan's page hands over; Fatma's stays, with "Take our photo" and no code.
    expect(c).to_have_url(re.compile(r"/play$"), timeout=80_000)
    expect(c.get_by_test_id("meeting-buttons")).to_be_hidden()
    expect(a.get_by_test_id("qr")).to_be_hidden()
    expect(a.get_by_test_id("short-code")).to_be_hidden()
    expect(a).to_have_url(re.compile(r"/meet$"))
    expect(a.get_by_test_id("met-photo")).to_be_visible()

    # A round the organiser ends early: the phone's next code is refused, and it moves on.
    d = phone(SPOT_B).new_page()
    d.goto(f"{server.url}/r/{long['join_code']}")
    join(d, "Noor")
    show_code(d)
    server.cli("round", "end", str(long["id"]))
    # The phone comes back from its lock screen: it asks for a fresh code at once.
    d.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    expect(d).to_have_url(re.compile(r"/play$"))
    expect(d.get_by_test_id("thanks")).to_be_visible()
    expect(d.get_by_test_id("meeting-buttons")).to_be_hidden()
