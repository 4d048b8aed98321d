"""Benchmark of scoring one photo as the round grows: 10, 1,000 and 10,000 accepted photos.

    python benchmarks/scoring.py [--reps N] [--no-record]

For SQLite (WAL, as `koppelkiek serve` uses it) and, when KOPPELKIEK_BENCH_DATABASE_URL (or
else KOPPELKIEK_TEST_DATABASE_URL) names a PostgreSQL server, for PostgreSQL too (in a fresh
`<db>_scoring` database next to it). Each size gets its own round, seeded fast by bulk insert:
players, meetings, accepted photos with their hash bands, the ledger and standings, and the
incremental scoring state (pairs, spot claims), all as a replay under the round's rules gives
them. Then, interleaving the sizes so load drifts hit all alike, it times:

  record+score  `game.photos.record_photo` for a new meeting's photo plus the commit: the
                round's lock, the checks (duplicates by hash bands), the photo and its images,
                and incremental scoring (one transaction, as the upload does)
  full replay   the pre-issue-12 way to score a photo: read every accepted photo of the round
                and replay them all (`accepted_photos` + `Tally`), scoring only

and writes the "## Scoring one photo" section of benchmarks/RESULTS.md.
Goal (issue 12): record+score at 10,000 photos <= 1.3x record+score at 10.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from results import RESULTS, machine, record  # noqa: E402
from sqlalchemy import Engine, insert, update  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from koppelkiek.db import make_engine, upgrade  # noqa: E402
from koppelkiek.game.duplicates import bands  # noqa: E402
from koppelkiek.game.ledger import accepted_photos, rules_of, spot_ids_at  # noqa: E402
from koppelkiek.game.models import (  # noqa: E402
    HashBand,
    Meeting,
    PairMeeting,
    Participation,
    Photo,
    Player,
    Round,
    ScoreEntry,
    SpotClaim,
    Standing,
    StorySpot,
)
from koppelkiek.game.neighbourhoods import create_neighbourhood  # noqa: E402
from koppelkiek.game.photos import record_photo  # noqa: E402
from koppelkiek.game.rounds import RoundSpec, change_state, create_round  # noqa: E402
from koppelkiek.scoring import ScoredPhoto, SpotHit, Tally  # noqa: E402
from koppelkiek.uploads import DerivedImages, Intake, PhotoFacts, Position  # noqa: E402
from tests.live_server import drop_database, fresh_database  # noqa: E402

SECTION = "Scoring one photo"
SIZES = (10, 1_000, 10_000)
PLAYERS = 300
TEAMS = [f"Straat {i}" for i in range(10)] + [None]
GOAL = 1.3
BOUNDARY = {
    "type": "Polygon",
    "coordinates": [[[5.1150, 52.0720], [5.1330, 52.0720], [5.1330, 52.0800],
                     [5.1150, 52.0800], [5.1150, 52.0720]]],
}
SPOTS = [(52.0760, 5.1240), (52.0750, 5.1200), (52.0780, 5.1300)]
NOW = datetime.now(UTC).replace(microsecond=0)


def somewhere(rng: random.Random) -> Position:
    if rng.random() < 0.3:  # a fair share of photos at a story spot
        lat, lon = rng.choice(SPOTS)
        return Position(lat + rng.uniform(-0.0001, 0.0001), lon + rng.uniform(-0.0001, 0.0001),
                        10.0)
    return Position(rng.uniform(52.0725, 52.0795), rng.uniform(5.1155, 5.1325), 10.0)


def intake(rng: random.Random) -> Intake:
    """Made-up intake facts (the game never looks at pixels) with small derived images, so the
    fixed cost of writing images does not hide growth in scoring."""
    digest = hashlib.sha256(rng.randbytes(32)).digest()
    facts = PhotoFacts(kind="jpeg", width=800, height=600, taken_at=None, exif_position=None,
                       sha256=digest.hex(), dhash=int.from_bytes(digest[:8], "big"))
    return Intake(facts, DerivedImages(rng.randbytes(2048), rng.randbytes(512), (800, 600),
                                       (400, 300)))


def signed(value: int) -> int:
    return value - (1 << 64) if value >= (1 << 63) else value


def seed_round(engine: Engine, size: int, tag: str, rng: random.Random) -> tuple[int, list[int]]:
    """A live round with `size` accepted photos, its ledger, standings and scoring state."""
    with Session(engine) as s:
        hood = create_neighbourhood(s, name=f"Bench {tag}", boundary=json.dumps(BOUNDARY),
                                    now=NOW)
        spots = [StorySpot(neighbourhood_id=hood.id, name=f"Plek {i}", story="", lat=lat,
                           lon=lon, radius_m=40, bonus=5) for i, (lat, lon) in enumerate(SPOTS)]
        s.add_all(spots)
        rnd = create_round(s, hood, RoundSpec("Bench", NOW - timedelta(hours=1),
                                              NOW + timedelta(hours=5)), NOW)
        change_state(s, rnd, "start", NOW)
        s.flush()
        s.execute(insert(Player), [{
            "neighbourhood_id": hood.id, "display_name": f"Speler {tag} {i}",
            "name_key": f"speler {tag} {i}", "team": TEAMS[i % len(TEAMS)],
            "device_secret_hash": hashlib.sha256(f"d{tag}{i}".encode()).hexdigest(),
            "recovery_code_hash": hashlib.sha256(f"r{tag}{i}".encode()).hexdigest(),
            "banned": False, "created_at": NOW} for i in range(PLAYERS)])
        players = list(s.scalars(Player.__table__.select().with_only_columns(Player.id)
                                 .where(Player.neighbourhood_id == hood.id)
                                 .order_by(Player.id)))
        teams = {pid: TEAMS[i % len(TEAMS)] for i, pid in enumerate(players)}
        s.execute(insert(Participation), [{"round_id": rnd.id, "player_id": pid,
                                           "joined_at": NOW} for pid in players])
        meetings = []
        for _ in range(size):
            a, b = rng.sample(players, 2)
            meetings.append({"round_id": rnd.id, "player_a_id": a, "player_b_id": b,
                             "met_at": NOW, "photo_due_by": NOW + timedelta(minutes=15)})
        s.execute(insert(Meeting), meetings)
        meeting_ids = list(s.scalars(Meeting.__table__.select().with_only_columns(Meeting.id)
                                     .where(Meeting.round_id == rnd.id).order_by(Meeting.id)))
        photos, facts = [], []
        for seq, (mid, m) in enumerate(zip(meeting_ids, meetings, strict=True), start=1):
            where = somewhere(rng)
            digest = hashlib.sha256(rng.randbytes(32)).digest()
            ids = spot_ids_at(spots, where.lat, where.lon)
            photos.append({
                "round_id": rnd.id, "meeting_id": mid, "uploader_id": m["player_b_id"],
                "sha256": digest.hex(), "dhash": signed(int.from_bytes(digest[:8], "big")),
                "taken_at": NOW, "time_source": "upload", "lat": where.lat, "lon": where.lon,
                "accuracy_m": 10.0, "location_source": "browser", "flags": "",
                "status": "accepted", "accepted_at": NOW, "accepted_seq": seq,
                "spot_ids": ids, "created_at": NOW})
            hits = {int(i) for i in ids.split(",") if i}
            facts.append((m["player_a_id"], m["player_b_id"],
                          tuple(SpotHit(sp.id, sp.bonus) for sp in spots if sp.id in hits)))
        s.execute(insert(Photo), photos)
        photo_ids = list(s.scalars(Photo.__table__.select().with_only_columns(Photo.id)
                                   .where(Photo.round_id == rnd.id)
                                   .order_by(Photo.accepted_seq)))
        s.execute(insert(HashBand), [
            {"round_id": rnd.id, "band": band, "value": value, "photo_id": pid}
            for pid, p in zip(photo_ids, photos, strict=True) for band, value in bands(p["dhash"])])
        tally = Tally(rules_of(rnd))
        entries = []
        for seq, (pid, (a, b, hits)) in enumerate(zip(photo_ids, facts, strict=True), start=1):
            for award in tally.add(ScoredPhoto(pid, a, b, teams[a], teams[b], hits)):
                entries.append({"round_id": rnd.id, "player_id": award.player_id,
                                "points": award.points, "reason": award.reason,
                                "photo_id": pid, "spot_id": award.spot_id, "reverses": False,
                                "seq": seq, "created_at": NOW})
        if entries:
            s.execute(insert(ScoreEntry), entries)
        totals, met = tally.totals(), tally.meetings()
        s.execute(insert(Standing), [
            {"round_id": rnd.id, "player_id": pid, "points": totals.get(pid, 0),
             "meetings": met.get(pid, 0), "joined_order": i, "forfeited": False}
            for i, pid in enumerate(players)])
        s.execute(insert(PairMeeting), [
            {"round_id": rnd.id, "player_low": lo, "player_high": hi, "meetings": n}
            for (lo, hi), n in tally.pair_meetings().items()])
        claims = tally.spots_claimed()
        if claims:
            s.execute(insert(SpotClaim), [{"round_id": rnd.id, "player_id": p, "spot_id": sp}
                                          for p, sp in claims])
        s.execute(update(Round).where(Round.id == rnd.id).values(seq=size + 10))
        s.commit()
        return rnd.id, players


def time_record(engine: Engine, round_id: int, players: list[int], rng: random.Random) -> float:
    """One upload's transaction: record the photo of a fresh meeting, score it, commit."""
    a, b = rng.sample(players, 2)
    with Session(engine) as s:
        meeting = Meeting(round_id=round_id, player_a_id=a, player_b_id=b, met_at=NOW,
                          photo_due_by=NOW + timedelta(minutes=15))
        s.add(meeting)
        s.commit()  # the claim came earlier, in its own request
        uploader = s.get(Player, b)
        assert uploader is not None
        facts, where = intake(rng), somewhere(rng)
        start = time.perf_counter()
        recorded = record_photo(s, uploader, meeting, facts, where, NOW)
        s.commit()
        elapsed = time.perf_counter() - start
        assert recorded.photo.status == "accepted"
    return elapsed * 1000


def time_replay(engine: Engine, round_id: int) -> float:
    """The old way: every accepted photo of the round, replayed, to score the newest one."""
    with Session(engine) as s:
        rnd = s.get(Round, round_id)
        assert rnd is not None
        start = time.perf_counter()
        tally = Tally(rules_of(rnd))
        for photo in accepted_photos(s, rnd):
            tally.add(photo)
        elapsed = time.perf_counter() - start
    return elapsed * 1000


def run(backend: str, url: str, reps: int, replays: int) -> dict[str, Any]:
    engine = make_engine(url)
    upgrade(engine)
    rng = random.Random(12)
    seeded = {}
    for size in SIZES:
        start = time.perf_counter()
        seeded[size] = seed_round(engine, size, f"{backend}{size}", rng)
        print(f"{backend}: seeded {size:>6} photos in {time.perf_counter() - start:.1f} s",
              flush=True)
    # Statistics, as autovacuum (PostgreSQL) keeps them on a live server: right after a bulk
    # insert the planner thinks the new tables are empty and filters instead of seeking.
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    records: dict[int, list[float]] = {size: [] for size in SIZES}
    replay: dict[int, list[float]] = {size: [] for size in SIZES}
    for size in SIZES:  # warm up: connections, statement caches
        time_record(engine, *seeded[size], rng)
    for rep in range(reps):
        for size in SIZES:
            records[size].append(time_record(engine, *seeded[size], rng))
            if rep < replays:
                replay[size].append(time_replay(engine, seeded[size][0]))
    engine.dispose()
    return {"record": {k: statistics.median(v) for k, v in records.items()},
            "replay": {k: statistics.median(v) for k, v in replay.items()},
            "reps": reps, "replays": replays}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=60, help="photos timed per size")
    parser.add_argument("--replays", type=int, default=7, help="full replays timed per size")
    parser.add_argument("--no-record", action="store_true", help="do not touch RESULTS.md")
    args = parser.parse_args()
    pg = os.environ.get("KOPPELKIEK_BENCH_DATABASE_URL") or os.environ.get(
        "KOPPELKIEK_TEST_DATABASE_URL")
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as folder:
        results["SQLite"] = run("sqlite", f"sqlite:///{Path(folder) / 'bench.db'}", args.reps,
                                args.replays)
    if pg:
        url = fresh_database(pg, "scoring")
        try:
            results["PostgreSQL"] = run("postgresql", url, args.reps, args.replays)
        finally:
            drop_database(url)
    rows, notes, ok = [], [], True
    for backend, r in results.items():
        rec, rep = r["record"], r["replay"]
        ratio = rec[SIZES[-1]] / rec[SIZES[0]]
        ok = ok and ratio <= GOAL
        for size in SIZES:
            rows.append(f"| {backend} | {size:,} | {rec[size]:.2f} | {rep[size]:.2f} |")
        notes.append(f"- {backend}: record+score at {SIZES[-1]:,} / at {SIZES[0]} ="
                     f" **{ratio:.2f}** (goal <= {GOAL}); full replay at {SIZES[-1]:,} / at"
                     f" {SIZES[0]} = {rep[SIZES[-1]] / rep[SIZES[0]]:.1f}; at {SIZES[-1]:,}"
                     f" the full replay alone costs {rep[SIZES[-1]] / rec[SIZES[-1]]:.1f}x"
                     " the whole incremental record+score")
    if not pg:
        notes.append("- PostgreSQL: not measured (no KOPPELKIEK_BENCH_DATABASE_URL)")
    table = ["| database | accepted photos in the round | record+score, median ms |"
             " full replay (old), median ms |", "|---|---:|---:|---:|", *rows]
    print("\n".join(table + notes + [f"goals met: {'yes' if ok else 'NO'}"]))
    if not args.no_record:
        any_r = next(iter(results.values()))
        record("\n".join([
            f"## {SECTION}", "",
            f"`python benchmarks/scoring.py`, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.", "",
            f"Machine: {machine()}.", "",
            f"Data: per database one round for each size, seeded by bulk insert ({PLAYERS}"
            " players in 10 streets and some without a team, 3 story spots, random pairs, a"
            " third of the photos at a spot), with its ledger, standings and incremental"
            " scoring state as a replay gives them, then ANALYZE (as autovacuum keeps the"
            " statistics of a live database). record+score: `record_photo` of a new"
            " meeting's photo and the commit, one transaction with the round's lock, as the"
            " upload runs it (made-up intake facts, 2.5 KB of images, so the fixed cost of"
            f" writing real 0.3 MB images does not hide growth); median of {any_r['reps']}"
            " per size, sizes interleaved. Full replay: reading and replaying every accepted"
            " photo of the round, which is what scoring one photo cost before issue 12"
            f" (scoring only, no writes); median of {any_r['replays']}.", "",
            *table, "",
            *notes,
            f"- goals met: **{'yes' if ok else 'no'}**", "",
        ]), SECTION)
        print(f"recorded in {RESULTS.relative_to(ROOT)}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
