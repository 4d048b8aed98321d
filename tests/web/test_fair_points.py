"""Issue 12: fair points under concurrency. Photos that arrive at the same moment are scored
one after the other under the round's lock, so `koppelkiek check` (standings = ledger = replay,
and the incremental scoring state = a replay's) holds after every burst.

The players, codes and meetings are seeded with the game's own use cases on the server's
database (the join and claim rate limits are not what is tested here); the photos go through
HTTP, two at once, released together by a barrier: on PostgreSQL to two server processes that
share Redis, on SQLite to one process.
"""

from __future__ import annotations

import io
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from PIL import Image
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from koppelkiek.game.meetings import claim
from koppelkiek.game.models import Meeting, Round, Standing
from koppelkiek.game.pairing import Fix, issue_code
from koppelkiek.game.players import join
from tests.live_server import Cluster, live_server

SPOT = {"lat": "52.0760", "lon": "5.1240", "accuracy": "10"}  # inside HOOGRAVEN
HERE = Fix(52.0760, 5.1240, 10)
TRIOS = 20


def distinct_jpeg(seed: int) -> bytes:
    """A picture no other seed's is near: a random 9x8 grid is a random dHash."""
    rng = random.Random(seed)
    grid = Image.frombytes("L", (9, 8), bytes(rng.randrange(256) for _ in range(72)))
    out = io.BytesIO()
    grid.resize((720, 640), Image.Resampling.NEAREST).convert("RGB").save(out, "JPEG")
    return out.getvalue()


@dataclass
class Trio:
    """B is new and meets A and C; each meeting waits for its photo."""

    tokens: dict[str, str]
    ids: dict[str, int]
    meetings: list[int]


def seed_trio(url: str, round_id: int, tag: str) -> Trio:
    engine = create_engine(url)
    now = datetime.now(UTC)
    with Session(engine) as s:
        rnd = s.get(Round, round_id)
        assert rnd is not None
        joined = {name: join(s, rnd, display_name=f"{name}{tag}", team=None, now=now)
                  for name in "ABC"}
        meetings = []
        for other in "AC":
            code = issue_code(s, joined["B"].player, rnd, now, HERE).code
            meetings.append(claim(s, joined[other].player, code, now, HERE).meeting.id)
        s.commit()
        trio = Trio({n: j.token for n, j in joined.items()},
                    {n: j.player.id for n, j in joined.items()}, meetings)
    engine.dispose()
    return trio


def extra_meetings(url: str, round_id: int, a: int, b: int, count: int) -> list[int]:
    """More meetings of one pair, all open at once (a claim would hand back the open one)."""
    engine = create_engine(url)
    now = datetime.now(UTC)
    with Session(engine) as s:
        rows = [Meeting(round_id=round_id, player_a_id=a, player_b_id=b, met_at=now,
                        photo_due_by=now + timedelta(minutes=15), a_lat=HERE.lat,
                        a_lon=HERE.lon, a_accuracy_m=10, b_lat=HERE.lat, b_lon=HERE.lon,
                        b_accuracy_m=10) for _ in range(count)]
        s.add_all(rows)
        s.commit()
        ids = [m.id for m in rows]
    engine.dispose()
    return ids


def points_of(url: str, round_id: int) -> dict[int, int]:
    engine = create_engine(url)
    with Session(engine) as s:
        found = dict(s.execute(select(Standing.player_id, Standing.points)
                               .where(Standing.round_id == round_id)).all())
    engine.dispose()
    return {int(k): int(v) for k, v in found.items()}


def at_once(sends: list[Callable[[], requests.Response]]) -> list[requests.Response]:
    """Run the sends in threads that a barrier releases together."""
    barrier = threading.Barrier(len(sends))
    answers: list[Any] = [None] * len(sends)

    def run(i: int) -> None:
        barrier.wait(timeout=30)
        answers[i] = sends[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(sends))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return answers


def upload(url: str, token: str, meeting_id: int, seed: int) -> Callable[[], requests.Response]:
    def send() -> requests.Response:
        return requests.post(f"{url}/api/v1/meetings/{meeting_id}/photo",
                             headers={"Authorization": f"Bearer {token}"},
                             files={"photo": ("kiek.jpg", distinct_jpeg(seed), "image/jpeg")},
                             data=SPOT, timeout=60)
    return send


def play_trios(database_url: str, round_id: int, urls: list[str],
               check: Callable[[], str]) -> None:
    for i in range(TRIOS):
        trio = seed_trio(database_url, round_id, f"{i}")
        answers = at_once([
            upload(urls[0], trio.tokens["B"], trio.meetings[0], 2 * i),
            upload(urls[-1], trio.tokens["B"], trio.meetings[1], 2 * i + 1),
        ])
        assert [r.status_code for r in answers] == [201, 201], [r.text for r in answers]
        assert "agree" in check()
        points = points_of(database_url, round_id)
        a, b, c = (points[trio.ids[n]] for n in "ABC")
        # B was new for only one of them: one welcome between A and C, never two.
        assert sorted([a, c]) == [10, 12], (i, a, b, c)
        assert b == 24
    # A pair at the repeat limit: three photos at once, room for two repeats (default rules).
    # Both of the pair send (a phone has at most 2 uploads in flight).
    trio = seed_trio(database_url, round_id, "limit")
    first = at_once([upload(urls[0], trio.tokens["B"], trio.meetings[0], 1000)])
    assert first[0].status_code == 201
    more = extra_meetings(database_url, round_id, trio.ids["A"], trio.ids["B"], 3)
    answers = at_once([upload(urls[n % len(urls)], trio.tokens["AB"[n % 2]], m, 1001 + n)
                       for n, m in enumerate(more)])
    assert [r.status_code for r in answers] == [201, 201, 201], [r.text for r in answers]
    assert "agree" in check()
    # First 10 + welcome 2, then two repeats of 2; the third repeat earns nothing.
    assert points_of(database_url, round_id)[trio.ids["A"]] == 16


def test_two_processes_on_postgresql_score_simultaneous_photos_fairly(
        cluster: Cluster) -> None:
    rnd = cluster.live_round()
    database_url = cluster.env["KOPPELKIEK_DATABASE_URL"]
    play_trios(database_url, rnd["id"], cluster.urls,
               lambda: cluster.cli("check", str(rnd["id"])))


def test_one_process_on_sqlite_scores_simultaneous_photos_fairly(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    instance.mkdir()
    with live_server(instance) as server:
        rnd = server.live_round("Hoograven", tmp_path)
        database_url = f"sqlite:///{instance / 'koppelkiek.db'}"
        play_trios(database_url, rnd["id"], [server.url],
                   lambda: server.cli("check", str(rnd["id"])))
