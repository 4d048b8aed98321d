"""Issue 17, item 1 in a real browser: a resident proposes a spot from their phone (the place
from the phone's own position) and the organiser approves it in the console, after editing its
name; the resident hears it live; it then appears on a second phone and on the screen (with a
photo taken there) with its teller: "verteld door Fatma"."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.phones import AREZZO_B, MARKER, arezzo_round, join, open_screen, same_document
from tests.browser.test_big_screen import api_join, photo_on_wall
from tests.browser.test_console import log_in
from tests.live_server import Server

pytestmark = pytest.mark.browser

# Where DSCN0010.jpg was taken (its EXIF GPS): Fatma stands here, so a photo there is at her spot.
PIAZZA = {"latitude": 43.467448, "longitude": 11.885127, "accuracy": 10}
STORY = "Hier stond tot 1952 de smederij van de familie Rossi."


def test_a_resident_proposes_a_spot_the_organiser_approves_it_and_everyone_sees_its_teller(
    server: Server, phone: Any, desktop: Any, big_screen: Any, screenshots: Path,
    tmp_path: Path,
) -> None:
    email = "verhalen@koppelkiek.test"
    rnd = arezzo_round(server, "Verhalenwijk", tmp_path, organiser=email)
    join_url = f"{server.url}/r/{rnd['join_code']}"
    screen = open_screen(big_screen, server, rnd["id"])

    # Fatma tells the story of the place where she stands.
    fatma = phone(PIAZZA).new_page()
    fatma.goto(join_url)
    join(fatma, "Fatma")
    fatma.get_by_test_id("propose-link").click()
    expect(fatma).to_have_url(re.compile(r"/spots/propose$"))
    expect(fatma.get_by_role("heading", name="Vertel een verhaal over een plek")).to_be_visible()
    expect(fatma.get_by_test_id("place-map")).to_have_class(re.compile(r"\bmap-ready\b"))
    fatma.get_by_label("Naam van de plek").fill("Smederij")
    fatma.get_by_label("Het verhaal", exact=True).fill(STORY)
    fatma.get_by_test_id("use-position").click()
    expect(fatma.get_by_test_id("place-chosen")).to_be_visible()
    expect(fatma.get_by_test_id("place-map")).to_have_attribute(
        "data-picked", "43.467448,11.885127")
    fatma.get_by_label(re.compile("Noem mijn naam bij het verhaal")).check()
    fatma.get_by_test_id("propose-send").click()
    expect(fatma.get_by_test_id("propose-done")).to_be_visible()
    mine = fatma.locator("#my-proposals li[data-proposal-id]")
    expect(mine).to_have_attribute("data-status", "pending")
    fatma.evaluate(f"{MARKER} = true")
    fatma.screenshot(path=screenshots / "propose-spot-phone.png", full_page=True)

    # The organiser finds it in the round's queue, gives it a fuller name and approves it.
    console = desktop.new_page()
    log_in(console, server, email)
    console.goto(f"{server.url}/organise/rounds/{rnd['id']}")
    console.get_by_test_id("proposals-link").click()
    waiting = console.get_by_test_id("proposals-pending").locator("li[data-proposal-id]")
    expect(waiting).to_have_count(1)
    expect(waiting).to_contain_text("Fatma")
    waiting.get_by_label("Naam", exact=True).fill("De oude smederij")
    waiting.locator("[data-action=approve]").click()
    expect(console.get_by_test_id("proposals-empty")).to_be_visible()
    expect(console.get_by_test_id("proposals-decided")).to_contain_text("Smederij")
    console.screenshot(path=screenshots / "proposals-console.png", full_page=True)

    # Fatma hears it live, on the page she left open.
    expect(mine).to_have_attribute("data-status", "approved")
    expect(fatma.locator("#toasts")).to_contain_text("De oude smederij")
    assert same_document(fatma)

    # A second phone lists the spot with its teller.
    omer = phone(AREZZO_B).new_page()
    omer.goto(join_url)
    join(omer, "Ömer")
    spots = omer.get_by_test_id("story-spots")
    expect(spots).to_contain_text("De oude smederij")
    expect(spots.get_by_test_id("spot-teller")).to_have_text("verteld door Fatma")

    # On the screen: a photo taken at the spot shows its story, with the teller.
    http = requests.Session()
    chiara = api_join(http, server, rnd["join_code"], "Chiara", "Via Roma")
    marco = api_join(http, server, rnd["join_code"], "Marco", "Corso Italia")
    photo_on_wall(http, server, chiara, marco, "DSCN0010.jpg", tmp_path)
    caption = screen.locator("#wall figure figcaption")
    expect(caption).to_have_count(1)
    expect(caption.locator(".spot")).to_contain_text("De oude smederij")
    expect(caption.locator(".teller")).to_have_text("verteld door Fatma")
    assert same_document(screen)
