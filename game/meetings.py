"""Meetings: B claims A's pairing code, and the two have met."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from koppelkiek.game.errors import GameError
from koppelkiek.game.events import Event, MeetingMade, Notice
from koppelkiek.game.models import Meeting, PairingCode, Player, Round
from koppelkiek.game.pairing import CLAIM_GRACE, Fix, by_code
from koppelkiek.game.players import participation
from koppelkiek.game.rounds import check_playing
from koppelkiek.uploads.location import Position, distance_m

POSITION_MAX_AGE = timedelta(minutes=2)


@dataclass(frozen=True)
class Claimed:
    meeting: Meeting
    created: bool
    events: list[Event]


def open_meeting(session: Session, round_id: int, a: int, b: int, now: datetime) -> Meeting | None:
    return session.scalar(
        select(Meeting)
        .where(
            Meeting.round_id == round_id,
            or_(
                (Meeting.player_a_id == a) & (Meeting.player_b_id == b),
                (Meeting.player_a_id == b) & (Meeting.player_b_id == a),
            ),
            Meeting.photo_due_by > now,
        )
        .order_by(Meeting.met_at.desc())
        .limit(1)
    )


def _fix_of(code: PairingCode) -> Fix | None:
    if code.lat is None or code.lon is None or code.accuracy_m is None:
        return None
    return Fix(code.lat, code.lon, code.accuracy_m)


def owner_fix(session: Session, code: PairingCode, now: datetime) -> Fix | None:
    """Where the code's owner was, sent when a code was issued or refreshed, at most
    POSITION_MAX_AGE ago: this code's position, or a fresher one of their newer codes."""
    if now - code.issued_at <= POSITION_MAX_AGE and _fix_of(code) is not None:
        return _fix_of(code)
    newer = session.scalar(
        select(PairingCode).where(
            PairingCode.player_id == code.player_id, PairingCode.round_id == code.round_id,
            PairingCode.issued_at >= now - POSITION_MAX_AGE, PairingCode.lat.is_not(None),
            PairingCode.lon.is_not(None), PairingCode.accuracy_m.is_not(None))
        .order_by(PairingCode.issued_at.desc()).limit(1))
    return _fix_of(newer) if newer is not None else None


def _too_far(owner: Fix, claimer: Fix, rnd: Round) -> int | None:
    """Metres apart, when that is beyond the limit even allowing for both accuracies."""
    gap = distance_m(Position(owner.lat, owner.lon), Position(claimer.lat, claimer.lon))
    slack = gap - owner.accuracy_m - claimer.accuracy_m
    return round(gap) if slack > rnd.max_distance_m else None


def claim(
    session: Session,
    claimer: Player,
    typed_code: str,
    now: datetime,
    fix: Fix | None = None,
    started_at: datetime | None = None,
) -> Claimed:
    """B claims A's code. `started_at` is when B first opened the code, if B had to join first."""
    code = by_code(session, typed_code)
    if code is None:
        raise GameError("pairing_code_unknown")
    # A dead code looks unknown to anyone outside its round: guessing tells nothing.
    outsider = participation(session, claimer.id, code.round_id) is None
    if code.used_at is not None:
        raise GameError("pairing_code_unknown") if outsider else GameError(
            "pairing_code_used")
    seen_at = now
    if started_at is not None and now - CLAIM_GRACE <= started_at <= now:
        seen_at = started_at
    if code.revoked_at is not None:  # a card that was reprinted
        raise GameError("pairing_code_unknown") if outsider else GameError(
            "pairing_code_revoked")
    if not code.card and seen_at >= code.expires_at:
        raise GameError("pairing_code_unknown") if outsider else GameError(
            "pairing_code_expired")
    if code.player_id == claimer.id:
        raise GameError("cannot_meet_yourself")
    owner = code.player
    rnd = code.round
    if (owner.banned or claimer.banned or outsider
            or participation(session, owner.id, rnd.id) is None):
        raise GameError("not_in_round")
    check_playing(rnd, now)
    # Both phones say where they are, or a script could claim codes from anywhere. A card
    # player has no phone: the scanning phone's position is the meeting's place.
    there = None if code.card else owner_fix(session, code, now)
    if fix is None or (there is None and not code.card):
        raise GameError("position_required", whose="yours" if fix is None else "partner")
    gap = _too_far(there, fix, rnd) if there is not None else None
    if gap is not None:
        raise GameError("too_far_apart", metres=gap, limit=rnd.max_distance_m)
    # Use the code up first, so two simultaneous claims cannot both win.
    used = session.execute(
        update(PairingCode)
        .where(PairingCode.id == code.id, PairingCode.used_at.is_(None),
               PairingCode.revoked_at.is_(None))
        .values(used_at=now)
    )
    if used.rowcount != 1:  # type: ignore[attr-defined]
        raise GameError("pairing_code_used")
    existing = open_meeting(session, rnd.id, owner.id, claimer.id, now)
    if existing is not None:
        return Claimed(existing, False, [])
    meeting = Meeting(
        round_id=rnd.id,
        player_a=owner,  # the objects, not their ids: the answer names the partner unloaded
        player_b=claimer,
        pairing_code_id=code.id,
        met_at=now,
        photo_due_by=now + timedelta(minutes=rnd.meeting_minutes),
        a_lat=there.lat if there else None,
        a_lon=there.lon if there else None,
        a_accuracy_m=there.accuracy_m if there else None,
        b_lat=fix.lat,
        b_lon=fix.lon,
        b_accuracy_m=fix.accuracy_m,
    )
    session.add(meeting)
    session.flush()
    due = meeting.photo_due_by.isoformat()
    events: list[Event] = [
        MeetingMade(rnd.id, meeting.id, owner.id, claimer.id),
        Notice(owner.id, "meeting", {"meeting_id": meeting.id, "partner": claimer.display_name,
                                     "photo_due_by": due}),
        Notice(claimer.id, "meeting", {"meeting_id": meeting.id, "partner": owner.display_name,
                                       "photo_due_by": due}),
    ]
    return Claimed(meeting, True, events)


def meetings_of(session: Session, player: Player, round_id: int, limit: int = 20) -> list[Meeting]:
    return list(
        session.scalars(
            select(Meeting)
            .where(
                Meeting.round_id == round_id,
                or_(Meeting.player_a_id == player.id, Meeting.player_b_id == player.id),
            )
            .order_by(Meeting.met_at.desc())
            .limit(limit)
        )
    )
