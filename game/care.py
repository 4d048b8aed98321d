"""Player care: rename, ban, a new recovery code, erase a player's data, purge a round's photos."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from koppelkiek.game.audit import Actor, audit
from koppelkiek.game.codes import digest
from koppelkiek.game.errors import GameError
from koppelkiek.game.events import Event, PhotoChanged, StandingsChanged
from koppelkiek.game.ledger import lock, rescore
from koppelkiek.game.models import (
    Meeting,
    PairingCode,
    Participation,
    Photo,
    PhotoImage,
    Player,
    Round,
    ScoreEntry,
    SpotProposal,
    Standing,
    UploadAttempt,
)
from koppelkiek.game.names import name_key, skeleton
from koppelkiek.game.outcome import Outcome
from koppelkiek.game.players import new_name as checked_name
from koppelkiek.game.players import new_secret, reissue_recovery
from koppelkiek.game.rounds import next_seq
from koppelkiek.game.values import RoundState

FORMER_PLAYER = "Oud-speler"


def _rounds_of(session: Session, player: Player) -> list[Round]:
    return list(session.scalars(select(Round).join(
        Participation, Participation.round_id == Round.id).where(
        Participation.player_id == player.id).order_by(Round.id)))


def _lock_rounds(session: Session, player: Player) -> None:
    """Every round the player is in, in id order (so two of these never wait on each other),
    before anything that points depend on changes."""
    for rnd in _rounds_of(session, player):
        lock(session, rnd)


def _board_changed(session: Session, player: Player, now: datetime, kind: str) -> list[Event]:
    """Every round the player is in hears that its board changed."""
    return [StandingsChanged(rnd.id, next_seq(session, rnd.id, kind, now), (player.id,), {})
            for rnd in _rounds_of(session, player)]


def rename(session: Session, player: Player, new_name: str, now: datetime) -> list[Event]:
    name = checked_name(session, player.neighbourhood_id, new_name, but=player.id)
    _lock_rounds(session, player)
    player.display_name, player.name_key = name, name_key(name)
    player.name_skeleton = skeleton(name)
    session.flush()
    return _board_changed(session, player, now, "player_renamed")


def _forfeit(session: Session, player: Player, value: bool, now: datetime) -> list[Event]:
    session.execute(update(Standing).where(Standing.player_id == player.id)
                    .values(forfeited=value))
    events: list[Event] = []
    for rnd in _rounds_of(session, player):
        events.extend(rescore(session, rnd, now, kind="player_forfeit"))
    return events


def ban(session: Session, player: Player, reverse_points: bool, now: datetime) -> list[Event]:
    """Codes stop working and new photos are refused; points stay or are reversed."""
    _lock_rounds(session, player)
    player.banned = True
    session.execute(delete(PairingCode).where(PairingCode.player_id == player.id,
                                              PairingCode.used_at.is_(None)))
    session.flush()
    events = _forfeit(session, player, True, now) if reverse_points else []
    return events or _board_changed(session, player, now, "player_banned")


def unban(session: Session, player: Player, now: datetime) -> list[Event]:
    """Undo a ban, and give back reversed points (through new entries)."""
    _lock_rounds(session, player)
    player.banned = False
    session.flush()
    return _forfeit(session, player, False, now) or _board_changed(
        session, player, now, "player_unbanned")


def _photos_of(session: Session, player: Player) -> list[Photo]:
    return list(session.scalars(select(Photo).join(Meeting, Meeting.id == Photo.meeting_id)
                                .where(or_(Meeting.player_a_id == player.id,
                                           Meeting.player_b_id == player.id))))


def _drop_images(session: Session, photos: list[Photo], now: datetime) -> list[Event]:
    events: list[Event] = []
    for photo in photos:
        was_shown = photo.on_wall
        session.execute(delete(PhotoImage).where(PhotoImage.photo_id == photo.id))
        photo.purged_at = photo.purged_at or now
        photo.lat = photo.lon = photo.accuracy_m = None
        session.flush()
        if was_shown:
            seq = next_seq(session, photo.round_id, "photo_removed", now, photo.id)
            events.append(PhotoChanged(photo.round_id, seq, photo.id, False))
    return events


def erase(session: Session, player: Player, now: datetime) -> list[Event]:
    """Delete my data: photos go, the name becomes 'Oud-speler'; ledger entries stay, so
    partners keep their points and the invariant holds."""
    if player.erased_at is not None:
        return []
    _lock_rounds(session, player)
    events = _drop_images(session, _photos_of(session, player), now)
    session.execute(update(Meeting).where(Meeting.player_a_id == player.id)
                    .values(a_lat=None, a_lon=None, a_accuracy_m=None))
    session.execute(update(Meeting).where(Meeting.player_b_id == player.id)
                    .values(b_lat=None, b_lon=None, b_accuracy_m=None))
    session.execute(delete(PairingCode).where(PairingCode.player_id == player.id,
                                              PairingCode.used_at.is_(None)))
    session.execute(update(PairingCode).where(PairingCode.player_id == player.id)
                    .values(lat=None, lon=None, accuracy_m=None))
    session.execute(delete(UploadAttempt).where(UploadAttempt.player_id == player.id))
    # Their stories go too; a spot made of one stays, and no longer names them (teller_of).
    session.execute(delete(SpotProposal).where(SpotProposal.proposer_id == player.id))
    player.display_name = FORMER_PLAYER
    player.name_key = player.name_skeleton = f"#erased-{player.id}"
    player.language = None
    player.erased_at = now
    # Every device and the recovery code stop working.
    player.device_secret_hash = digest(new_secret())
    player.recovery_code_hash = digest(f"erased-{player.id}-{new_secret()}")
    session.flush()
    return events + _board_changed(session, player, now, "player_erased")


def purge_round_photos(session: Session, rnd: Round, now: datetime) -> list[Event]:
    """After an ended round: all its images go; standings and the ledger stay."""
    if rnd.state != RoundState.ENDED:
        raise GameError("round_not_ended")
    photos = list(session.scalars(select(Photo).where(Photo.round_id == rnd.id,
                                                      Photo.purged_at.is_(None))))
    return _drop_images(session, photos, now)


def my_data(session: Session, player: Player) -> dict[str, Any]:
    """Everything we keep about a player, for them to download."""
    rounds = []
    for rnd in _rounds_of(session, player):
        standing = session.get(Standing, (rnd.id, player.id))
        entries = session.scalars(select(ScoreEntry).where(
            ScoreEntry.round_id == rnd.id, ScoreEntry.player_id == player.id)
            .order_by(ScoreEntry.id))
        meetings = session.scalars(select(Meeting).where(
            Meeting.round_id == rnd.id,
            or_(Meeting.player_a_id == player.id, Meeting.player_b_id == player.id)))
        rounds.append({
            "round": {"id": rnd.id, "name": rnd.name},
            "points": standing.points if standing else 0,
            "meetings": [{
                "id": m.id,
                "met_at": m.met_at.isoformat(),
                "partner": m.partner_of(player.id).display_name,
            } for m in meetings],
            "score_entries": [{"points": e.points, "reason": e.reason, "photo_id": e.photo_id,
                               "at": e.created_at.isoformat()} for e in entries],
        })
    photos = [{
        "id": p.id, "status": p.status, "taken_at": p.taken_at.isoformat(),
        "location_source": p.location_source, "on_wall": p.on_wall,
        "my_consent": p.consent_of(player.id),
        "images": [i.content_hash for i in p.images],
    } for p in _photos_of(session, player)]
    return {
        "player": {"id": player.id, "display_name": player.display_name, "team": player.team,
                   "language": player.language, "joined": player.created_at.isoformat()},
        "rounds": rounds,
        "photos": photos,
        "note": "Photos are kept only as the derived images listed; originals were never kept.",
    }


# The organiser's care of a player in one of their rounds: each a use case with its audit line.

def player_in(session: Session, rnd: Round, player_id: int) -> Player:
    """A player who plays in the round; anyone else looks like nobody."""
    player = session.get(Player, player_id)
    if player is None or session.get(Standing, (rnd.id, player_id)) is None:
        raise GameError("not_found")
    return player


def _cared(session: Session, actor: Actor, action: str, rnd: Round, player: Player,
           now: datetime, events: list[Event], **detail: object) -> Outcome[Player]:
    audit(session, actor, action, now, neighbourhood_id=rnd.neighbourhood_id, round=rnd.id,
          player=player.id, **detail)
    return Outcome(player, tuple(events))


def rename_player(session: Session, actor: Actor, rnd: Round, player_id: int, new_name: str,
                  now: datetime) -> Outcome[Player]:
    player = player_in(session, rnd, player_id)
    old = player.display_name
    events = rename(session, player, new_name, now)
    return _cared(session, actor, "player_rename", rnd, player, now, events, old=old,
                  new=player.display_name)


def ban_player(session: Session, actor: Actor, rnd: Round, player_id: int,
               reverse_points: bool, now: datetime) -> Outcome[Player]:
    player = player_in(session, rnd, player_id)
    events = ban(session, player, reverse_points, now)
    return _cared(session, actor, "player_ban", rnd, player, now, events,
                  reverse_points=reverse_points)


def unban_player(session: Session, actor: Actor, rnd: Round, player_id: int,
                 now: datetime) -> Outcome[Player]:
    player = player_in(session, rnd, player_id)
    return _cared(session, actor, "player_unban", rnd, player, now, unban(session, player, now))


def new_recovery_code(session: Session, actor: Actor, rnd: Round, player_id: int,
                      now: datetime) -> Outcome[str]:
    """A new recovery code, shown once to the organiser, who hands it over in person."""
    player = player_in(session, rnd, player_id)
    code = reissue_recovery(session, player)
    _cared(session, actor, "player_recovery_reissued", rnd, player, now, [])
    return Outcome(code)


def erase_player(session: Session, actor: Actor, rnd: Round, player_id: int,
                 now: datetime) -> Outcome[Player]:
    player = player_in(session, rnd, player_id)
    return _cared(session, actor, "player_erase", rnd, player, now, erase(session, player, now))


def purge_photos(session: Session, actor: Actor, rnd: Round, now: datetime) -> Outcome[int]:
    """All images of an ended round; the number of photos taken off the wall."""
    events = purge_round_photos(session, rnd, now)
    audit(session, actor, "round_purge", now, neighbourhood_id=rnd.neighbourhood_id,
          round=rnd.id, photos=len(events))
    return Outcome(len(events), tuple(events))
