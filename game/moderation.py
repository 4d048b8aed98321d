"""Moderation decisions on photos; each changes points only through compensating entries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from koppelkiek.game.audit import Actor, audit
from koppelkiek.game.errors import GameError
from koppelkiek.game.events import Event, Notice, PhotoChanged, PhotoSubmitted
from koppelkiek.game.ledger import lock, rescore
from koppelkiek.game.models import Organiser, Photo, Round, ScoreEntry
from koppelkiek.game.outcome import Outcome
from koppelkiek.game.rounds import next_seq
from koppelkiek.game.values import PhotoStatus

DECISIONS = {"approve": PhotoStatus.ACCEPTED, "reject": PhotoStatus.REJECTED}


def decide(session: Session, photo: Photo, decision: str, now: datetime,
           reason: str | None = None, by: Organiser | None = None) -> list[Event]:
    """Approve or reject (or undo either by deciding again); the ledger follows by replay.
    `by` is recorded as who decided; deciding again what stands changes nothing."""
    if decision not in DECISIONS:
        raise GameError("bad_request")
    status = DECISIONS[decision]
    rnd = session.get(Round, photo.round_id)
    assert rnd is not None
    lock(session, rnd)  # before reading the photo's status: two decisions queue up here
    session.refresh(photo)
    if photo.status == status:
        return []
    was_on_wall = photo.on_wall
    photo.status = status
    photo.reason = reason if status == PhotoStatus.REJECTED else None
    photo.decided_by = by.id if by else None
    seq = None
    if status == PhotoStatus.ACCEPTED and photo.accepted_seq is None:
        # Its place in the scoring order is now, under the lock; an undo keeps that place.
        seq = next_seq(session, rnd.id, f"photo_{decision}", now)
        photo.accepted_at, photo.accepted_seq = photo.accepted_at or now, seq
    session.flush()
    events: list[Event] = list(rescore(session, rnd, now, kind=f"photo_{decision}", seq=seq))
    if was_on_wall != photo.on_wall:
        seq = next_seq(session, rnd.id, "photo_wall", now, photo.id)
        events.append(PhotoChanged(rnd.id, seq, photo.id, photo.on_wall))
    events.append(PhotoSubmitted(rnd.id, photo.id))
    meeting = photo.meeting
    for pid in (meeting.player_a_id, meeting.player_b_id):
        points = decision_points(session, rnd.id, pid, {photo.id: status}).get(photo.id, 0)
        events.append(Notice(pid, "moderation", {
            "photo_id": photo.id, "meeting_id": meeting.id, "status": status,
            "reason": photo.reason, "points": points,
            "partner": meeting.partner_of(pid).display_name}))
    return events


def decision_points(session: Session, round_id: int, player_id: int,
                    photos: dict[int, str]) -> dict[int, int]:
    """What the last decision on each photo (id -> status) did to one player's points, from
    the ledger: for a rejected photo the points it took back (negative; 0 if the photo never
    counted), for an accepted one the points the photo gives now. One query for all."""
    if not photos:
        return {}
    rows = session.execute(
        select(ScoreEntry.photo_id, ScoreEntry.seq, func.sum(ScoreEntry.points))
        .where(ScoreEntry.round_id == round_id, ScoreEntry.player_id == player_id,
               ScoreEntry.photo_id.in_(list(photos)))
        .group_by(ScoreEntry.photo_id, ScoreEntry.seq)
        .order_by(ScoreEntry.seq.desc())).all()
    found: dict[int, int] = {}
    for photo_id, _seq, total in rows:
        if photos[photo_id] == PhotoStatus.ACCEPTED:
            found[photo_id] = found.get(photo_id, 0) + int(total)
        elif int(total) < 0 and photo_id not in found:
            found[photo_id] = int(total)  # the newest take-back: the rejection's
    return found


def decide_photo(session: Session, actor: Actor, rnd: Round, photo_id: int, decision: str,
                 reason: str | None, now: datetime) -> Outcome[Photo]:
    """An organiser's decision on a photo of their round."""
    photo = session.get(Photo, photo_id)
    if photo is None or photo.round_id != rnd.id:
        raise GameError("not_found")
    events = decide(session, photo, decision, now, reason, by=actor.organiser)
    audit(session, actor, f"photo_{decision}", now, neighbourhood_id=rnd.neighbourhood_id,
          round=rnd.id, photo=photo.id, reason=reason)
    return Outcome(photo, tuple(events))
