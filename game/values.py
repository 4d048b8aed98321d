"""The allowed values of the game's string columns, as StrEnums.

The columns stay strings (no migration): a StrEnum member is equal to its string, so rows
read back as plain strings compare equal to these members, and JSON shows the string.
"""

from __future__ import annotations

from enum import StrEnum

from koppelkiek.uploads import LocationSource

__all__ = [
    "BrowserOnlyPhotos",
    "LANGUAGES",
    "ImageKind",
    "LeaderboardMode",
    "LocationSource",
    "ModerationMode",
    "PhotoStatus",
    "RoundState",
    "Side",
    "TimeSource",
]


# The languages a player or neighbourhood can have, Dutch first (the default).
LANGUAGES: tuple[str, ...] = ("nl", "en", "tr", "ar", "pl")


class RoundState(StrEnum):
    """draft → live ⇄ paused → ended (game.rounds.TRANSITIONS)."""

    DRAFT = "draft"
    LIVE = "live"
    PAUSED = "paused"
    ENDED = "ended"


class PhotoStatus(StrEnum):
    ACCEPTED = "accepted"
    PENDING_REVIEW = "pending_review"
    REJECTED = "rejected"


class ProposalStatus(StrEnum):
    """A resident's story spot proposal (game/proposals.py)."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class LeaderboardMode(StrEnum):
    VISIBLE = "visible"
    HIDDEN = "hidden"
    FROZEN = "frozen"  # shows the board as it was when frozen, until revealed


class ModerationMode(StrEnum):
    POST = "post"  # points at once; an organiser can reverse them
    PRE = "pre"  # hidden until approved


class BrowserOnlyPhotos(StrEnum):
    """What happens to a photo whose place came only from the browser."""

    ACCEPT = "accept"
    REVIEW = "review"
    REFUSE = "refuse"


class TimeSource(StrEnum):
    EXIF = "exif"
    UPLOAD = "upload"


class ImageKind(StrEnum):
    DISPLAY = "display"  # ≤1600 px
    THUMB = "thumb"  # ≤400 px


class Side(StrEnum):
    """A meeting's two sides: A showed the code, B claimed it."""

    A = "a"
    B = "b"
