"""What a use case hands back: its result and the events to publish once it is committed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from koppelkiek.game.events import Event

T = TypeVar("T")


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """The caller commits, then publishes `events`: listeners must be able to read them."""

    value: T
    events: tuple[Event, ...] = ()
