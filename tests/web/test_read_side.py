"""The read side: a wall, a queue, a board and a snapshot cost the same number of queries
whatever their size, the cached board cannot be changed by a reader, and a screen that watches
again with the seq it has gets just the deltas it missed (or a snapshot when they are gone)."""

from __future__ import annotations

import dataclasses
import io
import random
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, get_args

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import event

from koppelkiek.board import full_board
from koppelkiek.db import db
from koppelkiek.db import session as db_session
from koppelkiek.game.events import Event
from koppelkiek.game.models import Round
from koppelkiek.realtime import PUBLISHERS, socketio
from tests.helpers import INSIDE, Clock, World, arezzo_world, meet, received, send


@contextmanager
def statements(app: Flask) -> Iterator[list[str]]:
    """Every SQL statement the app sends meanwhile."""
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        seen.append(statement)

    engine = db.engine(app)
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def picture(seed: int) -> bytes:
    """A photo without EXIF (its place comes from the browser), unlike any other seed's."""
    rng = random.Random(seed)
    small = Image.frombytes("L", (16, 12), bytes(rng.randrange(256) for _ in range(16 * 12)))
    out = io.BytesIO()
    small.resize((480, 360)).convert("RGB").save(out, "JPEG", quality=85)
    return out.getvalue()


def photo_of(world: World, a: FlaskClient, b: FlaskClient, seed: int,
             shown: bool = True) -> int:
    world.clock.advance(seconds=20)
    meeting = meet(world, a, b)
    res = send(b, meeting, picture(seed), **INSIDE)
    assert res.status_code == 201, res.get_json()
    photo_id = int(res.get_json()["photo"]["id"])
    if shown:
        for phone in (a, b):
            consent = phone.post(f"/api/v1/photos/{photo_id}/consent", json={"show": True})
            assert consent.status_code == 200, consent.get_json()
    return photo_id


def costs(world: World, org: FlaskClient) -> dict[str, int]:
    """Statements per read: the public wall, the moderation queue, a cold board, a snapshot."""
    app, rid = world.app, world.round_id
    found = {}
    with statements(app) as seen:
        wall = app.test_client().get(f"/api/v1/rounds/{rid}/photos")
    assert wall.status_code == 200
    found["wall"] = len(seen)
    with statements(app) as seen:
        queue = org.get(f"/organise/rounds/{rid}/photos?fragment=1")
    assert queue.status_code == 200
    found["queue"] = len(seen)
    world.join(f"Nieuw {len(wall.get_json()['photos'])}")  # a new seq: the board is cold
    with statements(app) as seen:
        board = app.test_client().get(f"/api/v1/rounds/{rid}/standings")
    assert board.status_code == 200
    found["board"] = len(seen)
    screen = socketio.test_client(app)
    with statements(app) as seen:
        screen.emit("watch", {"round_id": rid, "since_seq": 0})
    snap = received(screen, "snapshot")[0]
    assert len(snap["photos"]) == len(wall.get_json()["photos"])
    found["snapshot"] = len(seen)
    screen.disconnect()
    found["photos"] = len(wall.get_json()["photos"])
    found["queued"] = queue.get_data(as_text=True).count('class="queue-item')
    found["players"] = len(board.get_json()["standings"])
    return found


def test_wall_queue_board_and_snapshot_take_the_same_queries_at_any_size(
        app: Flask, clock: Clock) -> None:
    world = arezzo_world(app, clock)
    phones = [world.join(name)[0] for name in ("Fatma", "Ömer", "Jan", "Sanne", "Bram",
                                               "Noor", "Kees", "Lotte", "Daan", "Roos")]
    org = world.organiser_client()
    photo_of(world, phones[0], phones[1], seed=1)
    small = costs(world, org)
    for n, (a, b) in enumerate([(2, 3), (4, 5), (6, 7)], start=2):
        photo_of(world, phones[a], phones[b], seed=n)
    photo_of(world, phones[8], phones[9], seed=9, shown=False)  # queued, not on the wall
    large = costs(world, org)
    assert (small["photos"], small["queued"]) == (1, 1)
    assert (large["photos"], large["queued"]) == (4, 5)
    assert large["players"] > small["players"]
    for read in ("wall", "queue", "board", "snapshot"):
        assert large[read] == small[read], (read, small, large)


def test_the_wall_carries_both_names_and_both_images(app: Flask, clock: Clock) -> None:
    world = arezzo_world(app, clock)
    fatma, _ = world.join("Fatma")
    omer, _ = world.join("Ömer")
    photo_id = photo_of(world, fatma, omer, seed=3)
    wall = app.test_client().get(f"/api/v1/rounds/{world.round_id}/photos").get_json()
    [item] = wall["photos"]
    assert item["id"] == photo_id and item["names"] == ["Fatma", "Ömer"]
    for url in (item["display_url"], item["thumb_url"]):
        assert app.test_client().get(url).status_code == 200


def test_the_cached_board_cannot_be_changed_by_a_reader(app: Flask, clock: Clock) -> None:
    world = arezzo_world(app, clock)
    _, body = world.join("Fatma")
    url = f"/api/v1/rounds/{world.round_id}/standings"
    before = app.test_client().get(url).get_json()
    with app.test_request_context("/"):
        board = full_board(db_session().get(Round, world.round_id))  # type: ignore[arg-type]
        assert board.by_player[body["player"]["id"]].display_name == "Fatma"
        with pytest.raises(dataclasses.FrozenInstanceError):
            board.standings[0].points = 99  # type: ignore[misc]
        with pytest.raises(TypeError):
            board.by_player[0] = board.standings[0]  # type: ignore[index]
        with pytest.raises(AttributeError):
            board.standings.append(board.standings[0])  # type: ignore[attr-defined]
    assert app.test_client().get(url).get_json() == before


def test_every_kind_of_event_has_a_publisher() -> None:
    assert set(get_args(Event)) == set(PUBLISHERS)


def main_chain(received: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    return [(e["name"], e["args"][0]) for e in received if e["name"] != "web"]


def test_a_screen_that_names_its_seq_gets_just_what_it_missed(app: Flask, clock: Clock) -> None:
    world = arezzo_world(app, clock)
    fatma, _ = world.join("Fatma")
    omer, _ = world.join("Ömer")
    watching = socketio.test_client(app)
    watching.emit("watch", {"round_id": world.round_id, "since_seq": 0})
    had = received(watching, "snapshot")[0]["seq"]
    world.join("Jan")
    photo_of(world, fatma, omer, seed=5)
    # The web of meetings has a chain of its own (test_web_of_meetings.py): the main chain here.
    sent = main_chain(watching.get_received())
    assert [name for name, _ in sent] == ["standings", "standings", "photo"]
    # Another screen (say, one that reconnected) had `had`: it is told what it missed, as sent.
    back = socketio.test_client(app)
    back.emit("watch", {"round_id": world.round_id, "since_seq": had})
    replayed = main_chain(back.get_received())
    assert replayed == sent
    assert replayed[0][1]["from_seq"] == had + 1
    assert [body["from_seq"] for _, body in replayed[1:]] == [
        body["seq"] + 1 for _, body in replayed[:-1]]
    # One that is already up to date is told nothing; both then follow the live deltas.
    current = replayed[-1][1]["seq"]
    watching.emit("watch", {"round_id": world.round_id, "since_seq": current})
    assert main_chain(watching.get_received()) == []
    world.join("Sanne")
    for sock in (watching, back):
        assert [(d["from_seq"], d["seq"]) for d in received(sock, "standings")] == [
            (current + 1, current + 1)]


def test_a_watch_answers_a_snapshot_when_the_missed_deltas_are_gone(
        app: Flask, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("koppelkiek.feed.LOG_SIZE", 2)
    world = arezzo_world(app, clock)
    fatma, body = world.join("Fatma")
    omer, _ = world.join("Ömer")
    # Nobody watches the round yet: this process holds nothing of it.
    first = socketio.test_client(app)
    first.emit("watch", {"round_id": world.round_id, "since_seq": 1})
    had = received(first, "snapshot")[0]["seq"]
    world.join("Jan")
    world.join("Sanne")
    photo_of(world, fatma, omer, seed=7)  # more deltas than the log keeps
    now = received(first, "photo")[-1]["seq"]
    for since in (had, had - 1, now + 5):  # fell out of the log; before it; from the future
        late = socketio.test_client(app)
        late.emit("watch", {"round_id": world.round_id, "since_seq": since})
        names = [e["name"] for e in late.get_received()]
        assert names == ["snapshot"], (since, names)
    # A phone always gets its own snapshot, whatever seq it names.
    phone = socketio.test_client(app, auth={"token": body["token"]})
    phone.emit("watch", {"round_id": world.round_id, "since_seq": now, "view": "phone"})
    assert [e["name"] for e in phone.get_received()] == ["snapshot"]
