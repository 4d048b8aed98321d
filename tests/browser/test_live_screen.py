"""Issue 5 in a real browser: the community-centre screen follows the game live, and survives
the server being killed.

The screen (a 1920×1080 context) and two phones watch one round in Arezzo. The phones meet and
upload a real camera photo (EXIF GPS in Arezzo, EXIF time adjusted to now, as in test_photo.py).
The screen and the phone show the points without a reload. Then the server process gets SIGKILL;
the screen says "reconnecting", and when `koppelkiek serve` starts again on the same port and
instance it comes back to the same state by itself, still the same document.

This test runs its own server (`own_server`), so killing it leaves the session's server alone.
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.phones import (
    arezzo_round,
    expect_standings,
    meet,
    open_screen,
    same_document,
    send_photo,
)
from tests.live_server import Server, live_server

pytestmark = pytest.mark.browser


@pytest.fixture
def own_server(tmp_path_factory: pytest.TempPathFactory, browser: Any) -> Iterator[Server]:
    """A server of this test's own, which it may kill and start again."""
    with live_server(tmp_path_factory.mktemp("screen-instance")) as srv:
        yield srv


def api_join(server: Server, join_code: str, name: str) -> dict[str, Any]:
    """A third neighbour joins through the JSON API (no browser needed for that)."""
    request = urllib.request.Request(
        f"{server.url}/api/v1/join", method="POST",
        data=json.dumps({"join_code": join_code, "display_name": name}).encode(),
        headers={"Content-Type": "application/json", "Accept": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as res:
        assert res.status == 201
        return json.loads(res.read())


def test_the_screen_shows_points_live_and_survives_a_killed_server(
    own_server: Server, phone: Any, big_screen: Any, screenshots: Path, tmp_path: Path,
) -> None:
    server = own_server
    rnd = arezzo_round(server, "Arezzo Piazza Grande", tmp_path)
    screen = open_screen(big_screen, server, rnd["id"])
    expect(screen.locator("#standings li")).to_have_count(0)

    a, b = meet(server, phone, f"{server.url}/r/{rnd['join_code']}", ("Chiara", "Marco"))
    send_photo(b, "DSCN0012.jpg", tmp_path)

    # First meeting 10 + welcome 2 each; no teams. The same order as the board: equal points,
    # the same last score, then join order.
    expect_standings(screen, [("Chiara", 12), ("Marco", 12)])
    expect(screen.locator("#teams li")).to_have_count(0)
    scored = screen.locator("#scored")
    expect(scored).to_be_visible()
    expect(scored).to_contain_text("Chiara")
    expect(scored).to_contain_text("Marco")
    assert same_document(screen), "the screen reloaded"

    # The phone of A, on /play since before the photo: 12 points and a rank, live.
    expect(a.get_by_test_id("points")).to_have_text("12")
    expect(a.get_by_test_id("rank")).to_have_text(re.compile(r"^[12]$"))
    expect(a.get_by_test_id("scored")).to_contain_text("Marco")
    assert same_document(a), "the phone reloaded"

    screen.wait_for_function("[...document.images].every(i => i.complete)")
    screen.screenshot(path=screenshots / "screen.png")

    # SIGKILL: the server dies without a word. The screen notices and says so, and keeps
    # showing what it had.
    seq = screen.locator("body").get_attribute("data-seq")
    server.kill()
    reconnecting = screen.get_by_test_id("reconnecting")
    expect(reconnecting).to_be_visible()
    expect_standings(screen, [("Chiara", 12), ("Marco", 12)])

    # The same command, port and instance again: back to the same state by itself. How fast is
    # not asserted here (socket.io's backoff is capped at 5 s plus jitter, and the server's own
    # start-up counts too); the test only waits long enough that a slow CI machine is no failure.
    server.start()
    expect(reconnecting).to_be_hidden(timeout=30_000)
    expect(screen.locator("body")).to_have_attribute("data-seq", seq or "")
    expect_standings(screen, [("Chiara", 12), ("Marco", 12)])
    assert same_document(screen), "the screen reloaded"

    # It is really watching again: a neighbour who joins now shows up at once.
    api_join(server, rnd["join_code"], "Giulia")
    expect_standings(screen, [("Chiara", 12), ("Marco", 12), ("Giulia", 0)])
    expect(a.get_by_test_id("points")).to_have_text("12")
    assert same_document(screen) and same_document(a)
