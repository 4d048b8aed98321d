"""Property tests: incremental scoring equals a full replay, and an append-only ledger kept up to
date with compensating awards always equals a full recompute, through accepts, rejects,
re-accepts and rule changes."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from koppelkiek.scoring import (
    Award,
    Rules,
    ScoredPhoto,
    SpotHit,
    Tally,
    compensate,
    ledger_sums,
    replay,
    totals,
)

PLAYERS = st.integers(min_value=1, max_value=5)
TEAMS = st.sampled_from([None, "Oost", " oost", "WEST", "West ", "", "Noord"])
SPOT_LISTS = st.lists(
    st.builds(SpotHit, spot_id=st.integers(1, 3), bonus=st.integers(0, 8)),
    max_size=3,
    unique_by=lambda spot: spot.spot_id,
).map(tuple)
RULES = st.builds(
    Rules,
    first_meeting=st.integers(0, 20),
    repeat_meeting=st.integers(0, 5),
    max_repeats=st.integers(0, 3),
    across_teams=st.integers(0, 5),
    welcome=st.integers(0, 5),
)


@dataclass(frozen=True)
class Meet:
    """A photo's facts without its id; ids are handed out in acceptance order."""

    a: int
    b: int
    team_a: str | None
    team_b: str | None
    spots: tuple[SpotHit, ...]

    def photo(self, photo_id: int) -> ScoredPhoto:
        return ScoredPhoto(photo_id, self.a, self.b, self.team_a, self.team_b, self.spots)


MEETS = st.builds(Meet, PLAYERS, PLAYERS, TEAMS, TEAMS, SPOT_LISTS).filter(lambda m: m.a != m.b)
PHOTO_LISTS = st.lists(MEETS, max_size=25).map(
    lambda meets: [meet.photo(i) for i, meet in enumerate(meets, start=1)]
)

OPS = st.lists(
    st.one_of(
        st.tuples(st.just("accept"), MEETS),
        st.tuples(st.just("reject"), st.integers(0, 1000)),
        st.tuples(st.just("restore"), st.integers(0, 1000)),
        st.tuples(st.just("rules"), RULES),
    ),
    max_size=40,
)


def reference(photos: list[ScoredPhoto], rules: Rules) -> tuple[list[Award], dict[int, int]]:
    """A deliberately naive second reading of the rules: every photo rescans the photos scored
    before it. Slow, but written independently of Tally, so the two can check each other."""
    scored: list[ScoredPhoto] = []
    awards: list[Award] = []
    for photo in photos:
        pair = {photo.player_a, photo.player_b}
        earlier = [p for p in scored if {p.player_a, p.player_b} == pair]
        if len(earlier) > rules.max_repeats:
            continue
        people = (photo.player_a, photo.player_b)
        reason = "repeat_meeting" if earlier else "first_meeting"
        points = rules.repeat_meeting if earlier else rules.first_meeting
        rows = [(player, points, reason, None) for player in people]
        team_a = (photo.team_a or "").strip().lower()
        team_b = (photo.team_b or "").strip().lower()
        if team_a and team_b and team_a != team_b:
            rows += [(player, rules.across_teams, "across_teams", None) for player in people]
        for player, other in (people, people[::-1]):
            if not any(other in (p.player_a, p.player_b) for p in scored):
                rows.append((player, rules.welcome, "welcome", None))
        for player in people:
            for spot in photo.spots:
                claimed = any(
                    player in (p.player_a, p.player_b)
                    and spot.spot_id in {s.spot_id for s in p.spots}
                    for p in scored
                )
                if not claimed:
                    rows.append((player, spot.bonus, "story_spot", spot.spot_id))
        awards += [Award(pl, pts, why, photo.photo_id, spot) for pl, pts, why, spot in rows if pts]
        scored.append(photo)
    meetings = Counter(player for p in scored for player in (p.player_a, p.player_b))
    return awards, dict(meetings)


@settings(max_examples=300, deadline=None)
@given(photos=PHOTO_LISTS, rules=RULES)
def test_incremental_equals_replay_equals_reference(
    photos: list[ScoredPhoto], rules: Rules
) -> None:
    tally = Tally(rules)
    incremental: list[Award] = []
    for photo in photos:
        awards = tally.add(photo)
        assert all(award.photo_id == photo.photo_id for award in awards)
        incremental.extend(awards)
    full = replay(photos, rules)
    assert incremental == full
    assert tally.totals() == totals(full)
    expected_awards, expected_meetings = reference(photos, rules)
    assert ledger_sums(full) == ledger_sums(expected_awards)
    assert tally.meetings() == expected_meetings


@settings(max_examples=300, deadline=None)
@given(photos=PHOTO_LISTS, rules=RULES)
def test_replay_respects_the_caps(photos: list[ScoredPhoto], rules: Rules) -> None:
    awards = replay(photos, rules)
    assert all(award.points > 0 for award in awards)
    by_photo = {photo.photo_id: photo for photo in photos}
    meetings_per_pair = Counter(
        by_photo[a.photo_id].pair
        for a in awards
        if a.reason in ("first_meeting", "repeat_meeting")
        and a.player_id == min(by_photo[a.photo_id].pair)
    )
    assert all(n <= 1 + rules.max_repeats for n in meetings_per_pair.values())
    spot_claims = Counter((a.player_id, a.spot_id) for a in awards if a.reason == "story_spot")
    assert all(n == 1 for n in spot_claims.values())
    welcomes = Counter(a.player_id for a in awards if a.reason == "welcome")
    # Each newcomer welcomes exactly one partner, so welcomes never outnumber players.
    assert sum(welcomes.values()) <= len({p for ph in photos for p in (ph.player_a, ph.player_b)})
    # Both players of a photo always get the same meeting and across-teams points.
    for reason in ("first_meeting", "repeat_meeting", "across_teams"):
        per_photo = Counter(a.photo_id for a in awards if a.reason == reason)
        assert all(n == 2 for n in per_photo.values())


@settings(max_examples=300, deadline=None)
@given(ops=OPS)
def test_ledger_with_compensation_equals_full_recompute(ops: list[tuple[str, object]]) -> None:
    rules = Rules()
    accepted: list[ScoredPhoto] = []  # kept in acceptance (photo id) order
    rejected: list[ScoredPhoto] = []
    ledger: list[Award] = []  # append-only, as ScoreEntry rows
    tally = Tally(rules)
    next_id = 1

    for kind, arg in ops:
        if kind == "accept":
            assert isinstance(arg, Meet)
            photo = arg.photo(next_id)
            next_id += 1
            accepted.append(photo)
            # The game's fast path: score the new photo on top of the running tally.
            ledger.extend(tally.add(photo))
        else:
            if kind == "reject" and accepted:
                assert isinstance(arg, int)
                rejected.append(accepted.pop(arg % len(accepted)))
            elif kind == "restore" and rejected:
                assert isinstance(arg, int)
                accepted.append(rejected.pop(arg % len(rejected)))
                accepted.sort(key=lambda p: p.photo_id)
            elif kind == "rules":
                assert isinstance(arg, Rules)
                rules = arg
            # Rescore: append the difference to the target, never touch earlier rows.
            target = replay(accepted, rules)
            compensation = compensate(ledger_sums(ledger), target)
            assert all(award.points != 0 for award in compensation)
            assert totals(ledger + compensation) == totals(target)
            ledger.extend(compensation)
            tally = Tally(rules)
            for photo in accepted:
                tally.add(photo)

        # The invariant, after every step.
        target = replay(accepted, rules)
        assert ledger_sums(ledger) == ledger_sums(target)
        assert totals(ledger) == totals(target) == tally.totals()
        assert compensate(ledger_sums(ledger), target) == []
        assert all(award.points != 0 for award in ledger)
