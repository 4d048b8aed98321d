"""Issue 15, items 4 and 5 in a real browser: the team suggestion while typing, and the recovery
code at a calm moment (never while a neighbour waits for the claim), kept on "my data"."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.phones import SPOT_A, SPOT_B, claim_then_open_photo, join, show_code
from tests.live_server import Server

pytestmark = pytest.mark.browser
JOIN_BUTTON = re.compile("Doe mee|Join the game")


def test_the_join_page_offers_a_team_already_playing(
    server: Server, phone: Any, screenshots: Path, tmp_path: Path,
) -> None:
    rnd = server.live_round("Via Roma", tmp_path)
    a = phone(SPOT_A).new_page()
    a.goto(f"{server.url}/r/{rnd['join_code']}")
    a.fill("#display_name", "Fatma")
    a.fill("#team", "Via Roma")
    a.get_by_role("button", name=JOIN_BUTTON).click()
    expect(a).to_have_url(re.compile(r"/welcome"))

    b = phone(SPOT_B).new_page()
    b.goto(f"{server.url}/r/{rnd['join_code']}")
    team = b.locator("#team")
    expect(team).to_have_attribute("list", "teams")
    expect(b.locator("#teams option")).to_have_count(1)
    expect(b.locator("#teams option")).to_have_attribute("value", "Via Roma")
    hint = b.get_by_test_id("team-hint")
    expect(hint).to_be_hidden()
    b.fill("#display_name", "Ömer")
    team.press_sequentially("via rom")
    expect(hint).to_be_hidden()  # not a team yet
    team.press_sequentially("a")
    expect(hint).to_be_visible()
    expect(hint).to_have_text("Je speelt mee in het team “Via Roma”.")
    b.screenshot(path=screenshots / "phone-team-suggestion.png", full_page=True)
    b.get_by_role("button", name=JOIN_BUTTON).click()
    expect(b).to_have_url(re.compile(r"/welcome"))
    b.click("#continue")
    expect(b.locator("#player .team")).to_have_text("Via Roma")  # the first spelling


def test_the_recovery_code_waits_until_the_claim_is_done(
    server: Server, phone: Any, screenshots: Path, tmp_path: Path,
) -> None:
    rnd = server.live_round("Rustig Moment", tmp_path)
    # Joined from the poster: nobody is waiting, so the welcome page shows the code.
    a = phone(SPOT_A).new_page()
    a.goto(f"{server.url}/r/{rnd['join_code']}")
    a.fill("#display_name", "Chiara")
    a.get_by_role("button", name=JOIN_BUTTON).click()
    expect(a).to_have_url(re.compile(r"/welcome"))
    code_a = a.get_by_test_id("recovery-code").inner_text()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", code_a), code_a
    expect(a.get_by_test_id("recovery")).to_contain_text("schermafbeelding")
    a.click("#continue")
    url = show_code(a)

    # B scans A's code before joining: after the name, the claim goes on at once, no code.
    b = phone(SPOT_B).new_page()
    b.goto(url)
    join(b, "Marco")  # asserts no recovery code on the way
    expect(b.get_by_test_id("claim-met")).to_be_visible()
    expect(b.get_by_test_id("recovery-code")).to_have_count(0)
    claim_then_open_photo(b, url, "Chiara")
    expect(b.get_by_test_id("recovery-code")).to_have_count(0)

    # Back on the player page, the meeting recorded: now the code, with what to do with it.
    b.get_by_role("link", name=re.compile("Terug|Back")).click()
    expect(b).to_have_url(re.compile(r"/play$"))
    due = b.locator("#recovery-due")
    expect(due).to_be_visible()
    expect(due).to_contain_text("schermafbeelding")
    code_b = b.get_by_test_id("recovery-code").inner_text()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", code_b) and code_b != code_a
    b.screenshot(path=screenshots / "phone-recovery-code.png", full_page=True)
    due.get_by_role("link", name=re.compile("opgeschreven|written it down")).click()
    expect(b.locator("#recovery-due")).to_have_count(0)

    # And on "my data", for both, whenever they look.
    for page, code in ((a, code_a), (b, code_b)):
        page.goto(f"{server.url}/play")
        page.get_by_role("link", name=re.compile("Mijn gegevens|My data")).click()
        expect(page.get_by_test_id("recovery-code")).to_have_text(code)
    b.screenshot(path=screenshots / "phone-my-data.png", full_page=True)
