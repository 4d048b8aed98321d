"""What a player does from their phone: join, show a code, meet, agree to the wall, leave.

Each write is one use case that returns an Outcome; the actor is the player (or, to join, the
phone's player so far, if any). Players' own writes are not in the organisers' audit log.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from koppelkiek.game.care import erase
from koppelkiek.game.meetings import Claimed, claim
from koppelkiek.game.models import Meeting, PairingCode, Photo, Player, Round, UploadAttempt
from koppelkiek.game.outcome import Outcome
from koppelkiek.game.pairing import Fix, issue_code
from koppelkiek.game.photos import record_photo, set_consent
from koppelkiek.game.players import Joined, enter_round, join, recover
from koppelkiek.game.values import LANGUAGES
from koppelkiek.uploads import Intake, Position


def join_round(session: Session, device: Player | None, rnd: Round, *, display_name: str | None,
               team: str | None, language: str | None, now: datetime) -> Outcome[Joined]:
    """A new player; `device` is who this phone already is (one phone, one player a round)."""
    joined = join(session, rnd, display_name=display_name, team=team, now=now,
                  language=language, device=device)
    return Outcome(joined, tuple(joined.events))


def enter(session: Session, player: Player, rnd: Round, now: datetime) -> Outcome[Round]:
    """A known player enters another round of their neighbourhood."""
    return Outcome(rnd, tuple(enter_round(session, player, rnd, now)))


def show_code(session: Session, player: Player, rnd: Round, now: datetime,
              fix: Fix | None) -> Outcome[PairingCode]:
    return Outcome(issue_code(session, player, rnd, now, fix))


def meet(session: Session, player: Player, code: str, now: datetime, fix: Fix | None,
         started_at: datetime | None) -> Outcome[Claimed]:
    claimed = claim(session, player, code, now, fix, started_at=started_at)
    return Outcome(claimed, tuple(claimed.events))


def send_photo(session: Session, player: Player, meeting: Meeting, intake: Intake,
               browser: Position | None, key: str | None, now: datetime) -> Outcome[Photo]:
    """The photo of a meeting, scored; `key` (Idempotency-Key) answers a retry with it."""
    recorded = record_photo(session, player, meeting, intake, browser, now)
    if key is not None:
        session.add(UploadAttempt(player_id=player.id, key=key, photo_id=recorded.photo.id,
                                  created_at=now))
    return Outcome(recorded.photo, tuple(recorded.events))


def consent(session: Session, player: Player, photo_id: int, show: bool,
            now: datetime) -> Outcome[Photo]:
    events = set_consent(session, player, photo_id, show, now)
    photo = session.get(Photo, photo_id)
    assert photo is not None  # set_consent refused an unknown one
    return Outcome(photo, tuple(events))


def forget_me(session: Session, player: Player, now: datetime) -> Outcome[Player]:
    """Delete my data: photos go, the name becomes 'Oud-speler'; partners keep their points."""
    return Outcome(player, tuple(erase(session, player, now)))


def speak(player: Player, language: str) -> Outcome[Player]:
    """The player picks the language of their pages; an unknown one changes nothing."""
    if language in LANGUAGES:
        player.language = language
    return Outcome(player)


def new_phone(session: Session, recovery_code: str) -> Outcome[tuple[Player, str]]:
    """The recovery code gives this phone a new device token; the old phone is signed out."""
    return Outcome(recover(session, recovery_code))
