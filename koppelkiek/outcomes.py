"""The end of every write: commit the use case's transaction, then publish its events."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy.orm import Session

from koppelkiek import realtime
from koppelkiek.db import session as db_session
from koppelkiek.game.outcome import Outcome

T = TypeVar("T")


def commit(outcome: Outcome[T], session: Session | None = None) -> T:
    """Commit (the request's session unless given one), then publish: never before the commit,
    or a listener could read what is not yet there. Returns the outcome's value."""
    (session or db_session()).commit()
    realtime.publish(outcome.events)
    return outcome.value
