"""totals, ledger_sums and compensate on hand-made ledgers."""

from __future__ import annotations

import pytest

from koppelkiek.scoring import Award, AwardKey, compensate, ledger_sums, totals


def test_totals_sums_per_player_and_leaves_out_zero() -> None:
    awards = [
        Award(1, 10, "first_meeting", 1),
        Award(2, 10, "first_meeting", 1),
        Award(1, 5, "story_spot", 1, 7),
        Award(2, -10, "first_meeting", 1),  # a reversal
    ]
    assert totals(awards) == {1: 15}


def test_ledger_sums_per_key() -> None:
    awards = [
        Award(1, 10, "first_meeting", 1),
        Award(1, -8, "first_meeting", 1),
        Award(1, 5, "story_spot", 1, 7),
        Award(1, 5, "story_spot", 1, 8),
        Award(1, 5, "story_spot", 2, 8),
        Award(1, -5, "story_spot", 2, 8),
    ]
    assert ledger_sums(awards) == {
        (1, 1, "first_meeting", None): 2,
        (1, 1, "story_spot", 7): 5,
        (1, 1, "story_spot", 8): 5,
    }


TARGET = [Award(1, 10, "first_meeting", 1), Award(2, 10, "first_meeting", 1)]


@pytest.mark.parametrize(
    ("current", "target", "expected"),
    [
        pytest.param({}, TARGET, TARGET, id="empty-ledger-gets-everything"),
        pytest.param(ledger_sums(TARGET), TARGET, [], id="already-right"),
        pytest.param(
            {(1, 1, "first_meeting", None): 10, (2, 1, "first_meeting", None): 10},
            [Award(1, 20, "first_meeting", 1), Award(2, 20, "first_meeting", 1)],
            [Award(1, 10, "first_meeting", 1), Award(2, 10, "first_meeting", 1)],
            id="rule-raised",
        ),
        pytest.param(
            {(1, 2, "welcome", None): 2, (1, 1, "story_spot", 7): 5, **ledger_sums(TARGET)},
            TARGET,
            [Award(1, -5, "story_spot", 1, 7), Award(1, -2, "welcome", 2)],
            id="rejected-rows-reversed-in-photo-order",
        ),
        pytest.param(
            {(1, 1, "first_meeting", None): 10, (2, 1, "first_meeting", None): 0},
            TARGET,
            [Award(2, 10, "first_meeting", 1)],
            id="zero-current-sum-is-nothing",
        ),
        pytest.param(
            {(1, 1, "first_meeting", None): 10},
            [Award(1, 4, "first_meeting", 1), Award(1, 6, "first_meeting", 1)],
            [],
            id="target-summed-per-key",
        ),
        pytest.param(
            {(1, 1, "first_meeting", None): 10, (2, 1, "first_meeting", None): 10},
            [],
            [Award(1, -10, "first_meeting", 1), Award(2, -10, "first_meeting", 1)],
            id="everything-rejected",
        ),
    ],
)
def test_compensate(
    current: dict[AwardKey, int], target: list[Award], expected: list[Award]
) -> None:
    compensation = compensate(current, target)
    assert compensation == expected
    assert all(award.points != 0 for award in compensation)
    after = dict(current)
    for award in compensation:
        key = (award.player_id, award.photo_id, award.reason, award.spot_id)
        after[key] = after.get(key, 0) + award.points
    assert {k: v for k, v in after.items() if v} == ledger_sums(target)
