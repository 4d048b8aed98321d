"""The ledger invariant on a real database: standings = sum of ledger = full replay.

Photos are recorded through the game's own use case with made-up intake facts: the game
layer does not look at pixels, and this keeps hundreds of steps fast.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from koppelkiek.db import upgrade
from koppelkiek.game.ledger import check, ledger_matches_keys, rescore
from koppelkiek.game.models import Meeting, Photo, Player, Round, ScoreEntry, Standing, StorySpot
from koppelkiek.game.moderation import decide
from koppelkiek.game.neighbourhoods import create_neighbourhood
from koppelkiek.game.photos import record_photo
from koppelkiek.game.players import join
from koppelkiek.game.rounds import RoundSpec, change_state, create_round
from koppelkiek.uploads import Position
from tests.helpers import HOOGRAVEN, fake_intake

T0 = datetime(2026, 6, 13, 13, 0, tzinfo=UTC)
INSIDE = Position(52.0760, 5.1240, 10.0)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    engine = create_engine(f"sqlite:///{tmp_path_factory.mktemp('ledger') / 'db.sqlite'}")
    upgrade(engine)
    return engine


class Game:
    def __init__(self, s: Session, tag: str, teams: list[str | None]) -> None:
        self.s = s
        self.now = T0
        hood = create_neighbourhood(s, name=f"Buurt {tag}", boundary=json.dumps(HOOGRAVEN),
                                    now=T0)
        s.add(StorySpot(neighbourhood_id=hood.id, name="Speeltuin", story="", lat=52.0760,
                        lon=5.1240, radius_m=50, bonus=5))
        self.rnd = create_round(s, hood, RoundSpec("R", T0 - timedelta(hours=1),
                                                   T0 + timedelta(hours=5)), T0)
        change_state(s, self.rnd, "start", T0)
        self.players = [join(s, self.rnd, display_name=f"P{i}", team=t, now=T0).player
                        for i, t in enumerate(teams)]
        self.n = 0

    def photo(self, a: int, b: int, at_spot: bool) -> Photo:
        self.n += 1
        self.now += timedelta(minutes=1)
        pa, pb = self.players[a], self.players[b]
        meeting = Meeting(round_id=self.rnd.id, player_a_id=pa.id, player_b_id=pb.id,
                          met_at=self.now, photo_due_by=self.now + timedelta(minutes=15))
        self.s.add(meeting)
        self.s.flush()
        where = INSIDE if at_spot else Position(52.0790, 5.1300, 10.0)
        return record_photo(self.s, pb, meeting, fake_intake(self.n + hash(self.rnd.id) * 1000),
                            where, self.now).photo

    def assert_invariant(self) -> None:
        assert check(self.s, self.rnd) == []
        assert ledger_matches_keys(self.s, self.rnd)


def test_points_for_a_first_meeting_across_teams_at_a_spot(engine) -> None:  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        game = Game(s, "one", ["Everstraat", "Marijkeweg", None])
        game.photo(0, 1, at_spot=True)
        points = dict(s.execute(select(Standing.player_id, Standing.points)).all())
        # 10 first meeting + 3 across teams + 2 welcome + 5 story spot
        assert points[game.players[0].id] == 20 and points[game.players[1].id] == 20
        assert points[game.players[2].id] == 0
        reasons = sorted(s.scalars(select(ScoreEntry.reason).where(
            ScoreEntry.player_id == game.players[0].id)))
        assert reasons == ["across_teams", "first_meeting", "story_spot", "welcome"]
        game.assert_invariant()
        s.rollback()


def test_a_tampered_standing_is_caught(engine) -> None:  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        game = Game(s, "tamper", [None, None])
        game.photo(0, 1, at_spot=False)
        standing = s.scalar(select(Standing).where(Standing.player_id == game.players[0].id))
        assert standing is not None
        standing.points += 1
        s.flush()
        differences = check(s, game.rnd)
        assert [(d.player_id, d.standing, d.ledger) for d in differences] == [
            (game.players[0].id, 13, 12)]
        s.rollback()


ACTION = st.one_of(
    st.tuples(st.just("photo"), st.integers(0, 3), st.integers(0, 3), st.booleans()),
    st.tuples(st.just("reject"), st.integers(0, 50)),
    st.tuples(st.just("approve"), st.integers(0, 50)),
    st.tuples(st.just("rules"), st.integers(0, 20), st.integers(0, 5), st.integers(0, 3)),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ACTION, min_size=1, max_size=25), st.uuids())
def test_invariant_after_every_step(engine, actions, tag) -> None:  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        game = Game(s, tag.hex, ["Everstraat", "everstraat ", "Marijkeweg", None])
        photos: list[Photo] = []
        for action in actions:
            kind = action[0]
            if kind == "photo" and action[1] != action[2]:
                photos.append(game.photo(action[1], action[2], action[3]))
            elif kind in ("reject", "approve") and photos:
                decide(s, photos[action[1] % len(photos)],
                       "reject" if kind == "reject" else "approve", game.now, "test")
            elif kind == "rules":
                rnd = s.get(Round, game.rnd.id)
                assert rnd is not None
                rnd.points_first_meeting, rnd.max_repeats, rnd.points_welcome = action[1:]
                rescore(s, rnd, game.now)
            game.assert_invariant()
        s.rollback()


def test_seq_rises_with_every_change_of_points(engine) -> None:  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        game = Game(s, "seq", [None, None])
        before = game.rnd.seq
        photo = game.photo(0, 1, at_spot=False)
        s.refresh(game.rnd)
        after_photo = game.rnd.seq
        assert after_photo == before + 1
        decide(s, photo, "reject", game.now, "blurry")
        s.refresh(game.rnd)
        assert game.rnd.seq == after_photo + 1
        assert s.get(Player, game.players[0].id) is not None
        assert s.scalar(select(Standing.points).where(
            Standing.player_id == game.players[0].id)) == 0
        s.rollback()
