"""Organisers: accounts and which neighbourhoods they manage (the audit log: game/audit.py)."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from koppelkiek.game.errors import GameError
from koppelkiek.game.models import Neighbourhood, Organiser, OrganiserNeighbourhood, Round
from koppelkiek.game.outcome import Outcome

PASSWORD_MIN = 10
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def create_organiser(session: Session, email: str, password: str, now: datetime) -> Organiser:
    email = (email or "").strip().lower()
    if not _EMAIL.match(email) or len(email) > 254:
        raise GameError("email_invalid")
    if len(password or "") < PASSWORD_MIN:
        raise GameError("password_too_short", minimum=PASSWORD_MIN)
    if session.scalar(select(Organiser.id).where(Organiser.email == email)):
        raise GameError("organiser_exists")
    organiser = Organiser(
        email=email, password_hash=generate_password_hash(password), session_version=1,
        created_at=now,
    )
    session.add(organiser)
    session.flush()
    return organiser


def authenticate(session: Session, email: str, password: str) -> Organiser | None:
    organiser = session.scalar(
        select(Organiser).where(Organiser.email == (email or "").strip().lower())
    )
    if organiser is None or not check_password_hash(organiser.password_hash, password or ""):
        return None
    return organiser


def sign_out_everywhere(organiser: Organiser) -> Outcome[None]:
    """Every copy of the organiser's session cookie stops working, not just this one."""
    organiser.session_version += 1
    return Outcome(None)


def grant(session: Session, organiser: Organiser, hood: Neighbourhood) -> None:
    if hood not in organiser.neighbourhoods:
        organiser.neighbourhoods.append(hood)
        session.flush()


def manages(session: Session, organiser: Organiser, neighbourhood_id: int) -> bool:
    return bool(
        session.scalar(
            select(OrganiserNeighbourhood.organiser_id).where(
                OrganiserNeighbourhood.organiser_id == organiser.id,
                OrganiserNeighbourhood.neighbourhood_id == neighbourhood_id,
            )
        )
    )


def managed_neighbourhood(session: Session, organiser: Organiser, slug: str) -> Neighbourhood:
    """Someone else's neighbourhood looks exactly like one that does not exist."""
    hood = session.scalar(select(Neighbourhood).where(Neighbourhood.slug == slug))
    if hood is None or not manages(session, organiser, hood.id):
        raise GameError("not_found")
    return hood


def managed_round(session: Session, organiser: Organiser, round_id: int) -> Round:
    rnd = session.get(Round, round_id)
    if rnd is None or not manages(session, organiser, rnd.neighbourhood_id):
        raise GameError("not_found")
    return rnd
