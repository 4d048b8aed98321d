"""The album to keep: what a round built, read anew from the database on every download.

Nothing is stored between downloads, so a consent withdrawn or a player erased since the last
one is already respected: the photos are the public wall's (game/wall.py: both agreed and
moderation allows it), the web hides every name without such a photo (game/web.py), and a
story's teller is named only with their agreement (game/spots.py `teller_of`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from koppelkiek.game.audit import Actor, audit
from koppelkiek.game.models import Round, StorySpot
from koppelkiek.game.outcome import Outcome
from koppelkiek.game.spots import list_spots, teller_of
from koppelkiek.game.wall import WallPhoto, whole_wall
from koppelkiek.game.web import MeetingWeb, meeting_web


@dataclass(frozen=True)
class AlbumStory:
    spot: StorySpot  # its name and story are read in the album's language by the caller
    teller: str | None  # "verteld door ...": only a teller who agreed to be named


@dataclass(frozen=True)
class Album:
    round: Round
    web: MeetingWeb  # the figures and the web, names only where a photo is on the wall
    photos: tuple[WallPhoto, ...]  # in the order they were taken
    stories: tuple[AlbumStory, ...]


def album_of(session: Session, rnd: Round) -> Album:
    stories = tuple(AlbumStory(spot, teller_of(spot))
                    for spot in list_spots(session, rnd.neighbourhood))
    return Album(rnd, meeting_web(session, rnd.id), tuple(whole_wall(session, rnd.id)), stories)


def print_album(session: Session, actor: Actor, rnd: Round, now: datetime) -> Outcome[Album]:
    """The album for the organiser to print; each download is a line in the audit log."""
    album = album_of(session, rnd)
    audit(session, actor, "export", now, neighbourhood_id=rnd.neighbourhood_id, round=rnd.id,
          format="album_print", locations=False, photos=len(album.photos))
    return Outcome(album)
