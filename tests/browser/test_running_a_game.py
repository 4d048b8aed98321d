"""Issue 6 in a real browser: consent for the wall, moderation, and "delete my data", each
seen live on the phones and on the community-centre screen.

Every round is in Arezzo: two phones meet and send a real camera photo (EXIF GPS in Arezzo, EXIF
time adjusted to now; see test_photo.py). B keeps a /play tab open in its phone while it sends
the photo, so the consent question reaches both people live.
"""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.phones import (
    MARKER,
    arezzo_round,
    expect_standings,
    meet,
    open_screen,
    same_document,
    send_photo,
)
from tests.live_server import SEED_PASSWORD, Server

pytestmark = pytest.mark.browser


def public_seq(server: Server, round_id: int) -> str:
    with urllib.request.urlopen(f"{server.url}/api/v1/rounds/{round_id}/standings",
                                timeout=10) as res:
        return str(json.loads(res.read())["seq"])


def open_play_tab(server: Server, page: Any) -> Any:
    """A second tab on the same phone, on /play: it hears the player's notices."""
    play = page.context.new_page()
    play.goto(f"{server.url}/play")
    play.evaluate(f"{MARKER} = true")
    return play


def answer_consent(page: Any, show: bool) -> str:
    """The live question "May this photo appear on the screen?": answer it; returns the photo id."""
    ask = page.get_by_test_id("consent-ask")
    expect(ask).to_be_visible()
    photo_id = ask.get_attribute("data-photo-id")
    assert photo_id and photo_id.isdigit(), photo_id
    with page.expect_response(re.compile(rf"/api/v1/photos/{photo_id}/consent$")) as answer:
        ask.locator(f'[data-consent="{"true" if show else "false"}"]').click()
    assert answer.value.ok
    expect(ask).to_be_hidden()
    return photo_id


def wall_figures(screen: Any) -> Any:
    return screen.locator("#wall figure")


def expect_points(screen: Any, name: str, points: int) -> None:
    row = screen.locator("#standings li").filter(
        has=screen.locator(".name", has_text=re.compile(rf"^{re.escape(name)}$")))
    expect(row.locator(".points")).to_have_text(str(points))


def log_in_organiser(page: Any, server: Server, email: str) -> None:
    page.goto(f"{server.url}/organise/login")
    page.fill("#email", email)
    page.fill("#password", SEED_PASSWORD)
    page.locator("form button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/organise/login"))


def test_consent_decides_the_wall_and_a_rejection_takes_the_points_back_live(
    server: Server, phone: Any, big_screen: Any, desktop: Any, screenshots: Path,
    tmp_path: Path,
) -> None:
    organiser = "moderator@koppelkiek.test"
    rnd = arezzo_round(server, "Arezzo Saione", tmp_path, organiser=organiser)
    screen = open_screen(big_screen, server, rnd["id"])
    a, b = meet(server, phone, f"{server.url}/r/{rnd['join_code']}", ("Chiara", "Marco"))
    b_play = open_play_tab(server, b)
    send_photo(b, "DSCN0021.jpg", tmp_path)
    expect_standings(screen, [("Chiara", 12), ("Marco", 12)])

    # (a) Consent. Both are asked; points never wait for it.
    expect(a.get_by_test_id("consent-ask")).to_be_visible()
    expect(a.locator("#consent-photo")).to_have_attribute("src", re.compile(r"\.jpg$"))
    a.wait_for_function("document.getElementById('consent-photo').naturalWidth > 0")
    a.screenshot(path=screenshots / "phone-consent.png", full_page=True)
    photo_id = answer_consent(a, True)

    # One yes is not enough. The screen has seen everything there is to see (its seq is the
    # server's), and still shows no photo.
    expect(screen.locator("body")).to_have_attribute("data-seq", public_seq(server, rnd["id"]))
    expect(wall_figures(screen)).to_have_count(0)

    # The second yes: the photo is on the wall, live.
    assert answer_consent(b_play, True) == photo_id
    expect(wall_figures(screen)).to_have_count(1)
    expect(wall_figures(screen).locator("figcaption")).to_have_text("Chiara & Marco")
    screen.wait_for_function("[...document.querySelectorAll('#wall img')]"
                             ".every(i => i.complete && i.naturalWidth > 0)")

    # B changes their mind in "Your meetings": the photo leaves the screen within 2 s.
    b_play.reload()
    switch = b_play.locator(f'#my-photos [data-photo-consent="{photo_id}"]')
    expect(switch).to_have_attribute("data-state", "shown")
    with b_play.expect_response(re.compile(rf"/api/v1/photos/{photo_id}/consent$")) as answer:
        switch.locator('[data-consent="false"]').click()
    assert answer.value.ok
    expect(switch).to_have_attribute("data-state", "private")
    expect(wall_figures(screen)).to_have_count(0, timeout=2_000)
    assert same_document(screen), "the screen reloaded"

    # (b) Moderation. The organiser opens the queue: the photo is there, newest first.
    console = desktop.new_page()
    log_in_organiser(console, server, organiser)
    console.goto(f"{server.url}/organise/rounds/{rnd['id']}/photos")
    item = console.locator(f"#photo-{photo_id}")
    expect(item).to_be_visible()
    expect(item).to_have_attribute("data-status", "accepted")
    expect(item).to_contain_text("Chiara & Marco")
    console.wait_for_function("[...document.images].every(i => i.complete)")
    console.screenshot(path=screenshots / "console-queue.png", full_page=True)

    # A reason from the list, then the keyboard: focus the photo and press "r".
    reason = item.locator("select[name=reason]")
    reason.select_option("not_together")
    reason_text = reason.locator("option:checked").inner_text().strip()
    item.focus()
    console.keyboard.press("r")
    expect(console.locator(f"#photo-{photo_id}")).to_have_attribute("data-status", "rejected")

    # The points go back, live, on both phones and on the screen; a card says why and how many.
    expect(a.get_by_test_id("points")).to_have_text("0")
    expect(a.get_by_test_id("outcome")).to_contain_text(reason_text)
    expect(a.get_by_test_id("outcome")).to_contain_text("\u221212")
    expect(b_play.get_by_test_id("points")).to_have_text("0")
    expect_points(screen, "Chiara", 0)
    expect_points(screen, "Marco", 0)
    assert same_document(a), "the phone reloaded"
    assert same_document(screen), "the screen reloaded"
    server.cli("check", str(rnd["id"]))


def test_delete_my_data_leaves_a_former_player_and_the_partner_keeps_the_points(
    server: Server, phone: Any, big_screen: Any, tmp_path: Path,
) -> None:
    rnd = arezzo_round(server, "Arezzo Pescaiola", tmp_path)
    screen = open_screen(big_screen, server, rnd["id"])
    a, b = meet(server, phone, f"{server.url}/r/{rnd['join_code']}", ("Lucia", "Paolo"))
    b_play = open_play_tab(server, b)
    send_photo(b, "DSCN0025.jpg", tmp_path)
    answer_consent(a, True)
    answer_consent(b_play, True)
    expect(wall_figures(screen)).to_have_count(1)
    expect_standings(screen, [("Lucia", 12), ("Paolo", 12)])
    expect(b_play.get_by_test_id("points")).to_have_text("12")

    # Lucia deletes her data from "My data", behind a confirmation.
    a.goto(a.url.replace("/play", "/me"))
    a.once("dialog", lambda dialog: dialog.accept())
    a.locator("#forget-me").click()
    expect(a.get_by_test_id("forgotten")).to_be_visible()
    expect(a.get_by_test_id("forgotten")).not_to_be_empty()

    # The screen, live: her name is gone, her photo is gone, the points stay.
    expect_points(screen, "Oud-speler", 12)
    expect_points(screen, "Paolo", 12)
    expect(screen.locator("#standings")).not_to_contain_text("Lucia")
    expect(wall_figures(screen)).to_have_count(0)
    assert same_document(screen), "the screen reloaded"

    # Paolo's phone, loaded afresh: the same points.
    b_play.reload()
    expect(b_play.get_by_test_id("points")).to_have_text("12")
    expect(b_play.locator("#my-photos")).to_contain_text("Oud-speler")
    server.cli("check", str(rnd["id"]))
