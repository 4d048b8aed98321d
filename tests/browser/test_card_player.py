"""Issue 16 in a real browser: a resident without a smartphone plays with a printed card.

The desk (an organiser in the console) adds her on the round's Players page and opens her
card in both print layouts; a phone types one of the card's codes, meets her, and sends the
photo; the desk asks her about the big screen and records the answer.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.phones import AREZZO_B, arezzo_round, decode_qr, join, send_photo
from tests.live_server import SEED_PASSWORD, Server

pytestmark = pytest.mark.browser

DESK = "desk@koppelkiek.test"
# A page's size in PDF points (1/72 inch) as @page asks for it; Chromium rounds a page to
# whole CSS pixels, so a millimetre either way is the same paper.
PAGE_POINTS = {"a6": (105 * 72 / 25.4, 148 * 72 / 25.4), "a4": (210 * 72 / 25.4, 297 * 72 / 25.4)}
MM = 72 / 25.4


def log_in(page: Any, server: Server, email: str) -> None:
    page.goto(f"{server.url}/organise/login")
    page.fill("#email", email)
    page.fill("#password", SEED_PASSWORD)
    page.locator("form button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/organise/login"))


def pdf_page_size(pdf: bytes) -> tuple[float, float]:
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert boxes, "no page in the PDF"
    width, height = boxes[0]
    return float(width), float(height)


def test_a_card_player_is_added_printed_met_and_asked_at_the_desk(
    server: Server, phone: Any, desktop: Any, screenshots: Path, tmp_path: Path,
) -> None:
    rnd = arezzo_round(server, "Arezzo Kaart", tmp_path, organiser=DESK)

    # The desk adds Aysel on the round's Players page.
    desk = desktop.new_page()
    log_in(desk, server, DESK)
    desk.goto(f"{server.url}/organise/rounds/{rnd['id']}")
    desk.get_by_role("link", name=re.compile("^Spelers$")).click()
    form = desk.get_by_test_id("add-card-player")
    form.locator("input[name=display_name]").fill("Oma Aysel")
    form.locator("input[name=team]").fill("Via Roma")
    form.locator("button[type=submit]").click()
    expect(desk).to_have_url(re.compile(r"/players/\d+/card$"))
    card_page = desk.url

    # Her card, in both layouts: the game, the round, her name, and 12 codes with QR codes.
    codes: list[str] = []
    for size in ("a6", "a4"):
        href = desk.get_by_test_id(f"print-{size}").get_attribute("href")
        assert href
        sheet = desktop.new_page()
        sheet.goto(f"{server.url}{href}")
        card = sheet.get_by_test_id("card")
        expect(card).to_contain_text("Koppelkiek")
        expect(card).to_contain_text(rnd["name"])
        expect(card).to_contain_text("Oma Aysel")
        printed = card.get_by_test_id("card-code")
        expect(printed).to_have_count(12)
        expect(printed.locator("svg")).to_have_count(12)
        for index in range(12):
            expect(printed.nth(index).locator("svg")).to_be_visible()
        found = [t.strip() for t in printed.locator(".code").all_inner_texts()]
        assert all(re.fullmatch(r"[A-Z0-9]{6}", c) for c in found), found
        assert not codes or found == codes  # both layouts print the same card
        codes = found
        # A phone camera reads the QR code as the same URL a phone's own code carries.
        assert decode_qr(printed.nth(0).locator("svg").screenshot()) == \
            f"{server.url}/m/{codes[0]}"
        card.screenshot(path=screenshots / f"card-{size}.png")
        sheet.emulate_media(media="print")
        pdf = sheet.pdf(prefer_css_page_size=True)
        assert len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)) == 1, f"{size}: not one sheet"
        width, height = pdf_page_size(pdf)
        want_width, want_height = PAGE_POINTS[size]
        assert abs(width - want_width) < MM and abs(height - want_height) < MM, (size, width,
                                                                                height)
        sheet.close()

    # A phone types one of the card's codes and meets her; only the phone's place is known.
    marco = phone(AREZZO_B).new_page()
    marco.goto(f"{server.url}/r/{rnd['join_code']}")
    join(marco, "Marco")
    marco.goto(f"{server.url}/scan")
    marco.fill("#code", f"{codes[4][:3].lower()} {codes[4][3:]}")
    marco.locator("#type-code button[type=submit]").click()
    met = marco.get_by_test_id("claim-met")
    expect(met).to_be_visible()
    expect(met).to_contain_text("Oma Aysel")
    marco.locator("#to-photo").click()
    expect(marco).to_have_url(re.compile(r"/meetings/\d+$"))
    send_photo(marco, "DSCN0038.jpg", tmp_path)

    # The same code again is refused with its own message.
    marco.goto(f"{server.url}/scan")
    marco.fill("#code", codes[4])
    marco.locator("#type-code button[type=submit]").click()
    refusal = marco.locator("#claim-error")
    expect(refusal).to_be_visible()
    expect(refusal).not_to_be_empty()

    # The desk asks Aysel about the big screen and records her answer.
    desk.goto(card_page)
    photo = desk.locator(".desk-photo")
    expect(photo).to_have_count(1)
    answer = photo.get_by_test_id("desk-consent")
    expect(answer).to_have_attribute("data-answer", "none")
    photo.locator('[data-consent="yes"]').click()
    expect(desk.locator(".desk-photo").get_by_test_id("desk-consent")).to_have_attribute(
        "data-answer", "yes")
    desk.wait_for_function("document.querySelector('.desk-photo img').naturalWidth > 0")
    desk.screenshot(path=screenshots / "card-desk.png", full_page=True)

    # She is on the board, with the points of her meeting.
    desk.goto(f"{server.url}/organise/rounds/{rnd['id']}/players")
    row = desk.locator("tr", has=desk.get_by_test_id("card-link"))
    expect(row).to_contain_text("Oma Aysel")
    expect(row.locator("td").nth(2)).not_to_have_text("0")
