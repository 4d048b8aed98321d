"""Issue 17, item 2 in a real browser: the big screen shows the views the organiser chose, in
turn, and the web of meetings grows live when two phones meet; the choice reaches a running
screen without a reload."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.phones import (
    AREZZO_A,
    arezzo_round,
    meet,
    open_screen,
    same_document,
    send_photo,
)
from tests.browser.test_accessibility import axe_problems
from tests.browser.test_big_screen import HD, api_join, check_layout, photo_on_wall
from tests.browser.test_running_a_game import answer_consent, log_in_organiser, open_play_tab
from tests.live_server import Server

pytestmark = pytest.mark.browser


def choose_views(console: Any, server: Server, round_id: int, views: list[str],
                 seconds: int) -> None:
    """In the console's round settings: the screen's views and how long each stays."""
    console.goto(f"{server.url}/organise/rounds/{round_id}")
    console.get_by_test_id("screen-views").locator("summary").click()
    for box in console.locator("input[name=screen_views]").all():
        box.set_checked(box.get_attribute("value") in views)
    console.fill("#screen_view_seconds", str(seconds))
    console.locator("form[action$='/rules'] button[type=submit]").click()
    expect(console.get_by_test_id("screen-views").locator("input[name=screen_views]:checked")
           ).to_have_count(len(views))


def test_the_screen_rotates_through_the_chosen_views(
    server: Server, big_screen: Any, desktop: Any, screenshots: Path, tmp_path: Path,
) -> None:
    organiser = "views@koppelkiek.test"
    rnd = arezzo_round(server, "Arezzo Pieve", tmp_path, organiser=organiser)
    console = desktop.new_page()
    log_in_organiser(console, server, organiser)
    # A story spot, for the map.
    console.goto(f"{server.url}/organise/neighbourhoods/{rnd['slug']}/spots")
    console.fill("#name", "Pieve di Santa Maria")
    console.fill("#story", "De klokkentoren met honderd ramen.")
    console.fill("#lat", str(AREZZO_A["latitude"]))
    console.fill("#lon", str(AREZZO_A["longitude"]))
    console.locator("#spot-form button[type=submit]").click()
    expect(console.get_by_test_id("spots")).to_contain_text("Pieve di Santa Maria")

    screen = open_screen(big_screen, server, rnd["id"])
    body = screen.locator("body")
    expect(body).to_have_attribute("data-view", "board")  # a round made by the CLI: as it was

    # The organiser picks the wall, the web and the map, 5 s each: the running screen follows
    # at once.
    choose_views(console, server, rnd["id"], ["wall", "web", "map"], 5)
    expect(body).to_have_attribute("data-views", "wall,web,map")
    expect(body).to_have_attribute("data-view", "wall")
    expect(screen.locator(".board")).to_be_hidden()
    expect(screen.get_by_test_id("wall-empty")).to_be_visible()  # no photo yet: the invitation
    check_layout(screen, HD, photos=0)
    expect(body).to_have_attribute("data-view", "web", timeout=15_000)
    expect(screen.get_by_test_id("web-scene")).to_be_visible()
    expect(screen.locator(".board")).to_be_hidden()
    expect(screen.locator(".stage")).to_be_hidden()
    expect(screen.get_by_test_id("join-code")).to_be_visible()  # the join code stays
    check_layout(screen, HD, photos=0)

    expect(body).to_have_attribute("data-view", "map", timeout=15_000)
    expect(screen.get_by_test_id("map-scene")).to_be_visible()
    expect(screen.get_by_test_id("web-scene")).to_be_hidden()
    expect(screen.locator("#spot-map .outline")).to_have_count(1)
    expect(screen.locator("#spot-map .spot-name")).to_have_text(["Pieve di Santa Maria"])
    expect(screen.get_by_test_id("spot-teller")).to_have_count(0)  # an organiser's own spot
    check_layout(screen, HD, photos=0)
    screen.screenshot(path=screenshots / "screen-map.png", animations="disabled")
    assert axe_problems(screen) == []
    expect(body).to_have_attribute("data-view", "wall", timeout=15_000)  # and round again

    # Back to the leaderboard with the photos beside it, alone: the turning stops there.
    choose_views(console, server, rnd["id"], ["board"], 5)
    expect(body).to_have_attribute("data-view", "board")
    expect(screen.locator(".board")).to_be_visible()
    expect(screen.get_by_test_id("web-scene")).to_be_hidden()
    assert same_document(screen), "the screen reloaded"


def test_the_web_grows_live_when_two_phones_meet(
    server: Server, phone: Any, big_screen: Any, desktop: Any, screenshots: Path,
    tmp_path: Path,
) -> None:
    organiser = "web@koppelkiek.test"
    rnd = arezzo_round(server, "Arezzo Web", tmp_path, organiser=organiser)
    console = desktop.new_page()
    log_in_organiser(console, server, organiser)
    choose_views(console, server, rnd["id"], ["web"], 30)
    screen = open_screen(big_screen, server, rnd["id"])
    body = screen.locator("body")
    expect(body).to_have_attribute("data-view", "web")
    expect(screen.get_by_test_id("fig-neighbours")).to_have_text("0")

    a, b = meet(server, phone, f"{server.url}/r/{rnd['join_code']}", ("Chiara", "Marco"))
    expect(body).to_have_attribute("data-web-nodes", "2")  # they joined: two dots
    expect(screen.locator("#web circle")).to_have_count(2)
    expect(screen.locator("#web line")).to_have_count(0)  # met, but no photo yet
    b_play = open_play_tab(server, b)
    send_photo(b, "DSCN0021.jpg", tmp_path)
    expect(screen.locator("#web line")).to_have_count(1)
    expect(screen.get_by_test_id("fig-meetings")).to_have_text("1")
    expect(screen.get_by_test_id("fig-neighbours")).to_have_text("2")
    expect(screen.get_by_test_id("fig-chain")).to_have_text("1")
    expect(screen.locator("#web .web-name")).to_have_count(0)  # nobody agreed yet: no names
    # The dots are drawn where the layout put them, inside the picture.
    screen.wait_for_function(
        "[...document.querySelectorAll('#web circle')].every(c => +c.getAttribute('cx') > 0)")

    # Both agree to show their photo: their names come on their link, live.
    answer_consent(a, True)
    expect(screen.locator("#web .web-name")).to_have_count(0)
    answer_consent(b_play, True)
    expect(screen.locator("#web .web-name")).to_have_text(["Chiara & Marco"])
    expect(screen.locator("#web line.named")).to_have_count(1)
    expect(screen.get_by_test_id("web-legend")).to_contain_text("geen straat")

    # More neighbours from two streets meet (through the API): one chain of three across a
    # street, coloured by street, with its figures.
    http = requests.Session()
    people = {name: api_join(http, server, rnd["join_code"], name, street)
              for name, street in (("Giulia", "Via Roma"), ("Luca", "Via Roma"),
                                   ("Sofia", "Corso Italia"), ("Paolo", "Corso Italia"))}
    for (a_name, b_name), camera in zip((("Giulia", "Luca"), ("Luca", "Sofia"),
                                         ("Sofia", "Paolo")),
                                        ("DSCN0027.jpg", "DSCN0029.jpg", "DSCN0038.jpg"),
                                        strict=True):
        photo_on_wall(http, server, people[a_name], people[b_name], camera, tmp_path)
    expect(screen.locator("#web line")).to_have_count(4)
    expect(screen.get_by_test_id("fig-neighbours")).to_have_text("6")
    expect(screen.get_by_test_id("fig-meetings")).to_have_text("4")
    expect(screen.get_by_test_id("fig-across")).to_have_text("33%")  # 1 of the 3 with streets
    expect(screen.get_by_test_id("fig-chain")).to_have_text("3")
    expect(screen.locator("#web-legend li")).to_have_text(
        ["Corso Italia", "Via Roma", "geen straat"])
    fills = screen.evaluate("[...document.querySelectorAll('#web circle')]"
                            ".map(c => c.getAttribute('fill'))")
    assert len(set(fills)) == 3, fills  # a colour per street, one for no street
    screen.wait_for_timeout(3000)  # the layout settles, for the picture only
    check_layout(screen, HD, photos=0)
    screen.screenshot(path=screenshots / "screen-web.png", animations="disabled")
    assert axe_problems(screen) == []
    assert same_document(screen), "the screen reloaded"
