"""Moderation decisions on photos; each changes points only through compensating entries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from game.errors import GameError
from game.events import Event, Notice, PhotoChanged, PhotoSubmitted
from game.ledger import lock, rescore
from game.models import Photo, Round
from game.photos import on_wall
from game.rounds import next_seq

DECISIONS = {"approve": "accepted", "reject": "rejected"}


def decide(session: Session, photo: Photo, decision: str, now: datetime,
           reason: str | None = None) -> list[Event]:
    """Approve or reject (or undo either by deciding again); the ledger follows by replay."""
    if decision not in DECISIONS:
        raise GameError("bad_request")
    status = DECISIONS[decision]
    rnd = session.get(Round, photo.round_id)
    assert rnd is not None
    lock(session, rnd)  # before reading the photo's status: two decisions queue up here
    session.refresh(photo)
    if photo.status == status:
        return []
    was_on_wall = on_wall(photo)
    photo.status = status
    photo.reason = reason if status == "rejected" else None
    seq = None
    if status == "accepted" and photo.accepted_seq is None:
        # Its place in the scoring order is now, under the lock; an undo keeps that place.
        seq = next_seq(session, rnd.id, f"photo_{decision}", now)
        photo.accepted_at, photo.accepted_seq = photo.accepted_at or now, seq
    session.flush()
    events: list[Event] = list(rescore(session, rnd, now, kind=f"photo_{decision}", seq=seq))
    if was_on_wall != on_wall(photo):
        seq = next_seq(session, rnd.id, "photo_wall", now, photo.id)
        events.append(PhotoChanged(rnd.id, seq, photo.id, on_wall(photo)))
    events.append(PhotoSubmitted(rnd.id, photo.id))
    meeting = photo.meeting
    for pid in (meeting.player_a_id, meeting.player_b_id):
        events.append(Notice(pid, "moderation", {"photo_id": photo.id, "status": status,
                                                 "reason": photo.reason}))
    return events
