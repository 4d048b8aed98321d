"""Moderation decisions on photos; each changes points only through compensating entries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from koppelkiek.game.audit import Actor, audit
from koppelkiek.game.errors import GameError
from koppelkiek.game.events import Event, Notice, PhotoChanged, PhotoSubmitted
from koppelkiek.game.ledger import lock, rescore
from koppelkiek.game.models import Organiser, Photo, Round
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
        events.append(Notice(pid, "moderation", {"photo_id": photo.id, "status": status,
                                                 "reason": photo.reason}))
    return events


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
