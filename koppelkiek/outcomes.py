"""The end of every write: commit the use case's transaction, then publish its events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from koppelkiek import realtime
from koppelkiek.darkroom import off_loop
from koppelkiek.db import session as db_session
from koppelkiek.game.outcome import Outcome

T = TypeVar("T")


def commit(outcome: Outcome[T], session: Session | None = None) -> T:
    """Commit (the request's session unless given one), then publish: never before the commit,
    or a listener could read what is not yet there. Returns the outcome's value."""
    (session or db_session()).commit()
    realtime.publish(outcome.events)
    return outcome.value


def settle(use_case: Callable[..., Outcome[T]], *args: Any, **kwargs: Any) -> T:
    """Run a write use case on the request's session and commit it beside the event loop,
    then publish on the loop. A SQLite writer that finds the lock taken (a photo being
    stored) sleeps in C until it is free: on the loop, that stopped every socket and request
    (the 1 % slow calls of the afternoon). Arguments are evaluated by the caller, on the loop."""
    s = db_session()

    def write() -> Outcome[T]:
        outcome = use_case(s, *args, **kwargs)
        s.commit()
        return outcome

    outcome = off_loop(write)
    realtime.publish(outcome.events)
    return outcome.value
