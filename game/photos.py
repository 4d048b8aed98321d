"""Photos: a meeting becomes a verified photo, or a clear refusal. Scoring slots in here."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from koppelkiek.game.duplicates import add_bands, check_duplicates
from koppelkiek.game.errors import GameError
from koppelkiek.game.events import Event, Notice, PhotoChanged, PhotoSubmitted
from koppelkiek.game.ledger import score_photo, spot_ids_at, spots_of
from koppelkiek.game.models import Meeting, Photo, PhotoImage, Player, Round
from koppelkiek.game.moderation import decision_points
from koppelkiek.game.neighbourhoods import boundary_of
from koppelkiek.game.rounds import lock_round, next_seq
from koppelkiek.game.values import (
    BrowserOnlyPhotos,
    ImageKind,
    LocationSource,
    ModerationMode,
    PhotoStatus,
    TimeSource,
)
from koppelkiek.uploads import Intake, Position, choose_location, to_utc

EARLIEST_BEFORE_MEETING = timedelta(minutes=5)
LATEST_AFTER_NOW = timedelta(minutes=2)
DISAGREE_M = 200.0
REFUSALS_TO_CLOSE = 5  # refused photos after which a meeting takes no more attempts


@dataclass(frozen=True)
class Recorded:
    photo: Photo
    events: list[Event]


def signed64(value: int) -> int:
    return value - (1 << 64) if value >= (1 << 63) else value


def meeting_for_photo(session: Session, player: Player, meeting_id: int, now: datetime) -> Meeting:
    """Checks that need no image: run them before spending CPU on one."""
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise GameError("not_found")
    if meeting.side_of(player.id) is None:
        raise GameError("not_your_meeting")
    if player.banned:
        raise GameError("not_in_round")
    if session.scalar(select(Photo.id).where(Photo.meeting_id == meeting.id)):
        raise GameError("meeting_has_photo")
    if meeting.photo_refusals >= REFUSALS_TO_CLOSE:
        raise GameError("meeting_closed", refusals=REFUSALS_TO_CLOSE)
    if now > meeting.photo_due_by:
        raise GameError("meeting_expired")
    return meeting


def count_refusal(session: Session, meeting_id: int, now: datetime) -> None:
    """One more refused photo; the last one allowed closes the meeting (its photo time ends
    now, so the same two can meet again for a new meeting)."""
    session.execute(update(Meeting).where(Meeting.id == meeting_id)
                    .values(photo_refusals=Meeting.photo_refusals + 1))
    session.execute(update(Meeting).where(Meeting.id == meeting_id,
                                          Meeting.photo_refusals >= REFUSALS_TO_CLOSE,
                                          Meeting.photo_due_by > now)
                    .values(photo_due_by=now))


def _has_photo(session: Session, round_id: int, player_id: int) -> bool:
    # One indexed lookup per side of the meeting; an OR over both would read the round.
    for side in (Meeting.player_a_id, Meeting.player_b_id):
        if session.scalar(select(Photo.id).join(Meeting, Meeting.id == Photo.meeting_id)
                          .where(Meeting.round_id == round_id, side == player_id).limit(1)):
            return True
    return False


def record_photo(
    session: Session,
    player: Player,
    meeting: Meeting,
    intake: Intake,
    browser: Position | None,
    now: datetime,
) -> Recorded:
    """Check place, time and duplicates, then store the photo and its derived images.

    The round's lock comes first: the checks and the points below see every photo recorded
    before this one, in this process or another.
    """
    lock_round(session, meeting.round_id)
    rnd = session.get(Round, meeting.round_id, populate_existing=True)
    assert rnd is not None
    session.refresh(player)
    if player.banned:
        raise GameError("not_in_round")
    if session.scalar(select(Photo.id).where(Photo.meeting_id == meeting.id)):
        raise GameError("meeting_has_photo")
    hood = rnd.neighbourhood
    facts = intake.facts
    position, source, disagree = choose_location(
        facts.exif_position, browser, max_browser_accuracy_m=rnd.max_browser_accuracy_m,
        disagree_m=DISAGREE_M,
    )
    if position is None and rnd.require_location:
        raise GameError("no_location")
    if source == LocationSource.BROWSER and rnd.browser_only_photos == BrowserOnlyPhotos.REFUSE:
        raise GameError("photo_location_required")
    if position is not None and not boundary_of(hood.boundary_geojson).contains(
        position.lat, position.lon
    ):
        raise GameError("outside_neighbourhood")
    taken = to_utc(facts.taken_at, hood.timezone)
    time_source = TimeSource.EXIF if taken is not None else TimeSource.UPLOAD
    taken = taken or now
    earliest = max(meeting.met_at - EARLIEST_BEFORE_MEETING, rnd.starts_at)
    if not earliest <= taken <= min(now + LATEST_AFTER_NOW, rnd.ends_at + LATEST_AFTER_NOW):
        raise GameError("photo_not_from_meeting")
    dhash = signed64(facts.dhash)
    check_duplicates(session, rnd.id, facts.sha256, dhash)

    flags = []
    if source == LocationSource.BROWSER:
        flags.append("browser_location")
    if disagree:
        flags.append("positions_disagree")
    if not _has_photo(session, rnd.id, meeting.player_a_id) or not _has_photo(
        session, rnd.id, meeting.player_b_id
    ):
        flags.append("new_player")
    photo = Photo(
        round_id=rnd.id,
        meeting_id=meeting.id,
        uploader_id=player.id,
        sha256=facts.sha256,
        dhash=dhash,
        taken_at=taken,
        time_source=time_source,
        lat=position.lat if position else None,
        lon=position.lon if position else None,
        accuracy_m=position.accuracy_m if position else None,
        location_source=source,
        flags=",".join(flags),
        status=_first_status(rnd, source),
        spot_ids=spot_ids_at(spots_of(session, rnd), position.lat, position.lon)
        if position else "",
        created_at=now,
    )
    images = intake.images
    for kind, data, (width, height) in (
        (ImageKind.DISPLAY, images.display, images.display_size),
        (ImageKind.THUMB, images.thumb, images.thumb_size),
    ):
        photo.images.append(
            PhotoImage(kind=kind, content_hash=_content_hash(data), width=width, height=height,
                       data=data)
        )
    session.add(photo)
    session.flush()
    add_bands(session, photo)
    events: list[Event] = [
        Notice(pid, "photo", {"photo_id": photo.id, "meeting_id": meeting.id,
                              "status": photo.status})
        for pid in (meeting.player_a_id, meeting.player_b_id)
    ]
    events.append(PhotoSubmitted(rnd.id, photo.id))
    if photo.status == PhotoStatus.ACCEPTED:
        events.extend(score_photo(session, rnd, photo, now).events)
    # Each of the two decides about the big screen; points never depend on it.
    shown = image(photo, ImageKind.DISPLAY).content_hash
    events.extend(Notice(pid, "consent", {"photo_id": photo.id, "image": shown}) for pid in
                  (meeting.player_a_id, meeting.player_b_id))
    return Recorded(photo, events)


def _first_status(rnd: Round, source: LocationSource | None) -> PhotoStatus:
    """Pre-moderation, or a place only the browser vouches for under `review`: wait for a
    person; otherwise accepted at once."""
    if rnd.moderation_mode == ModerationMode.PRE:
        return PhotoStatus.PENDING_REVIEW
    if source == LocationSource.BROWSER and rnd.browser_only_photos == BrowserOnlyPhotos.REVIEW:
        return PhotoStatus.PENDING_REVIEW
    return PhotoStatus.ACCEPTED


def _content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def removed(photo: Photo) -> bool:
    """Its images are gone: a partner erased their data, or the round's photos were purged."""
    return photo.purged_at is not None or not photo.images


def image(photo: Photo, kind: ImageKind) -> PhotoImage:
    found = next((i for i in photo.images if i.kind == kind), None)
    if found is None:
        raise GameError("photo_removed")
    return found


def may_see(photo: Photo, player: Player | None) -> bool:
    return photo.on_wall or (player is not None
                             and photo.meeting.side_of(player.id) is not None)


def set_consent(session: Session, player: Player, photo_id: int, show: bool,
                now: datetime) -> list[Event]:
    """One of the two people says yes or no to the public wall; either can change their mind."""
    photo = session.get(Photo, photo_id)
    if photo is None:
        raise GameError("not_found")
    if photo.meeting.side_of(player.id) is None:
        raise GameError("not_found")
    if removed(photo):
        raise GameError("photo_removed")
    before = photo.on_wall
    photo.set_consent_of(player.id, show)
    session.flush()
    after = photo.on_wall
    if before == after:
        return []
    seq = next_seq(session, photo.round_id, "photo_wall", now, photo.id)
    return [PhotoChanged(photo.round_id, seq, photo.id, after)]


@dataclass(frozen=True)
class MyMeeting:
    meeting: Meeting
    partner: Player
    photo: Photo | None
    my_consent: bool | None
    # What an organiser's decision on the photo did to my points (see decision_points).
    points: int = 0

    @property
    def consent_open(self) -> bool:
        """A photo that may still go on the wall: not rejected, its images still here."""
        return (self.photo is not None and self.photo.status != PhotoStatus.REJECTED
                and not removed(self.photo))


def my_meetings(
    session: Session, player: Player, round_id: int, limit: int = 30
) -> list[MyMeeting]:
    """A player's meetings in a round, newest first, with their photo and their own consent."""
    rows = session.execute(
        select(Meeting, Photo)
        .outerjoin(Photo, Photo.meeting_id == Meeting.id)
        .where(Meeting.round_id == round_id,
               or_(Meeting.player_a_id == player.id, Meeting.player_b_id == player.id))
        .order_by(Meeting.met_at.desc()).limit(limit)
    ).all()
    decided = {photo.id: photo.status for _, photo in rows
               if photo is not None and (photo.decided_by is not None
                                         or photo.status == PhotoStatus.REJECTED)}
    points = decision_points(session, round_id, player.id, decided)
    return [MyMeeting(meeting, meeting.partner_of(player.id), photo,
                      photo.consent_of(player.id) if photo is not None else None,
                      points.get(photo.id, 0) if photo is not None else 0)
            for meeting, photo in rows]


@dataclass(frozen=True)
class ConsentQuestion:
    id: int
    display_hash: str


def awaiting_consent(meetings: list[MyMeeting]) -> ConsentQuestion | None:
    """The newest accepted photo this player has not yet said yes or no to."""
    for m in meetings:
        photo = m.photo
        if (photo is not None and photo.status == PhotoStatus.ACCEPTED and m.my_consent is None
                and not removed(photo)):
            return ConsentQuestion(photo.id, image(photo, ImageKind.DISPLAY).content_hash)
    return None
