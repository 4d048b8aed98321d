"""Photo uploads in flight: at most IN_FLIGHT per player, counted in the database.

A slot is a row under a unique (player, slot) constraint, so two server processes that race
for the last slot cannot both win. A slot whose holder died (kill -9) is taken over once it
is older than any upload may last, or freed at once by the restarted server (`forget`).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from koppelkiek.game.models import UploadSlot

IN_FLIGHT = 2


def take_slot(sessions: Callable[[], Session], player_id: int, holder: str, now: datetime,
              stale_after: timedelta) -> int | None:
    """The id of a slot taken for this player, or None when all are in use.

    Each try commits on its own (a short transaction of its own session), so a lost race
    costs nothing of the caller's work.
    """
    for slot in range(IN_FLIGHT):
        with sessions() as session:
            session.execute(delete(UploadSlot).where(
                UploadSlot.player_id == player_id, UploadSlot.slot == slot,
                UploadSlot.started_at < now - stale_after))
            row = UploadSlot(player_id=player_id, slot=slot, holder=holder, started_at=now)
            session.add(row)
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                continue
            return row.id
    return None


def free_slot(sessions: Callable[[], Session], slot_id: int) -> None:
    with sessions() as session:
        session.execute(delete(UploadSlot).where(UploadSlot.id == slot_id))
        session.commit()


def holder() -> str:
    """This process, as named on the upload slots it holds."""
    return f"{socket.gethostname()}:{os.getpid()}"[:80]


def forget_dead(session: Session) -> int:
    """Free the slots whose holder was a process of this host that is gone (a server killed
    with uploads in flight, now restarted), so its players are not told to wait."""
    host = socket.gethostname()
    dead = []
    for name in session.scalars(select(UploadSlot.holder).distinct()):
        where, _, pid = name.rpartition(":")
        if where == host and pid.isdigit() and not _alive(int(pid)):
            dead.append(name)
    if not dead:
        return 0
    result = session.execute(delete(UploadSlot).where(UploadSlot.holder.in_(dead)))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # a predecessor that had our pid
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
