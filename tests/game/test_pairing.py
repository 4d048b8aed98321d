"""Pairing codes and the distance rule, on the game layer with an injected clock."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from koppelkiek.db import upgrade
from koppelkiek.game.codes import ALPHABET, normalise, well_formed
from koppelkiek.game.errors import GameError
from koppelkiek.game.meetings import claim
from koppelkiek.game.neighbourhoods import create_neighbourhood
from koppelkiek.game.pairing import CODE_LENGTH, Fix, issue_code
from koppelkiek.game.players import join
from koppelkiek.game.rounds import RoundSpec, change_state, create_round
from koppelkiek.uploads import Position, distance_m
from tests.helpers import HOOGRAVEN

T0 = datetime(2026, 6, 13, 13, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("pairing") / "db.sqlite"
    engine = create_engine(f"sqlite:///{path}")
    upgrade(engine)
    return engine


def _setup(s: Session, tag: str):  # type: ignore[no-untyped-def]
    hood = create_neighbourhood(s, name=f"Buurt {tag}", boundary=json.dumps(HOOGRAVEN), now=T0)
    rnd = create_round(s, hood, RoundSpec("Ronde", T0 - timedelta(hours=1),
                                          T0 + timedelta(hours=3)), T0)
    change_state(s, rnd, "start", T0)
    a = join(s, rnd, display_name="A", team=None, now=T0).player
    b = join(s, rnd, display_name="B", team=None, now=T0).player
    return rnd, a, b


def test_alphabet_has_no_lookalikes() -> None:
    assert not set("0O1IL") & set(ALPHABET)
    assert len(set(ALPHABET)) == len(ALPHABET) == 31


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=20, max_value=60), st.data())
def test_codes_are_unique_well_formed_and_not_guessable(engine, n: int, data) -> None:  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        rnd, a, b = _setup(s, data.draw(st.uuids()).hex)
        here = Fix(PLEIN.lat, PLEIN.lon, 10)
        codes = [issue_code(s, a, rnd, T0, here).code for _ in range(n)]
        assert len(set(codes)) == n  # never reused
        for code in codes:
            assert well_formed(code, CODE_LENGTH)
            assert set(code) <= set(ALPHABET)
        # A guess that is not an issued code is always refused, however it is typed.
        guess = data.draw(st.text(alphabet=ALPHABET, min_size=6, max_size=6))
        if guess not in codes:
            with pytest.raises(GameError) as refused:
                claim(s, b, guess, T0, here)
            assert refused.value.code == "pairing_code_unknown"
        # Any typing of a real code works: case, spaces and dashes do not matter.
        target = data.draw(st.sampled_from(codes))
        noise = data.draw(st.lists(st.sampled_from([" ", "-", ""]), min_size=6, max_size=6))
        typed = "".join(ch.lower() if i % 2 else ch + noise[i] for i, ch in enumerate(target))
        assert normalise(typed) == target
        assert claim(s, b, typed, T0, here).meeting.player_a_id == a.id
        s.rollback()


def test_a_claim_needs_both_phones_fresh_positions(engine) -> None:  # type: ignore[no-untyped-def]
    here = Fix(PLEIN.lat, PLEIN.lon, 10)
    with Session(engine) as s:
        rnd, a, b = _setup(s, "positions")
        blind = issue_code(s, a, rnd, T0).code
        with pytest.raises(GameError) as refused:
            claim(s, b, blind, T0, here)
        assert refused.value.params["whose"] == "partner"
        with pytest.raises(GameError) as refused:
            claim(s, b, issue_code(s, a, rnd, T0, here).code, T0)
        assert refused.value.params["whose"] == "yours"
        # The owner's old code has a position, but it is older than two minutes.
        old = issue_code(s, a, rnd, T0, here)
        later = T0 + timedelta(minutes=2, seconds=1)
        old.expires_at = later + timedelta(seconds=30)
        with pytest.raises(GameError) as refused:
            claim(s, b, old.code, later, here)
        assert refused.value.code == "position_required"
        # A refresh since then brings the owner's position up to date.
        issue_code(s, a, rnd, later, here)
        assert claim(s, b, old.code, later, here).created
        s.rollback()


def test_codes_come_from_a_large_space() -> None:
    # 31^6 ≈ 887 million codes; with 10 tries a minute per player, a guess inside a code's
    # 60 seconds succeeds with odds of about one in 88 million per live code.
    assert len(ALPHABET) ** CODE_LENGTH > 800_000_000


def _equirectangular(a: Position, b: Position) -> float:
    """An independent approximation to check haversine against at these small distances."""
    lat = math.radians((a.lat + b.lat) / 2)
    dx = math.radians(b.lon - a.lon) * math.cos(lat)
    dy = math.radians(b.lat - a.lat)
    return 6_371_008.8 * math.hypot(dx, dy)


# Real places in Hoograven, Utrecht.
PLEIN = Position(52.07585, 5.12337)  # Hoograven, around the Hondsrugpark entrance
NEAR_80 = Position(52.07657, 5.12337)  # 0.00072° north: about 80 m
FAR_300 = Position(52.07855, 5.12337)  # 0.0027° north: about 300 m


@pytest.mark.parametrize(("other", "metres"), [(NEAR_80, 80), (FAR_300, 300)])
def test_haversine_on_real_coordinates(other: Position, metres: int) -> None:
    d = distance_m(PLEIN, other)
    assert abs(d - metres) < 1.5
    assert abs(d - _equirectangular(PLEIN, other)) < 0.05


@pytest.mark.parametrize(("other", "allowed"), [(NEAR_80, True), (FAR_300, False)])
def test_distance_rule_on_claims(engine, other: Position, allowed: bool) -> None:  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        rnd, a, b = _setup(s, f"d{other.lat}")
        code = issue_code(s, a, rnd, T0, Fix(PLEIN.lat, PLEIN.lon, 5)).code
        fix_b = Fix(other.lat, other.lon, 5)
        if allowed:
            assert claim(s, b, code, T0 + timedelta(seconds=5), fix_b).created
        else:
            with pytest.raises(GameError) as refused:
                claim(s, b, code, T0 + timedelta(seconds=5), fix_b)
            assert refused.value.code == "too_far_apart"
            assert refused.value.params["metres"] == 300
        s.rollback()
