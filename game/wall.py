"""The public photo wall: photos both people agreed to show and that moderation allows.

One joined query reads a whole wall (the photo, both names and both image hashes), and one more
the round's story spots: the cost of a wall does not grow with its photos.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, select
from sqlalchemy.orm import Session, aliased

from koppelkiek.game.models import Meeting, Photo, PhotoImage, Player, Round, StorySpot
from koppelkiek.game.spots import excerpt, spot_at, teller_of
from koppelkiek.game.values import ImageKind
from koppelkiek.game.words import Words, in_language

WALL_SIZE = 24


@dataclass(frozen=True)
class WallSpot:
    id: int
    name: str
    excerpt: str
    words: Words | None = None  # the name and story in other languages (game/words.py)
    teller: str | None = None  # "told by ...": game/spots.py teller_of

    def in_language(self, lang: str | None) -> tuple[str, str]:
        """The name and excerpt in `lang`, the original where there is none."""
        story = (self.words or {}).get(lang or "", {}).get("story")
        return (in_language(self.name, self.words, lang, "name"),
                excerpt(story) if story else self.excerpt)


@dataclass(frozen=True)
class WallPhoto:
    id: int
    names: tuple[str, str]  # A (showed the code), B (claimed it)
    taken_at: datetime
    display_hash: str | None  # None: the image is gone (never expected on the wall)
    thumb_hash: str | None
    spot: WallSpot | None


def _query() -> Select[Any]:
    a, b = aliased(Player), aliased(Player)
    display, thumb = aliased(PhotoImage), aliased(PhotoImage)
    return (
        select(Photo.id, Photo.taken_at, Photo.lat, Photo.lon, a.display_name, b.display_name,
               display.content_hash, thumb.content_hash, Photo.round_id)
        .join(Meeting, Meeting.id == Photo.meeting_id)
        .join(a, a.id == Meeting.player_a_id)
        .join(b, b.id == Meeting.player_b_id)
        .outerjoin(display, and_(display.photo_id == Photo.id,
                                 display.kind == ImageKind.DISPLAY))
        .outerjoin(thumb, and_(thumb.photo_id == Photo.id, thumb.kind == ImageKind.THUMB))
        .where(Photo.on_wall)
    )


def _spots(session: Session, round_id: int) -> list[StorySpot]:
    return list(session.scalars(
        select(StorySpot).join(Round, Round.neighbourhood_id == StorySpot.neighbourhood_id)
        .where(Round.id == round_id)))


def _made(session: Session, round_id: int, rows: Any) -> list[WallPhoto]:
    # Spots only matter for photos with a place (an erased partner's photo has none).
    spots = _spots(session, round_id) if any(row.lat is not None for row in rows) else []
    found = []
    for photo_id, taken_at, lat, lon, name_a, name_b, display, thumb, _round in rows:
        spot = spot_at(spots, lat, lon)
        found.append(WallPhoto(photo_id, (name_a, name_b), taken_at, display, thumb,
                               WallSpot(spot.id, spot.name, excerpt(spot.story), spot.words,
                                        teller_of(spot))
                               if spot else None))
    return found


def wall(session: Session, round_id: int, limit: int = WALL_SIZE) -> list[WallPhoto]:
    """The round's wall, newest first."""
    rows = session.execute(_query().where(Photo.round_id == round_id)
                           .order_by(Photo.accepted_at.desc(), Photo.id.desc())
                           .limit(limit)).all()
    return _made(session, round_id, rows)


def wall_photo(session: Session, photo_id: int) -> WallPhoto | None:
    """One photo as the wall shows it; None when it is not (or no longer) on the wall."""
    row = session.execute(_query().where(Photo.id == photo_id)).first()
    return None if row is None else _made(session, row.round_id, [row])[0]


def whole_wall(session: Session, round_id: int) -> list[WallPhoto]:
    """Every photo on the round's wall, in the order they were taken: the album's pages."""
    rows = session.execute(_query().where(Photo.round_id == round_id)
                           .order_by(Photo.taken_at, Photo.id)).all()
    return _made(session, round_id, rows)
