"""Issue 11 in a real browser: the screen of a round that has not opened yet shows only that,
without the round's name or join code, and turns into the real screen by itself once the
organiser starts the round."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.helpers import HOOGRAVEN
from tests.live_server import SEED_PASSWORD, Server

pytestmark = pytest.mark.browser


def test_a_draft_screen_shows_only_not_opened_yet(server: Server, browser: Any,
                                                  tmp_path: Path) -> None:
    organiser = "draft@koppelkiek.test"
    server.create_organiser(organiser, SEED_PASSWORD)
    hood = server.create_neighbourhood("Geheime buurt", HOOGRAVEN, organiser, tmp_path)
    now = datetime.now().astimezone()
    rnd = server.create_round(hood["slug"], "Verrassingsronde", now - timedelta(minutes=5),
                              now + timedelta(hours=2))
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="en-GB")
    context.set_default_timeout(10_000)
    try:
        screen = context.new_page()
        screen.goto(f"{server.url}/screen/{rnd['id']}")
        expect(screen.locator("#clock-label")).to_have_text("Not opened yet")
        html = screen.content()
        assert "Verrassingsronde" not in html and rnd["join_code"] not in html
        expect(screen.locator("main")).to_be_hidden()
        server.start_round(rnd["id"])
        # The page asks again every 15 s; once the round is public it loads the real screen.
        expect(screen.locator("#round-name")).to_have_text("Verrassingsronde", timeout=40_000)
        expect(screen.locator(".join .code")).to_have_text(rnd["join_code"])
    finally:
        context.close()
