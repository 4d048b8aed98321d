"""Players: joining a round, device tokens and recovery codes, and who is asking."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from koppelkiek.game.codes import digest, new_code, normalise
from koppelkiek.game.errors import GameError
from koppelkiek.game.events import Event, StandingsChanged
from koppelkiek.game.models import ROW_ID_MAX, Participation, Player, Round, Standing
from koppelkiek.game.names import clean_name, name_key, skeleton, visible_part
from koppelkiek.game.rounds import can_join, next_seq
from koppelkiek.game.teams import canonical_team
from koppelkiek.game.values import LANGUAGES, RoundState

NAME_MAX = 24
TEAM_MAX = 40
RECOVERY_LENGTH = 12


@dataclass(frozen=True)
class Joined:
    player: Player
    token: str
    recovery_code: str
    events: list[Event]


def name_taken(session: Session, neighbourhood_id: int, name: str,
               but: int | None = None) -> bool:
    """Taken when another player of the neighbourhood has the same name, in any case,
    or one that looks the same (the TR39 skeleton)."""
    found = select(Player.id).where(
        Player.neighbourhood_id == neighbourhood_id,
        (Player.name_key == name_key(name)) | (Player.name_skeleton == skeleton(name)))
    if but is not None:
        found = found.where(Player.id != but)
    return session.scalar(found.limit(1)) is not None


def new_name(session: Session, neighbourhood_id: int, raw: str | None,
             but: int | None = None) -> str:
    """A display name to take: visible, and not a look-alike of another player's."""
    try:
        name = clean_name(raw, limit=NAME_MAX, code="display_name_invalid")
    except GameError as exc:
        # "Fatma" with an invisible character added is her name, not a blank one: say taken.
        if (exc.params.get("reason") == "invisible" and raw and len(raw) <= 4 * NAME_MAX
                and "\x00" not in raw and name_taken(session, neighbourhood_id, raw, but)):
            raise GameError("display_name_taken", name=visible_part(raw)) from None
        raise
    if name_taken(session, neighbourhood_id, name, but):
        raise GameError("display_name_taken", name=name)
    return name


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
        raise GameError("already_joined", name=device.display_name)
    name = new_name(session, rnd.neighbourhood_id, display_name)
    team_name = clean_name(team, limit=TEAM_MAX, code="team_invalid") if team else None
    if team_name is not None:
        team_name = canonical_team(session, rnd.neighbourhood_id, team_name)
    secret = new_secret()
    recovery, recovery_hash = _new_recovery(session)
    player = Player(
        neighbourhood_id=rnd.neighbourhood_id,
        display_name=name,
        name_key=name_key(name),
        name_skeleton=skeleton(name),
        team=team_name,
        language=language if language in LANGUAGES else None,
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
        raise GameError("not_in_round")
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
        if rnd.state != RoundState.ENDED:
            return rnd
    return rounds[0] if rounds else None


def by_token(session: Session, token: str | None) -> Player | None:
    if not token or "." not in token:
        return None
    pid, _, secret = token.partition(".")
    if not pid.isdecimal() or not secret or int(pid) > ROW_ID_MAX:
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
        raise GameError("recovery_code_unknown")
    secret = new_secret()
    player.device_secret_hash = digest(secret)
    session.flush()
    return player, _token(player, secret)


def recovery_code_of(player: Player, kept: str | None) -> str | None:
    """The code a phone kept, if it still gets this player back in (a new code from the
    organiser, or the code used on another phone, makes a kept one stale)."""
    code = normalise(kept or "")
    if not code or not secrets.compare_digest(player.recovery_code_hash, digest(code)):
        return None
    return format_recovery(code)


def reissue_recovery(session: Session, player: Player) -> str:
    """For a resident who lost their phone: a new code, and the old device's session stops."""
    code, hashed = _new_recovery(session)
    player.recovery_code_hash = hashed
    player.device_secret_hash = digest(new_secret())
    session.flush()
    return format_recovery(code)
