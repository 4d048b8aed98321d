"""Issue 10: every phone gets what it needs, screens get coalesced deltas with contiguous seq.

The app runs its live feed by hand here (`LIVE_FEED=manual`): the test calls `tick(now)` where a
server's pacer would, with `now` on the feed's own clock, so what is coalesced is exact and no
test waits on time. Photos are recorded through the game's use case with a small fake intake
(the photo checks have their own tests) and published the way the web layer does after commit.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from koppelkiek import create_app
from koppelkiek.db import db
from koppelkiek.feed import PHONE_EVERY, RANK_EVERY, Feed
from koppelkiek.game.models import Meeting, Player, Round
from koppelkiek.game.photos import record_photo, set_consent
from koppelkiek.realtime import publish, socketio
from koppelkiek.uploads import DerivedImages, Intake, PhotoFacts, Position
from tests.helpers import Clock, World

INSIDE = Position(52.0760, 5.1240, 10.0)  # inside HOOGRAVEN
WAIT = 60.0  # a safety net against a hang, not a measurement


@pytest.fixture
def paced(database_url: str, tmp_path: Path, clock: Clock) -> Iterator[Flask]:
    app = create_app({
        "INSTANCE": str(tmp_path / "instance"), "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret", "TESTING": True, "CLOCK": clock,
        "PUBLIC_URL": "http://kiek.test", "LIVE_FEED": "manual",
    })
    yield app
    db.engine(app).dispose()


def feed_of(app: Flask) -> Feed:
    found: Feed = app.extensions["koppelkiek_feed"]
    return found


def fake_intake(n: int) -> Intake:
    digest = hashlib.sha256(f"feed photo {n}".encode()).digest()
    facts = PhotoFacts(kind="jpeg", width=800, height=600, taken_at=None, exif_position=None,
                       sha256=digest.hex(), dhash=int.from_bytes(digest[:8], "big"))
    return Intake(facts, DerivedImages(b"display-%d" % n, b"thumb-%d" % n, (800, 600),
                                       (400, 300)))


class Photos:
    """Meetings with a photo each, recorded and published like the upload view does."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.n = 0

    def score(self, a: int, b: int) -> int:
        self.n += 1
        now = self.world.clock.advance(seconds=5)
        with db.sessions(self.world.app)() as s:
            meeting = Meeting(round_id=self.world.round_id, player_a_id=a, player_b_id=b,
                              met_at=now, photo_due_by=now + timedelta(minutes=15))
            s.add(meeting)
            s.flush()
            uploader = s.get(Player, b)
            assert uploader is not None
            recorded = record_photo(s, uploader, meeting, fake_intake(self.n), INSIDE, now)
            s.commit()
            photo_id = recorded.photo.id
        with self.world.app.app_context():
            publish(recorded.events)
        return photo_id

    def consent(self, player_id: int, photo_id: int, show: bool) -> None:
        with db.sessions(self.world.app)() as s:
            player = s.get(Player, player_id)
            assert player is not None
            events = set_consent(s, player, photo_id, show, self.world.clock())
            s.commit()
        with self.world.app.app_context():
            publish(events)


def received(sock: Any) -> list[tuple[str, dict[str, Any]]]:
    return [(e["name"], e["args"][0]) for e in sock.get_received()]


def named(messages: list[tuple[str, dict[str, Any]]], name: str) -> list[dict[str, Any]]:
    return [m for n, m in messages if n == name]


def world_player(app: Flask, name: str) -> int:
    with db.sessions(app)() as s:
        found = s.scalar(select(Player.id).where(Player.display_name == name))
        assert found is not None
        return found


def round_seq(app: Flask, round_id: int) -> int:
    with db.sessions(app)() as s:
        rnd = s.get(Round, round_id)
        assert rnd is not None
        return rnd.seq


def test_a_phone_gets_its_own_row_and_a_paced_top_not_other_players_deltas(
        paced: Flask, clock: Clock) -> None:
    world = World(paced, clock).seed()
    ids = {}
    tokens = {}
    for name in ("Jan", "Sanne", "Fatma", "Ömer"):  # Jan joined first: he leads at 0 points
        _, body = world.join(name)
        ids[name], tokens[name] = body["player"]["id"], body["token"]
    phones = {name: socketio.test_client(paced, auth={"token": tokens[name]})
              for name in ("Jan", "Fatma")}
    for phone in phones.values():
        phone.emit("watch", {"round_id": world.round_id, "since_seq": 0, "view": "phone"})
    screen = socketio.test_client(paced)
    screen.emit("watch", {"round_id": world.round_id, "since_seq": 0})
    snap = named(received(phones["Jan"]), "snapshot")[0]
    assert snap["me"] == {"points": 0, "meetings": 0, "rank": 1} and "photos" not in snap
    assert named(received(phones["Fatma"]), "snapshot")[0]["me"]["rank"] == 3
    start = named(received(screen), "snapshot")[0]["seq"]
    clock0 = time.monotonic()

    photos = Photos(world)
    photos.score(ids["Fatma"], ids["Ömer"])
    feed_of(paced).tick(clock0 + 0.5)
    to_fatma, to_jan = received(phones["Fatma"]), received(phones["Jan"])
    # Fatma's own points moved: she hears at once, with her new rank.
    assert named(to_fatma, "me") == [{"seq": start + 1, "points": 12, "meetings": 1,
                                      "rank": 1}]
    # Jan only dropped a place: that waits for the phones' turn, like the new top.
    assert [n for n, _ in to_jan if n != "notice"] == []
    assert [n for n, _ in to_fatma if n not in ("me", "notice")] == []
    assert [(d["from_seq"], d["seq"]) for d in named(received(screen), "standings")] == [
        (start + 1, start + 1)]

    feed_of(paced).tick(clock0 + PHONE_EVERY + 1)
    to_fatma, to_jan = received(phones["Fatma"]), received(phones["Jan"])
    assert named(to_jan, "me") == [{"seq": start + 1, "points": 0, "meetings": 0, "rank": 3}]
    for got in (to_fatma, to_jan):
        assert [m["standings"][0]["display_name"] for m in named(got, "top")] == ["Fatma"]
        assert named(got, "standings") == [] and named(got, "photo") == []
    assert named(to_fatma, "me") == []  # nothing new for her

    # A newcomer moves nobody's rank: no phone hears of the join, the screen does.
    world.join("Kees")
    feed_of(paced).tick(clock0 + PHONE_EVERY + 2)
    assert [n for n, _ in received(phones["Jan"])] == []
    assert [n for n, _ in received(phones["Fatma"])] == []
    joined = named(received(screen), "standings")
    assert [[r["display_name"] for r in d["changed"]] for d in joined] == [["Kees"]]
    # Sanne and Kees score too and pass Jan. He last heard of his rank less than RANK_EVERY
    # ago: at the phones' next turn he hears nothing yet, while the new top goes out (once).
    told = clock0 + PHONE_EVERY + 1
    photos.score(ids["Sanne"], world_player(paced, "Kees"))
    feed_of(paced).tick(clock0 + 3 * PHONE_EVERY)
    to_jan, to_fatma = received(phones["Jan"]), received(phones["Fatma"])
    assert named(to_jan, "me") == [] and named(to_fatma, "me") == []
    for got in (to_jan, to_fatma):
        assert [[r["display_name"] for r in m["standings"]] for m in named(got, "top")] == [
            ["Fatma", "Ömer", "Sanne", "Kees", "Jan"]]
    feed_of(paced).tick(told + RANK_EVERY + 0.5)
    assert named(received(phones["Jan"]), "me") == [
        {"seq": start + 3, "points": 0, "meetings": 0, "rank": 5}]
    # Nothing moved since: later turns send phones nothing at all.
    feed_of(paced).tick(told + 3 * RANK_EVERY)
    assert received(phones["Jan"]) + received(phones["Fatma"]) == []


@pytest.fixture(params=["manual", "loop"])
def feed_mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def burst_app(database_url: str, tmp_path: Path, clock: Clock, feed_mode: str) -> Iterator[Flask]:
    """`manual`: the test ticks at random moments; `loop`: the pacer runs beside the test."""
    app = create_app({
        "INSTANCE": str(tmp_path / "instance"), "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret", "TESTING": True, "CLOCK": clock,
        "PUBLIC_URL": "http://kiek.test", "LIVE_FEED": feed_mode,
    })
    yield app
    db.engine(app).dispose()


def test_a_screens_seq_is_contiguous_under_a_burst_of_200_scoring_events(
        burst_app: Flask, clock: Clock, feed_mode: str) -> None:
    paced = burst_app
    world = World(paced, clock).seed(max_repeats=100)
    players = [world.join(f"Speler {i}")[1]["player"]["id"] for i in range(12)]
    early = socketio.test_client(paced)
    early.emit("watch", {"round_id": world.round_id, "since_seq": 0})
    late = socketio.test_client(paced)
    screens: dict[str, Any] = {"early": early}
    got: dict[str, list[tuple[str, dict[str, Any]]]] = {"early": [], "late": []}
    photos = Photos(world)
    chosen = random.Random(10)
    clock0 = time.monotonic()
    shown: list[int] = []
    for n in range(200):
        a, b = chosen.sample(players, 2)
        photo_id = photos.score(a, b)
        if n % 40 == 7:  # wall changes in between: another kind of message in the same seqs
            photos.consent(a, photo_id, True)
            photos.consent(b, photo_id, True)
            shown.append(photo_id)
        if n == 90:
            late.emit("watch", {"round_id": world.round_id, "since_seq": 0})
            screens["late"] = late
        if chosen.random() < 0.15 and feed_mode == "manual":
            feed_of(paced).tick(clock0 + n)
    final = round_seq(paced, world.round_id)
    if feed_mode == "manual":
        feed_of(paced).tick(clock0 + 500)
    deadline = time.monotonic() + WAIT
    while True:  # the pacer catches up by itself; this only collects what it sent
        for name, screen in screens.items():
            got[name] += received(screen)
        seqs = [m["seq"] for n, m in got["early"] + got["late"] if n != "snapshot"]
        if seqs.count(final) == 2 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    board = paced.test_client().get(f"/api/v1/rounds/{world.round_id}/standings").get_json()
    assert board["seq"] == final

    for name in screens:
        messages = got[name]
        assert messages[0][0] == "snapshot", name
        seq = messages[0][1]["seq"]
        top: list[dict[str, Any]] = messages[0][1]["standings"]
        wall = [p["id"] for p in messages[0][1]["photos"]]
        deltas = 0
        for event, body in messages[1:]:
            if event == "web":  # a chain of its own (tests/web/test_web_of_meetings.py)
                continue
            assert body["seq"] >= body["from_seq"]
            if body["seq"] <= seq:  # told before the snapshot was: the client skips it
                assert name == "late", (event, body)
                continue
            # No gap; a delta may start before a snapshot's seq (its values are absolute).
            assert body["from_seq"] <= seq + 1, (name, event, body["from_seq"], seq)
            assert body["from_seq"] == seq + 1 or deltas == 0, (name, event)
            seq = body["seq"]
            deltas += 1
            if event == "standings":
                top = body["top"]
            elif event == "photo":
                wall = ([body["id"]] if body["on_wall"] else []) + [
                    p for p in wall if p != body["id"]]
        assert seq == final, name
        assert deltas < 200, name  # coalesced: far fewer messages than changes
        assert [(r["player_id"], r["points"]) for r in top] == [
            (r["player_id"], r["points"]) for r in board["standings"][:10]], name
        assert wall == list(reversed(shown)), name


def test_sockets_that_leave_leave_nothing_behind(paced: Flask, clock: Clock) -> None:
    world = World(paced, clock).seed()
    _, body = world.join("Fatma")
    feed = feed_of(paced)
    socks = [socketio.test_client(paced, auth={"token": body["token"]}) for _ in range(30)]
    for n, sock in enumerate(socks):
        view = "phone" if n % 2 else "screen"
        sock.emit("watch", {"round_id": world.round_id, "since_seq": 0, "view": view})
        sock.emit("watch", {"round_id": world.round_id, "since_seq": 0, "view": view})  # again
    assert feed.sockets() == 30
    for sock in socks:
        sock.disconnect()
    assert feed.sockets() == 0
    assert feed.rounds() == 0  # the round's record went with its last socket


def test_the_board_cache_is_bounded_by_count_and_by_bytes() -> None:
    from koppelkiek.game.standings import BoardCache

    cache = BoardCache(size=4, budget=1000, weigh=len)
    for seq in range(10):
        cache.get_or_make((1, seq), lambda: b"x" * 100)
    assert len(cache) == 4 and cache.weight == 400
    cache.get_or_make((2, 1), lambda: b"y" * 900)  # a big board pushes out older ones
    assert len(cache) == 2 and cache.weight == 1000
    cache.get_or_make((2, 2), lambda: b"z" * 5000)  # the newest stays, even alone over budget
    assert len(cache) == 1 and cache.get_or_make((2, 2), lambda: b"") == b"z" * 5000
