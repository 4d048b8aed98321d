"""Replaying accepted photos, in order, into awards."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from koppelkiek.scoring.facts import Award, ScoredPhoto
from koppelkiek.scoring.ledger import totals as sum_totals
from koppelkiek.scoring.rules import (
    ACROSS_TEAMS,
    FIRST_MEETING,
    REPEAT_MEETING,
    STORY_SPOT,
    WELCOME,
    Rules,
)


def team_key(team: str | None) -> str | None:
    """The team as compared: trimmed and case-folded; blank means no team."""
    if team is None:
        return None
    key = team.strip().casefold()
    return key or None


def across_teams(team_a: str | None, team_b: str | None) -> bool:
    """True when both players have a team and the teams differ."""
    a, b = team_key(team_a), team_key(team_b)
    return a is not None and b is not None and a != b


@dataclass(frozen=True)
class Before:
    """What the round knew just before a photo: all that scoring it needs, whatever the round's
    size (the incremental state `game` keeps as rows, or a `Tally` keeps in memory)."""

    pair_meetings: int  # earlier scored photos of this pair
    a_meetings: int  # earlier scored photos of player_a, with anyone
    b_meetings: int
    claimed: frozenset[tuple[int, int]] = frozenset()  # (player, spot) already scored


@dataclass(frozen=True)
class Outcome:
    """A photo's awards, whether it counts as a scored meeting, and the spots it claims."""

    counted: bool
    awards: tuple[Award, ...]
    claims: tuple[tuple[int, int], ...]


def score(photo: ScoredPhoto, rules: Rules, before: Before) -> Outcome:
    """Awards for one photo given the state before it.

    A photo of a pair that has used up its repeats earns nothing at all and is not a scored
    meeting: it claims no spot and does not end anyone's "new" status. Otherwise the same two
    people could farm the across-teams bonus, or spots, by photographing each other again.
    """
    earlier = before.pair_meetings
    if earlier == 0:
        meeting_reason, meeting_points = FIRST_MEETING, rules.first_meeting
    elif earlier <= rules.max_repeats:
        meeting_reason, meeting_points = REPEAT_MEETING, rules.repeat_meeting
    else:
        return Outcome(False, (), ())

    a, b = photo.player_a, photo.player_b
    awards: list[Award] = []
    claims: list[tuple[int, int]] = []

    def give(player: int, points: int, reason: str, spot_id: int | None = None) -> None:
        if points != 0:  # zero rows would only clutter the ledger
            awards.append(Award(player, points, reason, photo.photo_id, spot_id))

    for player in (a, b):
        give(player, meeting_points, meeting_reason)
    if across_teams(photo.team_a, photo.team_b):
        for player in (a, b):
            give(player, rules.across_teams, ACROSS_TEAMS)
    # The welcome goes to the *other* person: whoever drew a newcomer in.
    if before.b_meetings == 0:
        give(a, rules.welcome, WELCOME)
    if before.a_meetings == 0:
        give(b, rules.welcome, WELCOME)
    for player in (a, b):
        for spot in photo.spots:
            claim = (player, spot.spot_id)
            if claim not in before.claimed:
                claims.append(claim)
                give(player, spot.bonus, STORY_SPOT, spot.spot_id)
    return Outcome(True, tuple(awards), tuple(claims))


class Tally:
    """Replays accepted photos in order; holds per-round state (pairs seen, players met,
    spots claimed) in memory, the same state `game` keeps as rows."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self._pair_meetings: dict[tuple[int, int], int] = {}
        self._meetings: dict[int, int] = {}
        self._spots_claimed: set[tuple[int, int]] = set()
        self._photo_ids: set[int] = set()
        self._awards: list[Award] = []

    def add(self, photo: ScoredPhoto) -> list[Award]:
        """Awards for this photo, given every photo added before it."""
        # A photo scored twice would double its ledger keys; the caller has a bug, say so.
        if photo.photo_id in self._photo_ids:
            raise ValueError(f"photo {photo.photo_id} was already scored")
        self._photo_ids.add(photo.photo_id)
        a, b = photo.player_a, photo.player_b
        mine = frozenset(c for c in ((p, s.spot_id) for p in (a, b) for s in photo.spots)
                         if c in self._spots_claimed)
        outcome = score(photo, self.rules, Before(
            self._pair_meetings.get(photo.pair, 0), self._meetings.get(a, 0),
            self._meetings.get(b, 0), mine))
        if not outcome.counted:
            return []
        self._pair_meetings[photo.pair] = self._pair_meetings.get(photo.pair, 0) + 1
        for player in (a, b):
            self._meetings[player] = self._meetings.get(player, 0) + 1
        self._spots_claimed.update(outcome.claims)
        self._awards.extend(outcome.awards)
        return list(outcome.awards)

    def totals(self) -> dict[int, int]:
        """player_id -> points so far (players at zero left out, as in `scoring.totals`)."""
        return sum_totals(self._awards)

    def meetings(self) -> dict[int, int]:
        """player_id -> number of scored photos (capped repeats do not count)."""
        return dict(self._meetings)

    def pair_meetings(self) -> dict[tuple[int, int], int]:
        """(low, high) player pair -> number of scored photos of that pair."""
        return dict(self._pair_meetings)

    def spots_claimed(self) -> set[tuple[int, int]]:
        """(player, spot) pairs that have earned their spot bonus."""
        return set(self._spots_claimed)


def replay(photos: Iterable[ScoredPhoto], rules: Rules) -> list[Award]:
    """Full recompute: every award for these accepted photos, in the order they were accepted."""
    tally = Tally(rules)
    awards: list[Award] = []
    for photo in photos:
        awards.extend(tally.add(photo))
    return awards
