"""A player's own rank (what `/me` answers) is the rank the whole board gives them.

`standing_of` counts the players ahead instead of building the board; ties on points, on the
moment of scoring and players who never scored must come out in the board's order.
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
from koppelkiek.game.models import Standing
from koppelkiek.game.neighbourhoods import create_neighbourhood
from koppelkiek.game.players import join
from koppelkiek.game.rounds import RoundSpec, change_state, create_round
from koppelkiek.game.standings import board, standing_of
from tests.live_server import HOOGRAVEN

T0 = datetime(2026, 6, 13, 13, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    engine = create_engine(f"sqlite:///{tmp_path_factory.mktemp('rank') / 'db.sqlite'}")
    upgrade(engine)
    return engine


# Few distinct values, so ties are common: (points, minutes after T0 it last scored or None).
STANDINGS = st.lists(st.tuples(st.sampled_from([0, 5, 10, 20]),
                               st.one_of(st.none(), st.integers(0, 3))),
                     min_size=1, max_size=12)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(STANDINGS)
def test_own_rank_is_the_boards_rank(engine, rows: list[tuple[int, int | None]]) -> None:  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        hood = create_neighbourhood(s, name="Buurt", boundary=json.dumps(HOOGRAVEN), now=T0)
        rnd = create_round(s, hood, RoundSpec("R", T0 - timedelta(hours=1),
                                              T0 + timedelta(hours=5)), T0)
        change_state(s, rnd, "start", T0)
        players = [join(s, rnd, display_name=f"P{i}", team=None, now=T0).player
                   for i in range(len(rows))]
        for player, (points, minute) in zip(players, rows, strict=True):
            standing = s.scalar(select(Standing).where(Standing.round_id == rnd.id,
                                                       Standing.player_id == player.id))
            assert standing is not None
            standing.points = points
            standing.last_scored_at = None if minute is None else T0 + timedelta(minutes=minute)
        s.flush()
        whole = board(s, rnd).by_player
        for player in players:
            mine = standing_of(s, rnd.id, player.id)
            assert mine is not None
            row = whole[player.id]
            assert (mine.rank, mine.points, mine.meetings) == (row.rank, row.points, row.meetings)
        assert standing_of(s, rnd.id, players[-1].id + 1000) is None
        s.rollback()
