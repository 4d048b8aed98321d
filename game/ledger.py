"""Points: the append-only ledger and the standings kept in step with it, in one transaction.

Invariant: standings = the sum of the ledger = a full replay of accepted photos under the
round's rules. `check` verifies it; every change goes through `_book`, which keeps it.

Every change takes the round's lock first (`lock_round`). A new photo is scored incrementally
from the state the rules need, kept as rows in the same transaction: how often each pair met
(PairMeeting), how often each player met anyone (Standing.meetings) and the spots each player
scored (SpotClaim). So scoring one photo reads a fixed number of rows, however big the round.
The full replay stays for `check` and `rescore`, and `rescore` rebuilds that state.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from koppelkiek.game.events import Event, Notice, StandingsChanged
from koppelkiek.game.models import (
    Meeting,
    PairMeeting,
    Photo,
    Player,
    Round,
    ScoreEntry,
    SpotClaim,
    Standing,
    StorySpot,
)
from koppelkiek.game.rounds import lock_round, next_seq
from koppelkiek.game.values import PhotoStatus
from koppelkiek.scoring import (
    Award,
    Before,
    Rules,
    ScoredPhoto,
    SpotHit,
    Tally,
    compensate,
    ledger_sums,
)
from koppelkiek.scoring import score as score_one
from koppelkiek.uploads import Position, distance_m


def rules_of(rnd: Round) -> Rules:
    return Rules(
        first_meeting=rnd.points_first_meeting,
        repeat_meeting=rnd.points_repeat_meeting,
        max_repeats=rnd.max_repeats,
        across_teams=rnd.points_across_teams,
        welcome=rnd.points_welcome,
    )


def spot_ids_at(spots: list[StorySpot], lat: float | None, lon: float | None) -> str:
    """The story spots whose radius holds this place, as stored on the photo ("3,7")."""
    if lat is None or lon is None:
        return ""
    here = Position(lat, lon)
    return ",".join(str(spot.id) for spot in sorted(spots, key=lambda s: s.id)
                    if distance_m(here, Position(spot.lat, spot.lon)) <= spot.radius_m)


def spots_hit(spots: list[StorySpot], photo: Photo) -> tuple[SpotHit, ...]:
    """The photo's spots with their current bonus; a deleted spot gives nothing."""
    ids = photo.spot_ids
    if ids is None:  # not yet fixed (a photo from before spots were stored)
        ids = spot_ids_at(spots, photo.lat, photo.lon)
    wanted = {int(i) for i in ids.split(",") if i}
    return tuple(SpotHit(spot.id, spot.bonus) for spot in sorted(spots, key=lambda s: s.id)
                 if spot.id in wanted)


def spots_of(session: Session, rnd: Round) -> list[StorySpot]:
    return list(session.scalars(select(StorySpot).where(
        StorySpot.neighbourhood_id == rnd.neighbourhood_id)))


def accepted_photos(session: Session, rnd: Round) -> list[ScoredPhoto]:
    """The facts of every accepted photo, in the order they were scored (the lock's order)."""
    spots = spots_of(session, rnd)
    rows = session.execute(
        select(Photo, Meeting)
        .join(Meeting, Meeting.id == Photo.meeting_id)
        .where(Photo.round_id == rnd.id, Photo.status == PhotoStatus.ACCEPTED)
        .order_by(Photo.accepted_seq, Photo.id)
    ).all()
    teams = dict(session.execute(
        select(Player.id, Player.team).join(Standing, Standing.player_id == Player.id)
        .where(Standing.round_id == rnd.id)).all())
    return [
        ScoredPhoto(photo.id, meeting.player_a_id, meeting.player_b_id,
                    teams.get(meeting.player_a_id), teams.get(meeting.player_b_id),
                    spots_hit(spots, photo))
        for photo, meeting in rows
    ]


def forfeited(session: Session, round_id: int) -> set[int]:
    """Players banned with their points reversed: they still met people, but score nothing."""
    return set(session.scalars(select(Standing.player_id).where(
        Standing.round_id == round_id, Standing.forfeited.is_(True))))


def target_awards(session: Session, rnd: Round,
                  photos: list[ScoredPhoto] | None = None) -> list[Award]:
    """What the ledger must add up to: a full replay, less what forfeited players would get."""
    out = forfeited(session, rnd.id)
    if photos is None:
        photos = accepted_photos(session, rnd)
    tally = Tally(rules_of(rnd))
    return [a for photo in photos for a in tally.add(photo) if a.player_id not in out]


def _current_sums(session: Session, round_id: int) -> dict[tuple[int, int, str, int | None], int]:
    rows = session.execute(
        select(ScoreEntry.player_id, ScoreEntry.photo_id, ScoreEntry.reason, ScoreEntry.spot_id,
               func.sum(ScoreEntry.points))
        .where(ScoreEntry.round_id == round_id)
        .group_by(ScoreEntry.player_id, ScoreEntry.photo_id, ScoreEntry.reason,
                  ScoreEntry.spot_id)
    ).all()
    return {(p, ph or 0, r, s): int(total) for p, ph, r, s, total in rows if total}


def _book(session: Session, rnd: Round, awards: list[Award], standings: list[Standing],
          now: datetime, seq: int, reverses: bool = False) -> dict[int, int]:
    """Write ledger entries and move the given standings by the same amounts."""
    delta: dict[int, int] = defaultdict(int)
    for award in awards:
        session.add(ScoreEntry(
            round_id=rnd.id, player_id=award.player_id, points=award.points,
            reason=award.reason, photo_id=award.photo_id or None, spot_id=award.spot_id,
            reverses=reverses, seq=seq, created_at=now,
        ))
        delta[award.player_id] += award.points
    for standing in standings:
        standing.points += delta.get(standing.player_id, 0)
        if delta.get(standing.player_id):
            standing.last_scored_at = now
    session.flush()
    return dict(delta)


@dataclass(frozen=True)
class Scored:
    awards: list[Award]
    events: list[Event]


def _facts(session: Session, rnd: Round, photo: Photo, meeting: Meeting) -> ScoredPhoto:
    teams = dict(session.execute(select(Player.id, Player.team).where(
        Player.id.in_([meeting.player_a_id, meeting.player_b_id]))).all())
    return ScoredPhoto(photo.id, meeting.player_a_id, meeting.player_b_id,
                       teams.get(meeting.player_a_id), teams.get(meeting.player_b_id),
                       spots_hit(spots_of(session, rnd), photo))


def lock(session: Session, rnd: Round) -> None:
    """The round's lock, then its rules as they are now (unless the caller is changing them)."""
    lock_round(session, rnd.id)
    if not session.is_modified(rnd):
        session.refresh(rnd)


def score_photo(session: Session, rnd: Round, photo: Photo, now: datetime) -> Scored:
    """Award the points for a photo that was just accepted (same transaction as the photo).

    Reads only the rows this photo touches: the pair, the two standings and their spot claims.
    """
    lock(session, rnd)
    seq = next_seq(session, rnd.id, "photo_scored", now)
    photo.accepted_at = photo.accepted_at or now
    photo.accepted_seq = seq
    meeting = session.get(Meeting, photo.meeting_id)
    assert meeting is not None
    this = _facts(session, rnd, photo, meeting)
    a, b = this.player_a, this.player_b
    low, high = this.pair
    # Rows loaded before the lock may be stale: read them again.
    pair = session.get(PairMeeting, (rnd.id, low, high), populate_existing=True)
    standing = {s.player_id: s for s in session.scalars(select(Standing).where(
        Standing.round_id == rnd.id, Standing.player_id.in_([a, b]))
        .execution_options(populate_existing=True))}
    spot_ids = [spot.spot_id for spot in this.spots]
    claimed = frozenset(session.execute(select(SpotClaim.player_id, SpotClaim.spot_id).where(
        SpotClaim.round_id == rnd.id, SpotClaim.player_id.in_([a, b]),
        SpotClaim.spot_id.in_(spot_ids)))) if spot_ids else frozenset()
    outcome = score_one(this, rules_of(rnd), Before(
        pair.meetings if pair else 0, standing[a].meetings, standing[b].meetings, claimed))
    awards = [x for x in outcome.awards if not standing[x.player_id].forfeited]
    if outcome.counted:
        if pair is None:
            session.add(PairMeeting(round_id=rnd.id, player_low=low, player_high=high,
                                    meetings=1))
        else:
            pair.meetings += 1
        for pid in (a, b):
            standing[pid].meetings += 1
        session.add_all(SpotClaim(round_id=rnd.id, player_id=p, spot_id=s)
                        for p, s in outcome.claims)
    delta = _book(session, rnd, awards, list(standing.values()), now, seq)
    names = dict(session.execute(select(Player.id, Player.display_name).where(
        Player.id.in_([a, b]))).all())
    breakdown = [{"reason": x.reason, "points": x.points} for x in awards]
    events: list[Event] = [StandingsChanged(rnd.id, seq, tuple(delta), {
        "photo_id": photo.id, "names": [names[a], names[b]],
        "points": delta.get(a, 0)})]
    for pid in (a, b):
        mine = [d for x, d in zip(awards, breakdown, strict=True) if x.player_id == pid]
        events.append(Notice(pid, "points", {"photo_id": photo.id, "points": delta.get(pid, 0),
                                             "breakdown": mine,
                                             "names": [names[this.player_a],
                                                       names[this.player_b]]}))
    return Scored(awards, events)


def _rebuild_state(session: Session, rnd: Round, tally: Tally) -> None:
    """The incremental state, as a full replay leaves it."""
    session.execute(delete(PairMeeting).where(PairMeeting.round_id == rnd.id))
    session.execute(delete(SpotClaim).where(SpotClaim.round_id == rnd.id))
    session.add_all(PairMeeting(round_id=rnd.id, player_low=low, player_high=high, meetings=n)
                    for (low, high), n in tally.pair_meetings().items())
    session.add_all(SpotClaim(round_id=rnd.id, player_id=p, spot_id=s)
                    for p, s in tally.spots_claimed())


def rescore(session: Session, rnd: Round, now: datetime, kind: str = "rescore",
            seq: int | None = None) -> list[Event]:
    """Bring the ledger to a full replay under the current rules, by compensating entries,
    and rebuild the incremental state. With `seq` (already handed out by the caller) the
    answer always carries that seq, so no seq goes unpublished."""
    lock(session, rnd)
    photos = accepted_photos(session, rnd)
    out = forfeited(session, rnd.id)
    tally = Tally(rules_of(rnd))
    target = [a for photo in photos for a in tally.add(photo) if a.player_id not in out]
    fixes = compensate(_current_sums(session, rnd.id), target)
    _rebuild_state(session, rnd, tally)
    met = tally.meetings()
    standings = list(session.scalars(select(Standing).where(Standing.round_id == rnd.id)
                                     .execution_options(populate_existing=True)))
    changed_meetings = set()
    for standing in standings:
        if standing.meetings != met.get(standing.player_id, 0):
            standing.meetings = met.get(standing.player_id, 0)
            changed_meetings.add(standing.player_id)
    session.flush()
    if not fixes and not changed_meetings:
        return [] if seq is None else [StandingsChanged(rnd.id, seq, (), {})]
    if seq is None:
        seq = next_seq(session, rnd.id, kind, now)
    delta = _book(session, rnd, fixes, standings, now, seq, reverses=True)
    return [StandingsChanged(rnd.id, seq, tuple(set(delta) | changed_meetings), {})]


@dataclass(frozen=True)
class Difference:
    player_id: int
    standing: int
    ledger: int
    replay: int


def check(session: Session, rnd: Round) -> list[Difference]:
    """Standings = sum of the ledger = full replay; the players where that fails."""
    standing = dict(session.execute(select(Standing.player_id, Standing.points).where(
        Standing.round_id == rnd.id)).all())
    ledger = {k: int(v) for k, v in session.execute(
        select(ScoreEntry.player_id, func.sum(ScoreEntry.points))
        .where(ScoreEntry.round_id == rnd.id).group_by(ScoreEntry.player_id)).all()}
    target: dict[int, int] = defaultdict(int)
    for award in target_awards(session, rnd):
        target[award.player_id] += award.points
    keys = set(standing) | set(ledger) | set(target)
    return [
        Difference(pid, standing.get(pid, 0), ledger.get(pid, 0), target.get(pid, 0))
        for pid in sorted(keys)
        if not standing.get(pid, 0) == ledger.get(pid, 0) == target.get(pid, 0)
    ]


def ledger_matches_keys(session: Session, rnd: Round) -> bool:
    """Per (player, photo, reason, spot) the ledger equals the replay: no hidden offsets."""
    target = ledger_sums(target_awards(session, rnd))
    return _current_sums(session, rnd.id) == {k: v for k, v in target.items() if v}


def state_matches(session: Session, rnd: Round) -> bool:
    """The incremental state (pairs, meetings per player, spot claims) equals a replay's."""
    tally = Tally(rules_of(rnd))
    for photo in accepted_photos(session, rnd):
        tally.add(photo)
    pairs = {(lo, hi): n for lo, hi, n in session.execute(
        select(PairMeeting.player_low, PairMeeting.player_high, PairMeeting.meetings)
        .where(PairMeeting.round_id == rnd.id))}
    claims = set(session.execute(select(SpotClaim.player_id, SpotClaim.spot_id)
                                 .where(SpotClaim.round_id == rnd.id)))
    met = {p: n for p, n in session.execute(select(Standing.player_id, Standing.meetings)
                                            .where(Standing.round_id == rnd.id)) if n}
    return (pairs == tally.pair_meetings() and claims == tally.spots_claimed()
            and met == tally.meetings())
