"""Table tests: one row per rule and per combination, checking the awards of the last photo."""

from __future__ import annotations

import pytest

from koppelkiek.scoring import Award, Rules, ScoredPhoto, SpotHit, Tally, replay

Row = tuple[int, int, str, int | None]  # (player_id, points, reason, spot_id)


def photo(
    a: int,
    b: int,
    team_a: str | None = None,
    team_b: str | None = None,
    spots: tuple[SpotHit, ...] = (),
    photo_id: int = 0,
) -> ScoredPhoto:
    return ScoredPhoto(photo_id, a, b, team_a, team_b, spots)


def numbered(photos: list[ScoredPhoto]) -> list[ScoredPhoto]:
    # Tables leave photo ids out; number them in acceptance order.
    return [
        ScoredPhoto(i, p.player_a, p.player_b, p.team_a, p.team_b, p.spots)
        for i, p in enumerate(photos, start=1)
    ]


def last_rows(history: list[ScoredPhoto], last: ScoredPhoto, rules: Rules) -> list[Row]:
    photos = numbered([*history, last])
    tally = Tally(rules)
    for earlier in photos[:-1]:
        tally.add(earlier)
    awards = tally.add(photos[-1])
    assert all(award.photo_id == len(photos) for award in awards)
    return sorted((aw.player_id, aw.points, aw.reason, aw.spot_id) for aw in awards)


# Players 1 and 2 have each met someone else first, so no welcome blurs the rule under test.
SEASONED = [photo(1, 8), photo(2, 9)]
SPOT7 = SpotHit(7, 5)
SPOT8 = SpotHit(8, 8)

DEFAULT_CASES = [
    pytest.param(
        [],
        photo(1, 2),
        [
            (1, 2, "welcome", None),
            (1, 10, "first_meeting", None),
            (2, 2, "welcome", None),
            (2, 10, "first_meeting", None),
        ],
        id="first-meeting-both-new-both-welcomed",
    ),
    pytest.param(
        SEASONED,
        photo(1, 2),
        [(1, 10, "first_meeting", None), (2, 10, "first_meeting", None)],
        id="first-meeting-both-seasoned",
    ),
    pytest.param(
        [photo(1, 8)],
        photo(1, 2),
        [(1, 2, "welcome", None), (1, 10, "first_meeting", None), (2, 10, "first_meeting", None)],
        id="welcome-goes-to-the-one-who-met-a-newcomer",
    ),
    pytest.param(
        [photo(1, 8)],
        photo(2, 1),
        [(1, 2, "welcome", None), (1, 10, "first_meeting", None), (2, 10, "first_meeting", None)],
        id="welcome-newcomer-as-player-a",
    ),
    pytest.param(
        [photo(1, 3), photo(2, 3)],
        photo(1, 2),
        [(1, 10, "first_meeting", None), (2, 10, "first_meeting", None)],
        id="no-welcome-after-first-scored-meeting",
    ),
    pytest.param(
        [*SEASONED, photo(1, 2)],
        photo(1, 2),
        [(1, 2, "repeat_meeting", None), (2, 2, "repeat_meeting", None)],
        id="first-repeat",
    ),
    pytest.param(
        [*SEASONED, photo(1, 2)],
        photo(2, 1),
        [(1, 2, "repeat_meeting", None), (2, 2, "repeat_meeting", None)],
        id="pair-is-unordered",
    ),
    pytest.param(
        [*SEASONED, photo(1, 2), photo(2, 1)],
        photo(1, 2),
        [(1, 2, "repeat_meeting", None), (2, 2, "repeat_meeting", None)],
        id="second-repeat-is-the-cap",
    ),
    pytest.param(
        [*SEASONED, photo(1, 2), photo(1, 2), photo(1, 2)],
        photo(2, 1),
        [],
        id="third-repeat-earns-nothing",
    ),
    pytest.param(
        [*SEASONED, photo(1, 2), photo(1, 2), photo(1, 2), photo(1, 2)],
        photo(1, 2, "Oost", "West", (SPOT7,)),
        [],
        id="beyond-cap-no-team-or-spot-bonus-either",
    ),
    pytest.param(
        [*SEASONED, photo(1, 2), photo(1, 2), photo(1, 2), photo(1, 2)],
        photo(1, 9),
        [(1, 10, "first_meeting", None), (9, 10, "first_meeting", None)],
        id="cap-is-per-pair",
    ),
    pytest.param(
        SEASONED,
        photo(1, 2, "Oost", "West"),
        [
            (1, 3, "across_teams", None),
            (1, 10, "first_meeting", None),
            (2, 3, "across_teams", None),
            (2, 10, "first_meeting", None),
        ],
        id="across-teams",
    ),
    pytest.param(
        [*SEASONED, photo(1, 2)],
        photo(1, 2, "Oost", "West"),
        [
            (1, 2, "repeat_meeting", None),
            (1, 3, "across_teams", None),
            (2, 2, "repeat_meeting", None),
            (2, 3, "across_teams", None),
        ],
        id="across-teams-on-a-repeat",
    ),
    pytest.param(
        SEASONED,
        photo(1, 2, "Oost", " oOST  "),
        [(1, 10, "first_meeting", None), (2, 10, "first_meeting", None)],
        id="same-team-case-and-space-differ",
    ),
    pytest.param(
        SEASONED,
        photo(1, 2, "Oost", None),
        [(1, 10, "first_meeting", None), (2, 10, "first_meeting", None)],
        id="one-team-none",
    ),
    pytest.param(
        SEASONED,
        photo(1, 2, None, "West"),
        [(1, 10, "first_meeting", None), (2, 10, "first_meeting", None)],
        id="other-team-none",
    ),
    pytest.param(
        SEASONED,
        photo(1, 2),
        [(1, 10, "first_meeting", None), (2, 10, "first_meeting", None)],
        id="both-teams-none",
    ),
    pytest.param(
        SEASONED,
        photo(1, 2, "  ", "West"),
        [(1, 10, "first_meeting", None), (2, 10, "first_meeting", None)],
        id="blank-team-is-no-team",
    ),
    pytest.param(
        SEASONED,
        photo(1, 2, spots=(SPOT7,)),
        [
            (1, 5, "story_spot", 7),
            (1, 10, "first_meeting", None),
            (2, 5, "story_spot", 7),
            (2, 10, "first_meeting", None),
        ],
        id="story-spot",
    ),
    pytest.param(
        [*SEASONED, photo(1, 2, spots=(SPOT7,))],
        photo(1, 2, spots=(SPOT7,)),
        [(1, 2, "repeat_meeting", None), (2, 2, "repeat_meeting", None)],
        id="story-spot-once-per-player",
    ),
    pytest.param(
        [*SEASONED, photo(1, 2, spots=(SPOT7,))],
        photo(1, 9, spots=(SPOT7,)),
        [(1, 10, "first_meeting", None), (9, 5, "story_spot", 7), (9, 10, "first_meeting", None)],
        id="story-spot-claimed-by-one-player-still-open-to-another",
    ),
    pytest.param(
        [*SEASONED, photo(1, 2, spots=(SPOT7,))],
        photo(1, 2, spots=(SPOT7, SPOT8)),
        [
            (1, 2, "repeat_meeting", None),
            (1, 8, "story_spot", 8),
            (2, 2, "repeat_meeting", None),
            (2, 8, "story_spot", 8),
        ],
        id="new-spot-at-a-repeat",
    ),
    pytest.param(
        SEASONED,
        photo(1, 2, spots=(SPOT7, SPOT8)),
        [
            (1, 5, "story_spot", 7),
            (1, 8, "story_spot", 8),
            (1, 10, "first_meeting", None),
            (2, 5, "story_spot", 7),
            (2, 8, "story_spot", 8),
            (2, 10, "first_meeting", None),
        ],
        id="two-spots-in-one-photo",
    ),
    pytest.param(
        SEASONED,
        photo(1, 2, spots=(SpotHit(7, 0),)),
        [(1, 10, "first_meeting", None), (2, 10, "first_meeting", None)],
        id="zero-bonus-spot-gives-no-row",
    ),
    pytest.param(
        [*SEASONED, photo(1, 2), photo(1, 2), photo(1, 2), photo(1, 2, spots=(SPOT7,))],
        photo(1, 9, spots=(SPOT7,)),
        [
            (1, 5, "story_spot", 7),
            (1, 10, "first_meeting", None),
            (9, 5, "story_spot", 7),
            (9, 10, "first_meeting", None),
        ],
        id="capped-photo-does-not-claim-the-spot",
    ),
    pytest.param(
        [],
        photo(1, 2, "Oost", "West", (SPOT7,)),
        [
            (1, 2, "welcome", None),
            (1, 3, "across_teams", None),
            (1, 5, "story_spot", 7),
            (1, 10, "first_meeting", None),
            (2, 2, "welcome", None),
            (2, 3, "across_teams", None),
            (2, 5, "story_spot", 7),
            (2, 10, "first_meeting", None),
        ],
        id="everything-at-once",
    ),
]


@pytest.mark.parametrize(("history", "last", "expected"), DEFAULT_CASES)
def test_default_rules(history: list[ScoredPhoto], last: ScoredPhoto, expected: list[Row]) -> None:
    assert last_rows(history, last, Rules()) == sorted(expected)


CHANGED_RULES_CASES = [
    pytest.param(
        Rules(first_meeting=20, welcome=0),
        [],
        photo(1, 2),
        [(1, 20, "first_meeting", None), (2, 20, "first_meeting", None)],
        id="first-meeting-20-welcome-off",
    ),
    pytest.param(
        Rules(welcome=5),
        [photo(1, 8)],
        photo(1, 2),
        [(1, 5, "welcome", None), (1, 10, "first_meeting", None), (2, 10, "first_meeting", None)],
        id="welcome-5",
    ),
    pytest.param(
        Rules(first_meeting=0),
        [],
        photo(1, 2),
        [(1, 2, "welcome", None), (2, 2, "welcome", None)],
        id="first-meeting-off",
    ),
    pytest.param(
        Rules(repeat_meeting=5, max_repeats=1),
        [*SEASONED, photo(1, 2)],
        photo(1, 2),
        [(1, 5, "repeat_meeting", None), (2, 5, "repeat_meeting", None)],
        id="repeat-5-within-cap-1",
    ),
    pytest.param(
        Rules(repeat_meeting=5, max_repeats=1),
        [*SEASONED, photo(1, 2), photo(1, 2)],
        photo(1, 2),
        [],
        id="repeat-beyond-cap-1",
    ),
    pytest.param(
        Rules(max_repeats=0),
        [*SEASONED, photo(1, 2)],
        photo(1, 2, "Oost", "West"),
        [],
        id="no-repeats-at-all",
    ),
    pytest.param(
        Rules(max_repeats=5),
        [*SEASONED, photo(1, 2), photo(1, 2), photo(1, 2), photo(1, 2), photo(1, 2)],
        photo(1, 2),
        [(1, 2, "repeat_meeting", None), (2, 2, "repeat_meeting", None)],
        id="fifth-repeat-within-cap-5",
    ),
    pytest.param(
        Rules(repeat_meeting=0),
        [*SEASONED, photo(1, 2)],
        photo(1, 2, "Oost", "West"),
        [(1, 3, "across_teams", None), (2, 3, "across_teams", None)],
        id="repeat-worth-zero-still-counts-for-teams",
    ),
    pytest.param(
        Rules(across_teams=7),
        SEASONED,
        photo(1, 2, "oost", "West"),
        [
            (1, 7, "across_teams", None),
            (1, 10, "first_meeting", None),
            (2, 7, "across_teams", None),
            (2, 10, "first_meeting", None),
        ],
        id="across-teams-7",
    ),
    pytest.param(
        Rules(across_teams=0),
        SEASONED,
        photo(1, 2, "Oost", "West"),
        [(1, 10, "first_meeting", None), (2, 10, "first_meeting", None)],
        id="across-teams-off",
    ),
]


@pytest.mark.parametrize(("rules", "history", "last", "expected"), CHANGED_RULES_CASES)
def test_changed_rules(
    rules: Rules, history: list[ScoredPhoto], last: ScoredPhoto, expected: list[Row]
) -> None:
    assert last_rows(history, last, rules) == sorted(expected)


def test_award_order_within_a_photo() -> None:
    # The order is stable so notices can list the breakdown as it was given.
    awards = replay([ScoredPhoto(5, 1, 2, "Oost", "West", (SPOT7, SPOT8))], Rules())
    assert awards == [
        Award(1, 10, "first_meeting", 5),
        Award(2, 10, "first_meeting", 5),
        Award(1, 3, "across_teams", 5),
        Award(2, 3, "across_teams", 5),
        Award(1, 2, "welcome", 5),
        Award(2, 2, "welcome", 5),
        Award(1, 5, "story_spot", 5, 7),
        Award(1, 8, "story_spot", 5, 8),
        Award(2, 5, "story_spot", 5, 7),
        Award(2, 8, "story_spot", 5, 8),
    ]


def test_tally_totals_and_meetings() -> None:
    tally = Tally(Rules())
    for p in numbered([photo(1, 2), photo(1, 2), photo(1, 2), photo(2, 1), photo(1, 3)]):
        tally.add(p)
    # 1: 10+2 first, 2+2 repeats, 10 first with 3; 2: 10+2, 2+2; 3: 10 + 0 (1 not new)
    # and 1 gets the welcome for newcomer 3. The capped fourth photo is no scored meeting.
    assert tally.totals() == {1: 28, 2: 16, 3: 10}
    assert tally.meetings() == {1: 4, 2: 3, 3: 1}
    assert tally.meetings() is not tally.meetings()  # a copy: callers cannot corrupt the state


def test_replay_of_nothing() -> None:
    assert replay([], Rules()) == []
    assert Tally(Rules()).totals() == {}
    assert Tally(Rules()).meetings() == {}
