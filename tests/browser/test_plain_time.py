"""Issue 15, items 1-3, in real Chromium on phones: time said plainly, the round's state
reaching an open phone live (pause, resume, the end with a thank-you), the rejection card on
both phones, and the one consent switch with its three states.

Rounds are in Arezzo (Europe/Rome) while the phones' own clocks say Europe/Amsterdam: the same
offset, so the clock-time check reads the neighbourhood's zone from the page itself.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.phones import arezzo_round, meet, same_document, send_photo
from tests.browser.test_running_a_game import log_in_organiser, open_play_tab
from tests.live_server import Server

pytestmark = pytest.mark.browser


def round_console(desktop: Any, server: Server, organiser: str, round_id: int) -> Any:
    console = desktop.new_page()
    log_in_organiser(console, server, organiser)
    console.goto(f"{server.url}/organise/rounds/{round_id}")
    return console


def act(console: Any, action: str) -> None:
    """The organiser presses start/pause/end on the round page (end asks first)."""
    if action == "end":
        console.once("dialog", lambda dialog: dialog.accept())
    console.click(f"button[data-action={action}]")
    expect(console.locator(f"button[data-action={action}]")).to_have_count(0)


def local_clock(iso: str, zone: str) -> str:
    return datetime.fromisoformat(iso).astimezone(ZoneInfo(zone)).strftime("%H:%M")


def test_a_phone_open_across_pause_resume_and_the_end_of_a_round(
    server: Server, phone: Any, desktop: Any, screenshots: Path, tmp_path: Path,
) -> None:
    organiser = "klok@koppelkiek.test"
    rnd = arezzo_round(server, "Arezzo Giotto", tmp_path, organiser=organiser)
    a, b = meet(server, phone, f"{server.url}/r/{rnd['join_code']}", ("Chiara", "Marco"))
    send_photo(b, "DSCN0038.jpg", tmp_path)
    expect(a.get_by_test_id("points")).to_have_text("12")

    # The time left, in words, and the clock time in the neighbourhood.
    left = a.get_by_test_id("round-left")
    ends_at = a.locator("#player").get_attribute("data-ends-at")
    assert ends_at
    expect(left.locator("[data-left]")).to_have_text(re.compile(r"^nog 2 u \d+ min$"))
    clock = local_clock(ends_at, "Europe/Rome")
    expect(left.locator("[data-clock]")).to_have_text(f"· tot {clock}")
    buttons = a.get_by_test_id("meeting-buttons")
    expect(buttons).to_be_visible()

    console = round_console(desktop, server, organiser, rnd["id"])
    state = a.get_by_test_id("round-state")
    act(console, "pause")
    expect(state).to_have_text("De ronde is even gepauzeerd.")
    expect(buttons).to_be_hidden()
    expect(left).to_be_visible()  # the round still ends when it said
    a.screenshot(path=screenshots / "phone-round-paused.png", full_page=True)

    act(console, "start")
    expect(state).to_have_text("De ronde is bezig!")
    expect(buttons).to_be_visible()

    act(console, "end")
    thanks = a.get_by_test_id("thanks")
    expect(thanks).to_be_visible()
    expect(thanks).to_contain_text("Bedankt voor het meespelen!")
    expect(thanks).to_contain_text("Je bent geëindigd op plaats 1 met 12 punten.")
    expect(state).to_have_text(re.compile("De ronde is afgelopen"))
    expect(buttons).to_be_hidden()
    expect(a.locator("[data-countdown]")).to_have_count(0)
    assert same_document(a), "the phone reloaded"
    a.screenshot(path=screenshots / "phone-round-ended.png", full_page=True)

    # After a reload: the same thank-you, and still no countdown ("afgelopen" next to a clock).
    a.reload()
    expect(a.get_by_test_id("thanks")).to_contain_text("plaats 1 met 12 punten")
    expect(a.get_by_test_id("meeting-buttons")).to_be_hidden()
    expect(a.locator("[data-countdown]")).to_have_count(0)
    expect(a.locator("body")).not_to_contain_text("Tijd over")


def test_a_rejection_is_a_red_card_with_the_points_on_both_phones(
    server: Server, phone: Any, desktop: Any, screenshots: Path, tmp_path: Path,
) -> None:
    organiser = "keurder@koppelkiek.test"
    rnd = arezzo_round(server, "Arezzo Duomo", tmp_path, organiser=organiser)
    a, b = meet(server, phone, f"{server.url}/r/{rnd['join_code']}", ("Sara", "Sam"))
    b_play = open_play_tab(server, b)
    send_photo(b, "DSCN0040.jpg", tmp_path)
    for page in (a, b_play):
        expect(page.get_by_test_id("points")).to_have_text("12")
        expect(page.get_by_test_id("consent-ask")).to_be_visible()

    console = desktop.new_page()
    log_in_organiser(console, server, organiser)
    console.goto(f"{server.url}/organise/rounds/{rnd['id']}/photos")
    item = console.locator("[id^=photo-]").first
    photo_id = (item.get_attribute("id") or "").removeprefix("photo-")
    item.locator("select[name=reason]").select_option("not_together")
    item.locator("button[data-action=reject]").click()
    expect(console.locator(f"#photo-{photo_id}")).to_have_attribute("data-status", "rejected")

    for page, partner in ((a, "Sam"), (b_play, "Sara")):
        card = page.get_by_test_id("outcome")
        expect(card).to_be_visible()
        expect(card).to_have_text(f"Jullie foto met {partner} is afgekeurd: "
                                  "Geen foto van jullie tweeën samen. \u221212 punten.")
        expect(card).to_have_class(re.compile(r"\brejected\b"))
        red, green, _blue = (int(x) for x in re.findall(r"\d+", card.evaluate(
            "e => getComputedStyle(e).backgroundColor"))[:3])
        assert red > green, "a rejection must not look like good news"
        expect(page.get_by_test_id("points")).to_have_text("0")
        expect(page.get_by_test_id("consent-ask")).to_be_hidden()
        expect(page.locator(f'#my-photos [data-photo-consent="{photo_id}"]')).to_have_count(0)
        assert same_document(page), "the phone reloaded"
    a.screenshot(path=screenshots / "phone-photo-rejected.png", full_page=True)

    # After a reload the meetings list says the same, still without a consent control.
    a.reload()
    line = a.locator(f'#my-photos [data-outcome-photo="{photo_id}"]')
    expect(line).to_have_text(re.compile(r"afgekeurd: Geen foto van jullie tweeën samen\. "
                                         "\u221212 punten\\."))
    expect(a.locator("[data-photo-consent]:visible")).to_have_count(0)


def test_the_consent_switch_has_three_states_and_the_card_and_list_agree(
    server: Server, phone: Any, screenshots: Path, tmp_path: Path,
) -> None:
    rnd = arezzo_round(server, "Arezzo Piazza Grande", tmp_path)
    a, b = meet(server, phone, f"{server.url}/r/{rnd['join_code']}", ("Lea", "Noor"))
    send_photo(b, "DSCN0042.jpg", tmp_path)
    a.reload()  # the list with the photo, and the question card
    card = a.get_by_test_id("consent-ask")
    expect(card).to_be_visible()
    photo_id = card.get_attribute("data-photo-id")
    in_card = card.locator("[data-photo-consent]")
    in_list = a.locator(f'#my-photos [data-photo-consent="{photo_id}"]')
    expect(a.locator('#my-photos input[type=checkbox]')).to_have_count(0)

    # Not answered: said outright in both, neither half pressed.
    for switch in (in_card, in_list):
        expect(switch).to_have_attribute("data-state", "unset")
        expect(switch.locator("[data-switch-state]")).to_have_text("Nog niet beantwoord.")
        expect(switch.locator("[aria-pressed=true]")).to_have_count(0)
    box = in_list.locator('[data-consent="true"]').bounding_box()
    assert box and box["height"] >= 44 and box["width"] >= 44, box
    a.screenshot(path=screenshots / "phone-consent-switch.png", full_page=True)

    # Shown, from the list: the card shows the same before it goes.
    with a.expect_response(re.compile(rf"/api/v1/photos/{photo_id}/consent$")) as answer:
        in_list.locator('[data-consent="true"]').click()
    assert answer.value.ok
    expect(in_list).to_have_attribute("data-state", "shown")
    expect(in_list.locator('[data-consent="true"]')).to_have_attribute("aria-pressed", "true")
    expect(in_list.locator("[data-switch-state]")).to_have_text(
        "Je koos: tonen op het grote scherm.")
    expect(card).to_be_hidden()

    # Not shown, then a reload: the list remembers, the card does not ask again.
    with a.expect_response(re.compile(rf"/api/v1/photos/{photo_id}/consent$")):
        in_list.locator('[data-consent="false"]').click()
    expect(in_list).to_have_attribute("data-state", "private")
    a.reload()
    expect(a.get_by_test_id("consent-ask")).to_be_hidden()
    expect(in_list).to_have_attribute("data-state", "private")
    expect(in_list.locator('[data-consent="false"]')).to_have_attribute("aria-pressed", "true")

    # The partner answers in the card: their list follows at once.
    b.goto(f"{server.url}/play")
    b_card = b.get_by_test_id("consent-ask")
    b_list = b.locator(f'#my-photos [data-photo-consent="{photo_id}"]')
    expect(b_list).to_have_attribute("data-state", "unset")
    with b.expect_response(re.compile(rf"/api/v1/photos/{photo_id}/consent$")):
        b_card.locator('[data-consent="true"]').click()
    expect(b_list).to_have_attribute("data-state", "shown")
    expect(b_card).to_be_hidden()
