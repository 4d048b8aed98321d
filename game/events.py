"""Domain events that use cases return; the web layer publishes them after commit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class RoundChanged:
    round_id: int
    seq: int
    state: str
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class Notice:
    """A private message to one player's phone."""

    player_id: int
    kind: str
    data: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class MeetingMade:
    round_id: int
    meeting_id: int
    player_a_id: int
    player_b_id: int


@dataclass(frozen=True)
class StandingsChanged:
    """Points moved; `players` changed. `scored` describes the photo that did it, if any."""

    round_id: int
    seq: int
    players: tuple[int, ...]
    scored: dict[str, object]


@dataclass(frozen=True)
class PhotoChanged:
    """A photo joined or left the public wall."""

    round_id: int
    seq: int
    photo_id: int
    on_wall: bool


@dataclass(frozen=True)
class PhotoSubmitted:
    """A photo arrived or was decided on: organisers' queues refresh."""

    round_id: int
    photo_id: int


Event = RoundChanged | Notice | MeetingMade | StandingsChanged | PhotoChanged | PhotoSubmitted
