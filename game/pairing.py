"""Pairing codes: single use, 60 s of life, renewed every 30 s while the code page is open."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, joinedload

from koppelkiek.game.codes import new_code, normalise, well_formed
from koppelkiek.game.errors import GameError
from koppelkiek.game.models import PairingCode, Player, Round
from koppelkiek.game.players import participation
from koppelkiek.game.values import RoundState

CODE_LENGTH = 6
LIFETIME = timedelta(seconds=60)
REFRESH_SECONDS = 30
# A scan that started while the code was fresh may finish after a join; but not forever.
# After that the code is deleted: it can no longer be claimed, and it held a position.
CLAIM_GRACE = timedelta(minutes=15)


@dataclass(frozen=True)
class Fix:
    """A phone's reported position and its accuracy in metres."""

    lat: float
    lon: float
    accuracy_m: float


def fix_from(lat: object, lon: object, accuracy: object) -> Fix | None:
    """A position only counts when all three parts are sensible numbers."""
    try:
        la, lo, acc = float(lat), float(lon), float(accuracy)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if not (-90 <= la <= 90 and -180 <= lo <= 180 and 0 <= acc <= 100_000):
        return None
    return Fix(la, lo, acc)


def issue_code(
    session: Session, player: Player, rnd: Round, now: datetime, fix: Fix | None = None
) -> PairingCode:
    if player.banned or participation(session, player.id, rnd.id) is None:
        raise GameError("not_in_round")
    if rnd.state == RoundState.ENDED:
        raise GameError("round_ended")
    forget_expired(session, player, now)
    code = new_code(CODE_LENGTH)
    while session.scalar(select(PairingCode.id).where(PairingCode.code == code)):
        code = new_code(CODE_LENGTH)
    pairing = PairingCode(
        code=code,
        round_id=rnd.id,
        player_id=player.id,
        issued_at=now,
        expires_at=now + LIFETIME,
        lat=fix.lat if fix else None,
        lon=fix.lon if fix else None,
        accuracy_m=fix.accuracy_m if fix else None,
    )
    session.add(pairing)
    session.flush()
    return pairing


def forget_expired(session: Session, player: Player, now: datetime) -> None:
    """Delete the player's codes whose grace has passed. Only their own: players renewing
    their codes at the same moment never wait on each other's rows."""
    session.execute(delete(PairingCode).where(PairingCode.player_id == player.id,
                                              PairingCode.expires_at < now - CLAIM_GRACE))


def live(code: PairingCode | None, now: datetime) -> bool:
    """Claimable: not used, not revoked, and fresh (a card's code stays fresh until used)."""
    return (code is not None and code.used_at is None and code.revoked_at is None
            and (code.card or now < code.expires_at))


def by_code(session: Session, typed: str) -> PairingCode | None:
    """The pairing code someone typed or scanned, however they wrote it; None if unknown."""
    code = normalise(typed)
    if not well_formed(code, CODE_LENGTH):
        return None
    # With its owner and round in the same statement: a claim reads both at once.
    return session.scalar(select(PairingCode).where(PairingCode.code == code).options(
        joinedload(PairingCode.player, innerjoin=True),
        joinedload(PairingCode.round, innerjoin=True)))


def owned_code(session: Session, player: Player, code: str) -> PairingCode | None:
    return session.scalar(
        select(PairingCode).where(PairingCode.code == code, PairingCode.player_id == player.id)
    )
