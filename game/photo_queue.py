"""The organiser's queue of a round's photos, newest first, from one joined query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, aliased

from koppelkiek.game.models import Meeting, Photo, PhotoImage, Player
from koppelkiek.game.values import ImageKind

QUEUE_SIZE = 200


@dataclass(frozen=True)
class QueuedPhoto:
    id: int
    status: str  # PhotoStatus
    reason: str | None
    names: tuple[str, str]  # A (showed the code), B (claimed it)
    taken_at: datetime
    lat: float | None
    lon: float | None
    accuracy_m: float | None
    location_source: str | None  # LocationSource
    flags: tuple[str, ...]
    thumb_hash: str | None  # None: its images were deleted


def photo_queue(session: Session, round_id: int, limit: int = QUEUE_SIZE) -> list[QueuedPhoto]:
    a, b = aliased(Player), aliased(Player)
    thumb = aliased(PhotoImage)
    rows = session.execute(
        select(Photo.id, Photo.status, Photo.reason, a.display_name, b.display_name,
               Photo.taken_at, Photo.lat, Photo.lon, Photo.accuracy_m, Photo.location_source,
               Photo.flags, thumb.content_hash)
        .join(Meeting, Meeting.id == Photo.meeting_id)
        .join(a, a.id == Meeting.player_a_id)
        .join(b, b.id == Meeting.player_b_id)
        .outerjoin(thumb, and_(thumb.photo_id == Photo.id, thumb.kind == ImageKind.THUMB))
        .where(Photo.round_id == round_id)
        .order_by(Photo.created_at.desc(), Photo.id.desc()).limit(limit))
    return [QueuedPhoto(photo_id, status, reason, (name_a, name_b), taken_at, lat, lon, accuracy,
                        source, tuple(f for f in flags.split(",") if f), thumb_hash)
            for (photo_id, status, reason, name_a, name_b, taken_at, lat, lon, accuracy, source,
                 flags, thumb_hash) in rows]
