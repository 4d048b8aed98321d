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
import time
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Server
from tests.browser.test_meeting import join
from tests.browser.test_photo import (
    AREZZO_A,
    AREZZO_B,
    CAMERA_FILE,
    EXIF_TIME,
    ROME,
    claim_then_open_photo,
    show_code,
)
from tests.conftest import AREZZO
from tests.live_server import live_server

pytestmark = pytest.mark.browser

MARKER = "window.__sameDocument"


def camera_photo_now(name: str, folder: Path) -> Path:
    """Like test_photo.photo_taken_now, for another of the Arezzo camera files (all have EXIF
    GPS inside AREZZO and three EXIF times). Each test uses its own file: the derived JPEGs of
    one file are the same in every round, and the server keeps image hashes unique."""
    original = (CAMERA_FILE.parent / name).read_bytes()
    assert len(EXIF_TIME.findall(original)) == 3, f"{name} is not a file this test knows"
    stamp = datetime.now(ROME).strftime("%Y:%m:%d %H:%M:%S").encode()
    adjusted = EXIF_TIME.sub(stamp, original)
    assert len(adjusted) == len(original) and adjusted.count(stamp) == 3
    path = folder / f"now-{name}"
    path.write_bytes(adjusted)
    return path


@pytest.fixture
def own_server(tmp_path_factory: pytest.TempPathFactory, browser: Any) -> Iterator[Server]:
    """A server of this test's own, which it may kill and start again."""
    with live_server(tmp_path_factory.mktemp("screen-instance")) as srv:
        yield srv


def arezzo_round(server: Server, name: str, folder: Path, **kwargs: Any) -> dict[str, Any]:
    """A live round in a neighbourhood around Arezzo, where the camera file was taken."""
    return server.live_round(name, folder, boundary=AREZZO, timezone="Europe/Rome", **kwargs)


def open_screen(context: Any, server: Server, round_id: int) -> Any:
    """The screen page, once its first snapshot is in; marked, so a reload would show."""
    screen = context.new_page()
    screen.goto(f"{server.url}/screen/{round_id}")
    expect(screen.locator("body")).to_have_attribute("data-seq", re.compile(r"^\d+$"))
    expect(screen.get_by_test_id("reconnecting")).to_be_hidden()
    screen.evaluate(f"{MARKER} = true")
    return screen


def same_document(page: Any) -> bool:
    return page.evaluate(MARKER) is True


def expect_standings(screen: Any, rows: list[tuple[str, int]]) -> None:
    """The screen's players list, in order: (name, points)."""
    standings = screen.locator("#standings li")
    expect(standings.locator(".name")).to_have_text([name for name, _ in rows])
    expect(standings.locator(".points")).to_have_text([str(points) for _, points in rows])


def meet(server: Server, phone: Any, join_url: str, names: tuple[str, str]) -> tuple[Any, Any]:
    """A joins and shows a code, B scans it and joins: they met. A goes back to /play.

    Returns the two pages: A on /play (marked, 0 points), B on the meeting's photo page.
    """
    a = phone(AREZZO_A).new_page()
    a.goto(join_url)
    join(a, names[0])
    url = show_code(a)
    b = phone(AREZZO_B).new_page()
    b.goto(url)
    join(b, names[1])
    claim_then_open_photo(b, url, names[0])
    a.goto(f"{server.url}/play")
    expect(a.get_by_test_id("points")).to_have_text("0")
    a.evaluate(f"{MARKER} = true")
    return a, b


def send_photo(b: Any, camera_file: str, folder: Path) -> None:
    """On the meeting page: a real camera file (time adjusted to now) is sent and accepted."""
    b.set_input_files("#photo-input", str(camera_photo_now(camera_file, folder)))
    expect(b.locator("#photo-preview")).to_be_visible()
    b.locator("#photo-send").click()
    done = b.get_by_test_id("photo-done")
    expect(done).to_have_attribute("data-status", "accepted", timeout=20_000)


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

    # The same command, port and instance again: back to the same state within 10 s.
    started = time.monotonic()
    server.start()
    expect(reconnecting).to_be_hidden(timeout=10_000)
    expect(screen.locator("body")).to_have_attribute("data-seq", seq or "")
    expect_standings(screen, [("Chiara", 12), ("Marco", 12)])
    elapsed = time.monotonic() - started
    assert elapsed < 10, f"the screen took {elapsed:.1f} s to recover"
    assert same_document(screen), "the screen reloaded"

    # It is really watching again: a neighbour who joins now shows up at once.
    api_join(server, rnd["join_code"], "Giulia")
    expect_standings(screen, [("Chiara", 12), ("Marco", 12), ("Giulia", 0)])
    expect(a.get_by_test_id("points")).to_have_text("12")
    assert same_document(screen) and same_document(a)
