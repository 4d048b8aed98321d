"""Bad facts fail loudly where they are made."""

from __future__ import annotations

from typing import Any

import pytest

from koppelkiek.scoring import REASONS, Award, Rules, ScoredPhoto, SpotHit, Tally


def test_player_cannot_meet_themselves() -> None:
    with pytest.raises(ValueError, match="cannot meet themselves"):
        ScoredPhoto(1, 4, 4, "Oost", "Oost")


def test_same_photo_cannot_be_scored_twice() -> None:
    tally = Tally(Rules())
    tally.add(ScoredPhoto(1, 1, 2, None, None))
    with pytest.raises(ValueError, match="already scored"):
        tally.add(ScoredPhoto(1, 1, 3, None, None))


def test_spot_listed_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="listed twice"):
        ScoredPhoto(1, 1, 2, None, None, (SpotHit(7, 5), SpotHit(7, 6)))


def test_spots_list_becomes_a_tuple() -> None:
    spots: Any = [SpotHit(7, 5)]
    assert ScoredPhoto(1, 1, 2, None, None, spots).spots == (SpotHit(7, 5),)


def test_negative_spot_bonus_is_refused() -> None:
    with pytest.raises(ValueError, match="bonus"):
        SpotHit(7, -1)


@pytest.mark.parametrize(
    "field", ["first_meeting", "repeat_meeting", "max_repeats", "across_teams", "welcome"]
)
def test_rules_refuse_negative_values(field: str) -> None:
    with pytest.raises(ValueError, match=field):
        Rules(**{field: -1})


@pytest.mark.parametrize("value", [True, 2.5, "10", None])
def test_rules_refuse_non_ints(value: Any) -> None:
    with pytest.raises(TypeError, match="first_meeting"):
        Rules(first_meeting=value)


def test_rules_defaults() -> None:
    assert Rules() == Rules(
        first_meeting=10, repeat_meeting=2, max_repeats=2, across_teams=3, welcome=2
    )


def test_award_reasons() -> None:
    assert {"first_meeting", "repeat_meeting", "across_teams", "welcome", "story_spot"} == REASONS
    with pytest.raises(ValueError, match="unknown award reason"):
        Award(1, 10, "bribe", 1)


@pytest.mark.parametrize(
    ("reason", "spot_id"), [("story_spot", None), ("welcome", 7), ("first_meeting", 7)]
)
def test_spot_id_only_on_story_spot_awards(reason: str, spot_id: int | None) -> None:
    with pytest.raises(ValueError, match="spot_id"):
        Award(1, 5, reason, 1, spot_id)
