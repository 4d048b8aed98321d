"""Card players: residents without a smartphone, who play with a printed card of codes.

An organiser (or a desk volunteer logged into the console), or the CLI, adds one to a round.
Their card carries CARD_CODES pairing codes that do not expire: a phone claims one like any
other code (game.meetings.claim, only the phone's position needed), the phone takes the photo
and it scores for both. The desk records the card player's answer to the wall through the
phones' own consent use case. A reprint revokes the old card's codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from koppelkiek.game.audit import Actor, audit
from koppelkiek.game.codes import new_code
from koppelkiek.game.errors import GameError
from koppelkiek.game.models import PairingCode, Photo, Player, Round
from koppelkiek.game.outcome import Outcome
from koppelkiek.game.pairing import CODE_LENGTH
from koppelkiek.game.players import join, participation
from koppelkiek.game.playing import consent

CARD_CODES = 12


@dataclass(frozen=True)
class Card:
    """A card player and the codes printed on their current card."""

    player: Player
    round: Round
    codes: list[str]


def _print_codes(session: Session, player: Player, rnd: Round, now: datetime) -> list[str]:
    codes: list[str] = []
    while len(codes) < CARD_CODES:
        code = new_code(CODE_LENGTH)
        if code in codes or session.scalar(select(PairingCode.id).where(
                PairingCode.code == code)):
            continue
        codes.append(code)
        # expires_at only records the round's end: a card code lives until used or revoked.
        session.add(PairingCode(code=code, round_id=rnd.id, player_id=player.id, issued_at=now,
                                expires_at=rnd.ends_at, card=True))
    session.flush()
    return codes


def card_codes(session: Session, player: Player, rnd: Round) -> list[PairingCode]:
    """The codes on the player's current card, in print order (used ones included)."""
    return list(session.scalars(
        select(PairingCode).where(PairingCode.player_id == player.id,
                                  PairingCode.round_id == rnd.id, PairingCode.card.is_(True),
                                  PairingCode.revoked_at.is_(None))
        .order_by(PairingCode.id)))


def card_player(session: Session, rnd: Round, player_id: int) -> Player:
    """A card player of this round; anyone else is not found here."""
    player = session.get(Player, player_id)
    if (player is None or not player.on_card or player.erased_at is not None
            or participation(session, player.id, rnd.id) is None):
        raise GameError("not_found")
    return player


def add_card_player(session: Session, actor: Actor, rnd: Round, *, display_name: str | None,
                    team: str | None, now: datetime) -> Outcome[Card]:
    """A resident without a smartphone joins, under the same name rules as a phone; the
    device token and recovery code that joining makes are never handed out."""
    joined = join(session, rnd, display_name=display_name, team=team, now=now)
    player = joined.player
    player.on_card = True
    codes = _print_codes(session, player, rnd, now)
    audit(session, actor, "card_player_add", now, neighbourhood_id=rnd.neighbourhood_id,
          round=rnd.id, player=player.id, name=player.display_name)
    return Outcome(Card(player, rnd, codes), tuple(joined.events))


def reprint_card(session: Session, actor: Actor, rnd: Round, player_id: int,
                 now: datetime) -> Outcome[Card]:
    """Fresh codes; every code of the old card stops working (a used one still says used)."""
    player = card_player(session, rnd, player_id)
    if player.banned:
        raise GameError("not_in_round")
    session.execute(update(PairingCode).where(
        PairingCode.player_id == player.id, PairingCode.round_id == rnd.id,
        PairingCode.card.is_(True), PairingCode.revoked_at.is_(None)).values(revoked_at=now))
    codes = _print_codes(session, player, rnd, now)
    audit(session, actor, "card_reprint", now, neighbourhood_id=rnd.neighbourhood_id,
          round=rnd.id, player=player.id)
    return Outcome(Card(player, rnd, codes))


def desk_consent(session: Session, actor: Actor, rnd: Round, player_id: int, photo_id: int,
                 show: bool, now: datetime) -> Outcome[Photo]:
    """The desk asked the card player about a photo on the wall and records the answer."""
    player = card_player(session, rnd, player_id)
    photo = session.get(Photo, photo_id)
    if photo is None or photo.round_id != rnd.id:
        raise GameError("not_found")
    answered = consent(session, player, photo_id, show, now)
    audit(session, actor, "card_consent", now, neighbourhood_id=rnd.neighbourhood_id,
          round=rnd.id, player=player.id, photo=photo_id, show=show)
    return answered
