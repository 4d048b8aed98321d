"""Issue 16, item 3 in a real browser: the organiser gives the round's name and a story spot's
story in English; an English phone reads them, a Dutch phone the original; the big screen
alternates between Dutch and English without a reload; the poster prints in both."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from playwright.sync_api import expect

from tests import live_server as live
from tests.browser.phones import MARKER, SPOT_A, join, same_document
from tests.live_server import SEED_PASSWORD, Server

pytestmark = pytest.mark.browser

ORGANISER = "words@hoograven.test"
STORY_NL = "Hier stond tot 1952 de smederij van de familie Verhoef."
STORY_EN = "Until 1952 the smithy of the Verhoef family stood here."
OWN_PORTS = range(9400, 9500)  # this helper's ports, clear of the other browser tests


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of this module's own, on a port from OWN_PORTS."""
    choose = live.free_port
    with mock.patch.object(live, "free_port", lambda: choose(OWN_PORTS)), \
            live.live_server(tmp_path_factory.mktemp("words-instance")) as srv:
        yield srv


def english_phone(browser: Any, playwright_session: Any) -> Any:
    context = browser.new_context(
        **playwright_session.devices["Pixel 5"], geolocation=SPOT_A,
        permissions=["geolocation"], locale="en-GB", timezone_id="Europe/Amsterdam")
    context.set_default_timeout(10_000)
    return context


def test_translations_reach_phones_and_the_screen_alternates(
    server: Server, desktop: Any, phone: Any, big_screen: Any, browser: Any,
    playwright_session: Any, screenshots: Path, tmp_path: Path,
) -> None:
    rnd = server.live_round("Hoograven", tmp_path, organiser=ORGANISER)
    original = "Hoograven middag"
    console = desktop.new_page()
    console.goto(server.url + "/organise/login")
    console.fill("#email", ORGANISER)
    console.fill("#password", SEED_PASSWORD)
    console.click("button[type=submit]")
    expect(console).to_have_url(re.compile(r"/organise/$"))

    # The round's name in English, and the screen in Dutch and English in turn.
    console.goto(f"{server.url}/organise/rounds/{rnd['id']}")
    console.get_by_test_id("round-translations").locator("summary").click()
    console.fill("#name_en", "Hoograven afternoon")
    console.get_by_test_id("screen-languages").locator("summary").click()
    console.check("input[name=screen_languages][value=nl]")
    console.check("input[name=screen_languages][value=en]")
    console.fill("#screen_seconds", "3")
    console.locator("form[action$='/rules'] button[type=submit]").click()
    expect(console.locator("#name_en")).to_have_value("Hoograven afternoon")

    # A story spot where the phones stand, its story also in English (the name only in Dutch).
    console.goto(f"{server.url}/organise/neighbourhoods/{rnd['slug']}/spots")
    console.fill("#name", "Oude smederij")
    console.fill("#story", STORY_NL)
    console.fill("#lat", str(SPOT_A["latitude"]))
    console.fill("#lon", str(SPOT_A["longitude"]))
    console.get_by_test_id("new-spot-translations").locator("summary").click()
    console.fill("#story_en", STORY_EN)
    console.locator("#spot-form button[type=submit]").click()
    expect(console.get_by_test_id("spots")).to_contain_text("Oude smederij")

    join_url = f"{server.url}/r/{rnd['join_code']}"
    english = english_phone(browser, playwright_session).new_page()
    english.goto(join_url)
    expect(english.locator("h1")).to_contain_text("Hoograven afternoon")
    join(english, "Ann")
    expect(english).to_have_url(re.compile(r"/play$"))
    expect(english.locator("body")).to_contain_text("Hoograven afternoon")
    spots = english.get_by_test_id("story-spots")
    expect(spots).to_contain_text("Oude smederij")  # no English name: the original
    expect(spots).to_contain_text(STORY_EN)
    expect(spots).not_to_contain_text(STORY_NL)

    dutch = phone(SPOT_A).new_page()
    dutch.goto(join_url)
    join(dutch, "Fatma")
    expect(dutch).to_have_url(re.compile(r"/play$"))
    expect(dutch.locator("body")).to_contain_text(original)
    expect(dutch.locator("body")).not_to_contain_text("Hoograven afternoon")
    expect(dutch.get_by_test_id("story-spots")).to_contain_text(STORY_NL)

    # The screen: Dutch, then English, then Dutch again, in one document.
    screen = big_screen.new_page()
    screen.goto(f"{server.url}/screen/{rnd['id']}")
    expect(screen.locator("body")).to_have_attribute("data-seq", re.compile(r"^\d+$"))
    screen.evaluate(f"{MARKER} = true")
    name = screen.locator("#round-name")
    board = screen.locator("[data-kk-text=leaderboard]")
    expect(name).to_have_text(original)
    expect(board).to_have_text("Stand")
    expect(name).to_have_text("Hoograven afternoon")
    expect(board).to_have_text("Leaderboard")
    expect(name).to_have_attribute("lang", "en")
    expect(screen.locator("#clock-label")).to_have_text(re.compile(r"^Ends in$"))
    expect(name).to_have_text(original)
    expect(board).to_have_text("Stand")
    assert same_document(screen)

    # The poster in Dutch and English, for the community centre's door.
    console.goto(f"{server.url}/organise/rounds/{rnd['id']}/poster?lang=nl&also=en")
    expect(console.get_by_test_id("poster-words-nl")).to_contain_text("Scan de QR-code")
    expect(console.get_by_test_id("poster-words-en")).to_contain_text("Scan the QR code")
    expect(console.locator("h2[lang=en]")).to_have_text("Hoograven afternoon")
    console.screenshot(path=screenshots / "poster-bilingual.png", full_page=True)
