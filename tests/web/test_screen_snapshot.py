"""The screen's snapshot carries the latest points (`scored`), so a screen that comes back after a
reload or a lost connection shows them large at once; never while the board is hidden."""

from __future__ import annotations

from koppelkiek.realtime import socketio
from tests.helpers import ROME_AFTERNOON, arezzo_world, console_post, received, scored_photo


def test_a_snapshot_tells_the_latest_points(app, clock) -> None:  # type: ignore[no-untyped-def]
    world = arezzo_world(app, clock)
    # The camera files' own times, as in tests/web/test_standings.py.
    clock.now = ROME_AFTERNOON.replace(minute=27)
    fatma, _ = world.join("Fatma")
    omer, _ = world.join("Ömer")
    jan, _ = world.join("Jan")
    screen = socketio.test_client(app)
    screen.emit("watch", {"round_id": world.round_id, "since_seq": 0})
    assert received(screen, "snapshot")[0]["scored"] == {}  # nothing scored yet
    scored_photo(world, fatma, omer, "DSCN0010.jpg")
    first = received(screen, "standings")[0]["scored"]
    assert first["names"] == ["Fatma", "Ömer"] and first["points"] == 12
    clock.now = ROME_AFTERNOON.replace(minute=29, second=30)
    photo = scored_photo(world, jan, fatma, "DSCN0012.jpg")
    latest = received(screen, "standings")[0]["scored"]
    assert latest["names"] == ["Jan", "Fatma"]
    # A screen that starts now (or watches again without a seq) sees the last one, as sent.
    fresh = socketio.test_client(app)
    fresh.emit("watch", {"round_id": world.round_id})
    assert received(fresh, "snapshot")[0]["scored"] == latest
    # Rejected, those points are gone: the latest that still count are the ones before.
    queue = f"/organise/rounds/{world.round_id}/photos"
    res = console_post(world.organiser_client(), f"{queue}/{photo['id']}/decision", queue,
                       decision="reject", reason="blurry", note="")
    assert res.status_code == 302
    fresh.emit("watch", {"round_id": world.round_id})
    assert received(fresh, "snapshot")[0]["scored"] == first


def test_a_hidden_board_shows_no_latest_points(app, clock) -> None:  # type: ignore[no-untyped-def]
    world = arezzo_world(app, clock, leaderboard="hidden")
    clock.now = ROME_AFTERNOON.replace(minute=27)
    fatma, _ = world.join("Fatma")
    omer, _ = world.join("Ömer")
    scored_photo(world, fatma, omer, "DSCN0010.jpg")
    screen = socketio.test_client(app)
    screen.emit("watch", {"round_id": world.round_id, "since_seq": 0})
    snap = received(screen, "snapshot")[0]
    assert snap["hidden"] is True and snap["scored"] == {}
