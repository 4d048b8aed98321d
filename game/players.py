"""Players: joining a round, device tokens and recovery codes, and who is asking."""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from game.codes import digest, new_code, normalise
from game.errors import GameError
from game.events import Event, StandingsChanged
from game.models import Participation, Player, Round, Standing
from game.rounds import can_join, next_seq

NAME_MAX = 24
TEAM_MAX = 40
RECOVERY_LENGTH = 12
# Joiners that some scripts need; every other control or format character is refused.
_ALLOWED_FORMAT = {"\u200c", "\u200d"}


@dataclass(frozen=True)
class Joined:
    player: Player
    token: str
    recovery_code: str
    events: list[Event]


def clean_name(raw: str | None, *, limit: int, code: str) -> str:
    text = unicodedata.normalize("NFC", raw or "")
    for ch in text:
        if unicodedata.category(ch).startswith("C") and ch not in _ALLOWED_FORMAT:
            raise GameError(code, 422, reason="control")
    text = " ".join(text.split())
    if not 1 <= len(text) <= limit:
        raise GameError(code, 422, reason="length", limit=limit)
    return text


def name_key(name: str) -> str:
    return unicodedata.normalize("NFKC", name).casefold()


def new_secret() -> str:
    return secrets.token_urlsafe(24)


def _token(player: Player, secret: str) -> str:
    return f"{player.id}.{secret}"


def format_recovery(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def _new_recovery(session: Session) -> tuple[str, str]:
    while True:
        code = new_code(RECOVERY_LENGTH)
        hashed = digest(code)
        if not session.scalar(select(Player.id).where(Player.recovery_code_hash == hashed)):
            return code, hashed


def join(
    session: Session,
    rnd: Round,
    *,
    display_name: str | None,
    team: str | None,
    now: datetime,
    language: str | None = None,
    device: Player | None = None,
) -> Joined:
    """A new player joins. `device` is whoever this phone already is (cookie or token): one
    phone is one player per round, so a second name for the same round is refused."""
    can_join(rnd)
    if device is not None and participation(session, device.id, rnd.id) is not None:
        raise GameError("already_joined", 409, name=device.display_name)
    name = clean_name(display_name, limit=NAME_MAX, code="display_name_invalid")
    team_name = clean_name(team, limit=TEAM_MAX, code="team_invalid") if team else None
    key = name_key(name)
    taken = session.scalar(
        select(Player.id).where(
            Player.neighbourhood_id == rnd.neighbourhood_id, Player.name_key == key
        )
    )
    if taken:
        raise GameError("display_name_taken", 409, name=name)
    secret = new_secret()
    recovery, recovery_hash = _new_recovery(session)
    player = Player(
        neighbourhood_id=rnd.neighbourhood_id,
        display_name=name,
        name_key=key,
        team=team_name,
        language=language if language in ("nl", "en") else None,
        device_secret_hash=digest(secret),
        recovery_code_hash=recovery_hash,
        banned=False,
        created_at=now,
    )
    session.add(player)
    session.flush()
    events = _take_part(session, player, rnd, now)
    return Joined(player, _token(player, secret), format_recovery(recovery), events)


def _take_part(session: Session, player: Player, rnd: Round, now: datetime) -> list[Event]:
    """In the round, with a standing of 0 from the start so the leaderboard knows everyone.

    A new row on the board is a change of standings, so it takes a seq like any other.
    """
    part = Participation(round_id=rnd.id, player_id=player.id, joined_at=now)
    session.add(part)
    session.flush()
    session.add(Standing(round_id=rnd.id, player_id=player.id, points=0, meetings=0,
                         joined_order=part.id))
    seq = next_seq(session, rnd.id, "player_joined", now)
    return [StandingsChanged(rnd.id, seq, (player.id,), {})]


def enter_round(session: Session, player: Player, rnd: Round, now: datetime) -> list[Event]:
    """A known player joins another round of their neighbourhood; idempotent."""
    if player.neighbourhood_id != rnd.neighbourhood_id or player.banned:
        raise GameError("not_in_round", 403)
    if participation(session, player.id, rnd.id):
        return []
    can_join(rnd)
    return _take_part(session, player, rnd, now)


def participation(session: Session, player_id: int, round_id: int) -> Participation | None:
    return session.scalar(
        select(Participation).where(
            Participation.player_id == player_id, Participation.round_id == round_id
        )
    )


def current_round(session: Session, player: Player) -> Round | None:
    """The newest round a player joined that has not ended, else the newest one."""
    rounds = list(
        session.scalars(
            select(Round)
            .join(Participation, Participation.round_id == Round.id)
            .where(Participation.player_id == player.id)
            .order_by(Participation.joined_at.desc(), Round.id.desc())
        )
    )
    for rnd in rounds:
        if rnd.state != "ended":
            return rnd
    return rounds[0] if rounds else None


def by_token(session: Session, token: str | None) -> Player | None:
    if not token or "." not in token:
        return None
    pid, _, secret = token.partition(".")
    if not pid.isdigit() or not secret:
        return None
    player = session.get(Player, int(pid))
    if player is None or not secrets.compare_digest(player.device_secret_hash, digest(secret)):
        return None
    return player


def recover(session: Session, typed_code: str) -> tuple[Player, str]:
    """A new phone: the recovery code gives a new device token; the old device is signed out."""
    code = normalise(typed_code)
    player = session.scalar(select(Player).where(Player.recovery_code_hash == digest(code)))
    if player is None:
        raise GameError("recovery_code_unknown", 404)
    secret = new_secret()
    player.device_secret_hash = digest(secret)
    session.flush()
    return player, _token(player, secret)


def reissue_recovery(session: Session, player: Player) -> str:
    """For a resident who lost their phone: a new code, and the old device's session stops."""
    code, hashed = _new_recovery(session)
    player.recovery_code_hash = hashed
    player.device_secret_hash = digest(new_secret())
    session.flush()
    return format_recovery(code)
