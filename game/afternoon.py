"""A resident's own afternoon: who they met, their photos, for their "my afternoon" page and card.

The page is made to be shown and shared, so it follows the public wall's rule for names: a
neighbour is named only when a photo of the two of them is on the wall (both agreed and
moderation allows it); every other neighbour is "a neighbour". Erased partners are left out.
Photos are the player's own accepted ones whose images are still here: a partner who erased
their data took the photo with them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from koppelkiek.game.models import Meeting, Photo, Player
from koppelkiek.game.photos import image, removed
from koppelkiek.game.values import ImageKind, PhotoStatus


@dataclass(frozen=True)
class Met:
    name: str | None  # None: no photo of the two on the wall, so "a neighbour"
    meetings: int


@dataclass(frozen=True)
class MyPhoto:
    id: int
    taken_at: datetime
    display_hash: str
    thumb_hash: str
    on_wall: bool
    partner: str | None  # only when the photo is on the wall


@dataclass(frozen=True)
class Afternoon:
    met: tuple[Met, ...]  # named neighbours first, then by first meeting
    photos: tuple[MyPhoto, ...]  # in the order they were taken

    @property
    def neighbours(self) -> int:
        return len(self.met)


def my_afternoon(session: Session, player: Player, round_id: int) -> Afternoon:
    """The player's own afternoon in one round; nothing of anyone else's beyond the wall."""
    rows = session.execute(
        select(Meeting, Photo)
        .outerjoin(Photo, Photo.meeting_id == Meeting.id)
        .where(Meeting.round_id == round_id,
               or_(Meeting.player_a_id == player.id, Meeting.player_b_id == player.id))
        .options(selectinload(Photo.images))
        .order_by(Meeting.met_at, Meeting.id)).all()
    counts: dict[int, int] = {}
    named: dict[int, str] = {}
    photos: list[MyPhoto] = []
    for meeting, photo in rows:
        partner = meeting.partner_of(player.id)
        if partner.erased_at is not None:
            continue
        counts[partner.id] = counts.get(partner.id, 0) + 1
        if photo is None or photo.status != PhotoStatus.ACCEPTED or removed(photo):
            continue
        if photo.on_wall:
            named[partner.id] = partner.display_name
        photos.append(MyPhoto(photo.id, photo.taken_at,
                              image(photo, ImageKind.DISPLAY).content_hash,
                              image(photo, ImageKind.THUMB).content_hash, photo.on_wall,
                              partner.display_name if photo.on_wall else None))
    order = sorted(counts, key=lambda pid: pid not in named)  # stable: first meeting next
    met = tuple(Met(named.get(pid), counts[pid]) for pid in order)
    return Afternoon(met, tuple(sorted(photos, key=lambda p: (p.taken_at, p.id))))
