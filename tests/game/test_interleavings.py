"""Issue 12 on PostgreSQL: several threads change one round at the same time (photos accepted,
rejected, approved again, players erased or banned, rules changed) and afterwards standings =
ledger = replay, and the incremental scoring state equals a replay's, every time.

Each thread runs its actions in its own sessions and transactions, as requests would; a
barrier starts them together. Photos carry made-up intake facts (see test_ledger.py).
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, create_engine, select
from sqlalchemy.orm import Session

from koppelkiek.game.care import ban, erase, unban
from koppelkiek.game.errors import GameError
from koppelkiek.game.ledger import check, ledger_matches_keys, lock, rescore, state_matches
from koppelkiek.game.models import Meeting, Photo, Player, Round, StorySpot
from koppelkiek.game.moderation import decide
from koppelkiek.game.neighbourhoods import create_neighbourhood
from koppelkiek.game.photos import record_photo
from koppelkiek.game.players import join
from koppelkiek.game.rounds import RoundSpec, apply_rules, change_state, create_round
from koppelkiek.uploads import Position
from tests.helpers import HOOGRAVEN, fake_intake

T0 = datetime.now(UTC).replace(microsecond=0)
SPOT = Position(52.0760, 5.1240, 10.0)
ELSEWHERE = Position(52.0790, 5.1300, 10.0)
PLAYERS = 5

ACTION = st.one_of(
    st.tuples(st.just("photo"), st.integers(0, PLAYERS - 1), st.integers(0, PLAYERS - 1),
              st.booleans()),
    st.tuples(st.just("photo"), st.integers(0, PLAYERS - 1), st.integers(0, PLAYERS - 1),
              st.booleans()),
    st.tuples(st.just("reject"), st.integers(0, 50)),
    st.tuples(st.just("approve"), st.integers(0, 50)),
    st.tuples(st.just("erase"), st.integers(0, PLAYERS - 1)),
    st.tuples(st.just("ban"), st.integers(0, PLAYERS - 1), st.booleans()),
    st.tuples(st.just("rules"), st.integers(0, 20), st.integers(0, 3), st.integers(0, 5),
              st.sampled_from(["post", "pre"])),
)


class Round_:
    """One neighbourhood and live round with a story spot and a few players."""

    def __init__(self, engine: Engine, tag: str) -> None:
        self.engine = engine
        self.photos: list[int] = []
        self.guard = threading.Lock()
        self.counter = 0
        with Session(engine) as s:
            hood = create_neighbourhood(s, name=f"Buurt {tag}", boundary=json.dumps(HOOGRAVEN),
                                        now=T0)
            s.add(StorySpot(neighbourhood_id=hood.id, name="Speeltuin", story="",
                            lat=SPOT.lat, lon=SPOT.lon, radius_m=50, bonus=5))
            rnd = create_round(s, hood, RoundSpec("R", T0 - timedelta(hours=1),
                                                  T0 + timedelta(hours=5)), T0)
            change_state(s, rnd, "start", T0)
            teams = ["Everstraat", "Marijkeweg", None, "everstraat", None]
            self.players = [join(s, rnd, display_name=f"P{i}", team=teams[i], now=T0).player.id
                            for i in range(PLAYERS)]
            s.commit()
            self.round_id = rnd.id

    def _next(self) -> int:
        with self.guard:
            self.counter += 1
            return self.counter

    def run(self, action: tuple[Any, ...]) -> None:
        with Session(self.engine) as s:
            try:
                self._apply(s, action)
                s.commit()
            except GameError:
                s.rollback()

    def _apply(self, s: Session, action: tuple[Any, ...]) -> None:
        kind = action[0]
        rnd = s.get(Round, self.round_id)
        assert rnd is not None
        if kind == "photo":
            a, b = self.players[action[1]], self.players[action[2]]
            if a == b:
                return
            n = self._next()
            # The meeting is made first, in its own transaction, as a claim would be.
            meeting = Meeting(round_id=rnd.id, player_a_id=a, player_b_id=b, met_at=T0,
                              photo_due_by=T0 + timedelta(minutes=15))
            s.add(meeting)
            s.commit()
            uploader = s.get(Player, b)
            assert uploader is not None
            photo = record_photo(s, uploader, meeting, fake_intake(n * 7919 + self.round_id),
                                 SPOT if action[3] else ELSEWHERE, T0).photo
            s.flush()
            with self.guard:
                self.photos.append(photo.id)
        elif kind in ("reject", "approve"):
            with self.guard:
                if not self.photos:
                    return
                photo_id = self.photos[action[1] % len(self.photos)]
            photo = s.get(Photo, photo_id)
            assert photo is not None
            decide(s, photo, kind, T0, "test")
        elif kind == "erase":
            player = s.get(Player, self.players[action[1]])
            assert player is not None
            erase(s, player, T0)
        elif kind == "ban":
            player = s.get(Player, self.players[action[1]])
            assert player is not None
            if player.banned:
                unban(s, player, T0)
            else:
                ban(s, player, action[2], T0)
        elif kind == "rules":
            lock(s, rnd)  # as the console does: the lock first, then the new rules
            apply_rules(rnd, {"points_first_meeting": action[1], "max_repeats": action[2],
                              "points_welcome": action[3], "moderation_mode": action[4]})
            rescore(s, rnd, T0, kind="rules_changed")

    def assert_invariant(self) -> None:
        with Session(self.engine) as s:
            rnd = s.get(Round, self.round_id)
            assert rnd is not None
            assert check(s, rnd) == []
            assert ledger_matches_keys(s, rnd)
            assert state_matches(s, rnd)


def run_threads(game: Round_, plans: list[list[tuple[Any, ...]]]) -> None:
    barrier = threading.Barrier(len(plans))
    failures: list[BaseException] = []

    def work(plan: list[tuple[Any, ...]]) -> None:
        try:
            barrier.wait(timeout=30)
            for action in plan:
                game.run(action)
        except BaseException as exc:  # noqa: BLE001 - reported on the main thread
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(plan,)) for plan in plans]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not failures, failures


def test_interleaved_changes_keep_standings_ledger_and_replay_equal(pg_migrated: str) -> None:
    engine = create_engine(pg_migrated, pool_size=8)
    try:
        @settings(max_examples=40, deadline=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
        @given(st.lists(st.lists(ACTION, min_size=1, max_size=6), min_size=2, max_size=4),
               st.uuids())
        def interleave(plans: list[list[tuple[Any, ...]]], tag: Any) -> None:
            game = Round_(engine, tag.hex)
            run_threads(game, plans)
            game.assert_invariant()
            with Session(engine) as s:  # and something was scored, now and then
                s.scalar(select(Photo.id).where(Photo.round_id == game.round_id).limit(1))

        interleave()
    finally:
        engine.dispose()
