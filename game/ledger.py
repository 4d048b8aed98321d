"""Points: the append-only ledger and the standings kept in step with it, in one transaction.

Invariant: standings = the sum of the ledger = a full replay of accepted photos under the
round's rules. `check` verifies it; every change goes through `_book`, which keeps it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from game.events import Event, Notice, StandingsChanged
from game.models import Meeting, Photo, Player, Round, ScoreEntry, Standing, StorySpot
from game.rounds import next_seq
from scoring import Award, Rules, ScoredPhoto, SpotHit, Tally, compensate, ledger_sums, replay
from uploads import Position, distance_m


def rules_of(rnd: Round) -> Rules:
    return Rules(
        first_meeting=rnd.points_first_meeting,
        repeat_meeting=rnd.points_repeat_meeting,
        max_repeats=rnd.max_repeats,
        across_teams=rnd.points_across_teams,
        welcome=rnd.points_welcome,
    )


def spots_hit(spots: list[StorySpot], photo: Photo) -> tuple[SpotHit, ...]:
    if photo.lat is None or photo.lon is None:
        return ()
    here = Position(photo.lat, photo.lon)
    return tuple(
        SpotHit(spot.id, spot.bonus)
        for spot in spots
        if distance_m(here, Position(spot.lat, spot.lon)) <= spot.radius_m
    )


def accepted_photos(session: Session, rnd: Round) -> list[ScoredPhoto]:
    """The facts of every accepted photo, in the order they were accepted."""
    spots = list(session.scalars(select(StorySpot).where(
        StorySpot.neighbourhood_id == rnd.neighbourhood_id)))
    rows = session.execute(
        select(Photo, Meeting)
        .join(Meeting, Meeting.id == Photo.meeting_id)
        .where(Photo.round_id == rnd.id, Photo.status == "accepted")
        .order_by(Photo.accepted_at, Photo.id)
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
    return [a for a in replay(photos, rules_of(rnd)) if a.player_id not in out]


def _current_sums(session: Session, round_id: int) -> dict[tuple[int, int, str, int | None], int]:
    rows = session.execute(
        select(ScoreEntry.player_id, ScoreEntry.photo_id, ScoreEntry.reason, ScoreEntry.spot_id,
               func.sum(ScoreEntry.points))
        .where(ScoreEntry.round_id == round_id)
        .group_by(ScoreEntry.player_id, ScoreEntry.photo_id, ScoreEntry.reason,
                  ScoreEntry.spot_id)
    ).all()
    return {(p, ph or 0, r, s): int(total) for p, ph, r, s, total in rows if total}


def _book(session: Session, rnd: Round, awards: list[Award], meetings: dict[int, int],
          now: datetime, kind: str, reverses: bool = False) -> tuple[int, dict[int, int]]:
    """Write ledger entries and move standings by the same amounts; returns the new seq."""
    seq = next_seq(session, rnd.id, kind, now)
    delta: dict[int, int] = defaultdict(int)
    for award in awards:
        session.add(ScoreEntry(
            round_id=rnd.id, player_id=award.player_id, points=award.points,
            reason=award.reason, photo_id=award.photo_id or None, spot_id=award.spot_id,
            reverses=reverses, seq=seq, created_at=now,
        ))
        delta[award.player_id] += award.points
    touched = set(delta) | set(meetings)
    for standing in session.scalars(select(Standing).where(
            Standing.round_id == rnd.id, Standing.player_id.in_(touched))):
        standing.points += delta.get(standing.player_id, 0)
        if standing.player_id in meetings:
            standing.meetings = meetings[standing.player_id]
        if delta.get(standing.player_id):
            standing.last_scored_at = now
    session.flush()
    return seq, dict(delta)


@dataclass(frozen=True)
class Scored:
    awards: list[Award]
    events: list[Event]


def score_photo(session: Session, rnd: Round, photo: Photo, now: datetime) -> Scored:
    """Award the points for a photo that was just accepted (same transaction as the photo)."""
    photo.accepted_at = photo.accepted_at or now
    session.flush()
    photos = accepted_photos(session, rnd)
    earlier = [p for p in photos if p.photo_id != photo.id]
    this = next(p for p in photos if p.photo_id == photo.id)
    tally = Tally(rules_of(rnd))
    for past in earlier:
        tally.add(past)
    out = forfeited(session, rnd.id)
    awards = [a for a in tally.add(this) if a.player_id not in out]
    met = tally.meetings()
    meetings = {pid: met.get(pid, 0) for pid in (this.player_a, this.player_b)}
    seq, delta = _book(session, rnd, awards, meetings, now, "photo_scored")
    names = dict(session.execute(select(Player.id, Player.display_name).where(
        Player.id.in_([this.player_a, this.player_b]))).all())
    breakdown = [{"reason": a.reason, "points": a.points} for a in awards]
    events: list[Event] = [StandingsChanged(rnd.id, seq, tuple(delta), {
        "photo_id": photo.id, "names": [names[this.player_a], names[this.player_b]],
        "points": delta.get(this.player_a, 0)})]
    for pid in (this.player_a, this.player_b):
        mine = [b for a, b in zip(awards, breakdown, strict=True) if a.player_id == pid]
        events.append(Notice(pid, "points", {"photo_id": photo.id, "points": delta.get(pid, 0),
                                             "breakdown": mine,
                                             "names": [names[this.player_a],
                                                       names[this.player_b]]}))
    return Scored(awards, events)


def rescore(session: Session, rnd: Round, now: datetime, kind: str = "rescore") -> list[Event]:
    """Bring the ledger to a full replay under the current rules, by compensating entries."""
    photos = accepted_photos(session, rnd)
    fixes = compensate(_current_sums(session, rnd.id), target_awards(session, rnd, photos))
    tally = Tally(rules_of(rnd))
    for photo in photos:
        tally.add(photo)
    met = tally.meetings()
    players = list(session.scalars(select(Standing.player_id).where(Standing.round_id == rnd.id)))
    meetings = {pid: met.get(pid, 0) for pid in players}
    changed_meetings = {
        s.player_id for s in session.scalars(select(Standing).where(Standing.round_id == rnd.id))
        if s.meetings != meetings[s.player_id]
    }
    if not fixes and not changed_meetings:
        return []
    seq, delta = _book(session, rnd, fixes, meetings, now, kind, reverses=True)
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
