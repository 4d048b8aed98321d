"""Benchmark of the leaderboard read: 10,000 players and 100,000 ledger entries on SQLite.

    python benchmarks/leaderboard.py [--requests N] [--no-record]

Seeds a temporary instance (SQLite, WAL, as `koppelkiek serve` uses it) through the game's own
use cases for the organiser, neighbourhood and round, then bulk-inserts 10,000 players with
their participations, 100,000 ScoreEntry rows and Standing rows that equal the ledger's sums.
It then times, server side (Flask test client in this process, no network):

  cached    GET /api/v1/rounds/<id>/standings at a fixed seq: the (round, seq) cache hit
  cold      the first request at a seq (board built from the Standing rows)
  refresh   a photo's worth of change (2 ledger entries, 2 standings, seq + 1), then one GET
  naive     the same JSON built by aggregating the ledger (SUM ... GROUP BY ... ORDER BY)

and writes the "## Leaderboard read" section of benchmarks/RESULTS.md.
Goal (issue 5): cached median <= 10 ms; the ratio naive / cached is recorded.
DESIGN.md's yardstick: CTFd needs 68 ms cached and 224 ms to refresh; we aim at a tenth
(6.8 ms) and a fiftieth (4.5 ms) of that.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flask import Flask, Response, jsonify  # noqa: E402
from results import RESULTS, machine, record  # noqa: E402
from sqlalchemy import case, func, insert, select, update  # noqa: E402

from koppelkiek import create_app  # noqa: E402
from koppelkiek.db import db, upgrade  # noqa: E402
from koppelkiek.game.models import Participation, Player, Round, ScoreEntry, Standing  # noqa: E402
from koppelkiek.game.neighbourhoods import create_neighbourhood  # noqa: E402
from koppelkiek.game.organisers import create_organiser  # noqa: E402
from koppelkiek.game.rounds import RoundSpec, change_state, create_round  # noqa: E402

SECTION = "Leaderboard read"
PLAYERS = 10_000
ENTRIES = 100_000
TEAMS = 40  # streets
CACHED_GOAL_MS = 10.0
CTFD_CACHED_MS, CTFD_REFRESH_MS = 68.0, 224.0
BOUNDARY = {
    "type": "Polygon",
    "coordinates": [[[5.1150, 52.0720], [5.1330, 52.0720], [5.1330, 52.0800],
                     [5.1150, 52.0800], [5.1150, 52.0720]]],
}
MEETING_REASONS = ("first_meeting", "repeat_meeting")
# reason -> points, weighted roughly like a real round: mostly meetings, some bonuses.
REASONS = [("first_meeting", 10)] * 6 + [("repeat_meeting", 2)] * 2 + [
    ("across_teams", 3), ("welcome", 2), ("story_spot", 5)]


def seed(app: Flask, rng: random.Random) -> int:
    """A live round with PLAYERS players and ENTRIES ledger entries; returns its id."""
    now = datetime.now(UTC)
    sessions = db.sessions(app)
    with sessions() as s:
        org = create_organiser(s, "bench@koppelkiek.test", "bench password 123", now)
        hood = create_neighbourhood(s, name="Hoograven bench", boundary=json.dumps(BOUNDARY),
                                    now=now, organiser=org)
        rnd = create_round(s, hood, RoundSpec("Bench", now - timedelta(hours=1),
                                              now + timedelta(hours=2)), now)
        change_state(s, rnd, "start", now)
        s.commit()
        round_id, hood_id = rnd.id, hood.id

    started = now - timedelta(minutes=55)
    players = [{
        "neighbourhood_id": hood_id, "display_name": f"Speler {i:05d}",
        "name_key": f"speler {i:05d}", "team": f"Straat {i % TEAMS:02d}" if i % 5 else None,
        "language": None, "device_secret_hash": f"{i:064x}",
        "recovery_code_hash": f"{i + 10**9:064x}", "banned": False, "created_at": started,
    } for i in range(PLAYERS)]
    with sessions() as s:
        s.execute(insert(Player), players)
        ids = list(s.scalars(select(Player.id).where(Player.neighbourhood_id == hood_id)
                             .order_by(Player.id)))
        s.execute(insert(Participation), [
            {"round_id": round_id, "player_id": pid, "joined_at": started} for pid in ids])
        joined = dict(s.execute(select(Participation.player_id, Participation.id)
                                .where(Participation.round_id == round_id)).all())
        # A skewed spread: some players are busy, many meet a few people.
        weights = [1.0 / (1 + (i % 97)) ** 0.5 for i in range(len(ids))]
        owners = rng.choices(ids, weights=weights, k=ENTRIES)
        points: dict[int, int] = defaultdict(int)
        meetings: dict[int, int] = defaultdict(int)
        last: dict[int, datetime] = {}
        entries = []
        for n, pid in enumerate(owners):
            reason, value = rng.choice(REASONS)
            at = started + timedelta(milliseconds=n * 30)  # 100k entries over 50 minutes
            entries.append({"round_id": round_id, "player_id": pid, "points": value,
                            "reason": reason, "photo_id": None, "spot_id": None,
                            "reverses": False, "seq": 2 + n // 3, "created_at": at})
            points[pid] += value
            meetings[pid] += reason in MEETING_REASONS
            last[pid] = at
        for start in range(0, len(entries), 20_000):
            s.execute(insert(ScoreEntry), entries[start:start + 20_000])
        s.execute(insert(Standing), [
            {"round_id": round_id, "player_id": pid, "points": points[pid],
             "meetings": meetings[pid], "last_scored_at": last.get(pid),
             "joined_order": joined[pid]} for pid in ids])
        s.execute(update(Round).where(Round.id == round_id).values(seq=2 + ENTRIES // 3))
        s.commit()
    return round_id


def naive_board(app: Flask, round_id: int) -> dict[str, Any]:
    """The leaderboard the obvious way: add up the ledger on every read."""
    with db.sessions(app)() as s:
        seq = s.scalar(select(Round.seq).where(Round.id == round_id))
        total = func.sum(ScoreEntry.points)
        last = func.max(ScoreEntry.created_at)
        met = func.sum(case((ScoreEntry.reason.in_(MEETING_REASONS), 1), else_=0))
        sums = (select(ScoreEntry.player_id.label("pid"), total.label("points"),
                       met.label("meetings"), last.label("last"))
                .where(ScoreEntry.round_id == round_id).group_by(ScoreEntry.player_id)
                .subquery())
        rows = s.execute(
            select(Player.id, Player.display_name, Player.team,
                   func.coalesce(sums.c.points, 0), func.coalesce(sums.c.meetings, 0))
            .join(Participation, Participation.player_id == Player.id)
            .outerjoin(sums, sums.c.pid == Player.id)
            .where(Participation.round_id == round_id)
            .order_by(func.coalesce(sums.c.points, 0).desc(), sums.c.last.asc().nulls_last(),
                      Participation.id.asc())
        ).all()
    return _as_board(seq, rows)


def column_board(app: Flask, round_id: int) -> dict[str, Any]:
    """Reference, not app code: the same board from a column-only query (no ORM entities)."""
    with db.sessions(app)() as s:
        seq = s.scalar(select(Round.seq).where(Round.id == round_id))
        rows = s.execute(
            select(Player.id, Player.display_name, Player.team, Standing.points,
                   Standing.meetings)
            .join(Player, Player.id == Standing.player_id)
            .where(Standing.round_id == round_id)
            .order_by(Standing.points.desc(), Standing.last_scored_at.asc().nulls_last(),
                      Standing.joined_order.asc())
        ).all()
    return _as_board(seq, rows)


def _as_board(seq: int | None, rows: Any) -> dict[str, Any]:
    standings = []
    teams: dict[str, dict[str, Any]] = {}
    for rank, (pid, name, team, points, meetings) in enumerate(rows, start=1):
        standings.append({"rank": rank, "player_id": pid, "display_name": name, "team": team,
                          "points": int(points), "meetings": int(meetings)})
        if team:
            entry = teams.setdefault(team.strip().casefold(),
                                     {"team": team, "members": 0, "points": 0})
            entry["members"] += 1
            entry["points"] += int(points)
    team_rows = sorted(teams.values(), key=lambda t: (-t["points"], t["team"].casefold()))
    for rank, row in enumerate(team_rows, start=1):
        row["rank"] = rank
    return {"seq": seq, "standings": standings, "teams": team_rows}


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def score_a_photo(app: Flask, round_id: int, a: int, b: int) -> None:
    """What a photo does to the tables: two ledger entries, two standings, a new seq."""
    now = datetime.now(UTC)
    with db.sessions(app)() as s:
        seq = s.execute(update(Round).where(Round.id == round_id).values(seq=Round.seq + 1)
                        .returning(Round.seq)).scalar_one()
        for pid in (a, b):
            s.add(ScoreEntry(round_id=round_id, player_id=pid, points=10, reason="first_meeting",
                             reverses=False, seq=seq, created_at=now))
        s.execute(update(Standing).where(Standing.round_id == round_id,
                                         Standing.player_id.in_([a, b]))
                  .values(points=Standing.points + 10, meetings=Standing.meetings + 1,
                          last_scored_at=now))
        s.commit()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="cached requests (>= 50)")
    parser.add_argument("--no-record", action="store_true", help="do not touch RESULTS.md")
    args = parser.parse_args()
    runs = max(50, args.requests)
    rng = random.Random(5)

    with tempfile.TemporaryDirectory(prefix="kk-leaderboard-") as folder:
        app = create_app({"INSTANCE": folder, "DATABASE_URL": f"sqlite:///{folder}/kk.db",
                          "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING"})
        upgrade(db.engine(app))
        seeding, round_id = timed(lambda: seed(app, rng))

        @app.get("/bench/naive/<int:rid>")
        def naive(rid: int) -> Any:
            return jsonify(naive_board(app, rid))

        serialized: dict[str, bytes] = {}

        @app.get("/bench/columns/<int:rid>")
        def columns(rid: int) -> Any:
            return jsonify(column_board(app, rid))

        @app.get("/bench/bytes/<int:rid>")
        def pre_serialized(rid: int) -> Any:
            return Response(serialized["body"], mimetype="application/json")

        client = app.test_client()
        url = f"/api/v1/rounds/{round_id}/standings"

        def get(path: str) -> tuple[float, bytes]:
            took, res = timed(lambda: client.get(path))
            assert res.status_code == 200, res.status_code
            return took, res.get_data()

        cold, body = get(url)
        answer = json.loads(body)
        assert len(answer["standings"]) == PLAYERS, len(answer["standings"])
        naive_answer = json.loads(get(f"/bench/naive/{round_id}")[1])
        assert naive_answer == answer, "the naive aggregate disagrees with the standings"
        size_mb = len(body) / 1e6
        serialized["body"] = body
        assert json.loads(get(f"/bench/columns/{round_id}")[1]) == answer

        cached = [get(url)[0] for _ in range(runs)]
        few = max(10, runs // 10)
        naive_runs = [get(f"/bench/naive/{round_id}")[0] for _ in range(few)]
        column_runs = [get(f"/bench/columns/{round_id}")[0] for _ in range(few)]
        bytes_runs = [get(f"/bench/bytes/{round_id}")[0] for _ in range(runs)]

        refresh = []
        ids = [row["player_id"] for row in answer["standings"]]
        for n in range(20):
            score_a_photo(app, round_id, ids[-1 - 2 * n], ids[-2 - 2 * n])
            took, body = get(url)
            refresh.append(took)
            assert json.loads(body)["seq"] == answer["seq"] + 1 + n
        # The board a refresh gives still equals the ledger's sum.
        assert json.loads(get(f"/bench/naive/{round_id}")[1]) == json.loads(get(url)[1])
        db.engine(app).dispose()

    ms = {"cached": statistics.median(cached) * 1000,
          "cached_p99": sorted(cached)[int(0.99 * (len(cached) - 1))] * 1000,
          "cold": cold * 1000, "refresh": statistics.median(refresh) * 1000,
          "naive": statistics.median(naive_runs) * 1000,
          "columns": statistics.median(column_runs) * 1000,
          "bytes": statistics.median(bytes_runs) * 1000}
    vs_naive = ms["naive"] / ms["cached"]
    refresh_vs_naive = ms["naive"] / ms["refresh"]
    ok = ms["cached"] <= CACHED_GOAL_MS
    lines = [
        f"seeded {PLAYERS} players, {ENTRIES} ledger entries in {seeding:.1f} s;"
        f" answer {size_mb:.2f} MB of JSON",
        f"cached GET median   {ms['cached']:8.2f} ms  (p99 {ms['cached_p99']:.2f}; {runs} requests;"
        f" goal <= {CACHED_GOAL_MS:.0f})",
        f"first (uncached)    {ms['cold']:8.2f} ms",
        f"refresh after change{ms['refresh']:8.2f} ms  (median of {len(refresh)})",
        f"naive aggregate     {ms['naive']:8.2f} ms  (median of {len(naive_runs)})",
        f"ref: column-only build + jsonify {ms['columns']:.2f} ms;"
        f" pre-serialized body {ms['bytes']:.2f} ms",
        f"naive / cached      {vs_naive:8.1f}x",
        f"naive / refresh     {refresh_vs_naive:8.1f}x",
        f"CTFd / ours: cached {CTFD_CACHED_MS / ms['cached']:.1f}x (aim 10x),"
        f" refresh {CTFD_REFRESH_MS / ms['refresh']:.1f}x (aim 50x)",
        f"goal met (cached <= 10 ms): {'yes' if ok else 'NO'}",
    ]
    print("\n".join(lines))
    if not args.no_record:
        record("\n".join([
            f"## {SECTION}",
            "",
            f"`python benchmarks/leaderboard.py`, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
            "",
            f"Machine: {machine()}.",
            "",
            f"Data: one round on SQLite (WAL) with {PLAYERS:,} players ({TEAMS} teams),"
            f" {ENTRIES:,} ScoreEntry rows and matching Standing rows; the answer is"
            f" {size_mb:.2f} MB of JSON (every player). Server side: Flask test client in"
            " the benchmark's process, no network.",
            "",
            "| `GET /api/v1/rounds/<id>/standings` | ms |",
            "|---|---:|",
            f"| cached, same seq (median of {runs}) | {ms['cached']:.2f} |",
            f"| cached, same seq (p99) | {ms['cached_p99']:.2f} |",
            f"| first request, uncached build | {ms['cold']:.2f} |",
            f"| refresh after a change: photo scored, seq + 1, then GET (median of"
            f" {len(refresh)}) | {ms['refresh']:.2f} |",
            f"| naive: SUM over the ledger, GROUP BY, ORDER BY, same JSON (median of"
            f" {len(naive_runs)}) | {ms['naive']:.2f} |",
            "| *reference, not app code:* the same board from a column-only query, no ORM"
            f" entities, then jsonify (median of {len(column_runs)}) | {ms['columns']:.2f} |",
            "| *reference, not app code:* the same answer served as pre-serialized bytes"
            f" (median of {len(bytes_runs)}) | {ms['bytes']:.2f} |",
            "",
            f"- cached median **{ms['cached']:.2f} ms** (goal <= {CACHED_GOAL_MS:.0f} ms):"
            f" goal met: **{'yes' if ok else 'no'}**",
            f"- naive / cached = **{vs_naive:.1f}x**; naive / refresh = {refresh_vs_naive:.1f}x",
            f"- against CTFd's 68 ms cached / 224 ms refresh: {CTFD_CACHED_MS / ms['cached']:.1f}x"
            f" and {CTFD_REFRESH_MS / ms['refresh']:.1f}x faster (DESIGN aims at 10x and 50x)",
            "",
            "Where the time goes. Cached: the app keeps the serialized answer (about 1 MB)"
            " under (round, seq), so a read is one primary-key lookup of the round's seq and"
            " the bytes, as the reference row shows. Refresh: after a change the board is"
            " rebuilt once from plain columns of `standings` and `players` (no ORM entities)"
            " and serialized; it reads the standings, never the ledger, so it stays below the"
            " naive aggregate over 100,000 ledger rows. DESIGN's stretch aim of a fiftieth of"
            " CTFd's refresh is not reached: a rebuild of 10,000 rows costs tens of ms.",
            "",
        ]), SECTION)
        print(f"recorded in {RESULTS.relative_to(ROOT)}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
