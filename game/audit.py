"""Who does a write, and the audit log that every organiser's write adds a line to."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from koppelkiek.game.models import AuditEntry, Organiser


@dataclass(frozen=True)
class Actor:
    """Who does an organiser's write: an organiser in the console, or the CLI at the server,
    which the audit log shows without an organiser and with `via`. (A player's own writes,
    game/playing.py, take the player and are not in this log.)"""

    organiser: Organiser | None = None
    via: str | None = None


CONSOLE = Actor(via="cli")


def audit(session: Session, actor: Actor, action: str, now: datetime, *,
          neighbourhood_id: int | None = None, **detail: object) -> None:
    """One line for an organiser's (or the CLI's) action."""
    if actor.via is not None:
        detail["via"] = actor.via
    session.add(AuditEntry(
        organiser_id=actor.organiser.id if actor.organiser else None,
        neighbourhood_id=neighbourhood_id,
        at=now,
        action=action,
        detail=json.dumps(detail, default=str, ensure_ascii=False),
    ))


def audit_log(session: Session, organiser: Organiser, limit: int = 200) -> list[AuditEntry]:
    hood_ids = [h.id for h in organiser.neighbourhoods]
    return list(
        session.scalars(
            select(AuditEntry)
            .where(
                (AuditEntry.organiser_id == organiser.id)
                | AuditEntry.neighbourhood_id.in_(hood_ids)
            )
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .limit(limit)
        )
    )
