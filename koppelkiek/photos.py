"""Photo upload, the meeting page, and serving derived images at content-hash URLs."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from math import ceil
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    jsonify,
    render_template,
    request,
    url_for,
)
from flask_babel import lazy_gettext as _l
from limits import parse_many
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from werkzeug.exceptions import RequestEntityTooLarge

from game.errors import GameError
from game.models import Meeting, Photo, PhotoImage, Player, Round, UploadAttempt
from game.organisers import manages
from game.photo_slots import IN_FLIGHT, forget_dead, free_slot, holder, take_slot
from game.photos import (
    Recorded,
    awaiting_consent,
    count_refusal,
    image,
    may_see,
    meeting_for_photo,
    my_meetings,
    on_wall,
    record_photo,
    removed,
    set_consent,
)
from koppelkiek import realtime
from koppelkiek.darkroom import Job, darkroom, develop_photo, hold_back, off_loop, queue_full
from koppelkiek.db import db
from koppelkiek.db import session as db_session
from koppelkiek.errors import Refusal, leave_body_unread, reads_own_body, status_of
from koppelkiek.extensions import limiter
from koppelkiek.identity import (
    check_api_csrf,
    current_organiser,
    current_player,
    now,
    require_player,
)
from uploads import IntakeError, Position

bp = Blueprint("photos", __name__)
bp.before_request(check_api_csrf)  # its POSTs are API calls

KEY_MAX = 80
# Refusals that say nothing about the photo: they do not count towards closing the meeting.
NOT_THE_PHOTO = frozenset({"busy", "meeting_has_photo", "upload_too_slow"})


def photo_json(photo: Photo) -> dict[str, Any]:
    if removed(photo):
        raise Refusal("photo_removed")
    return {
        "id": photo.id,
        "status": photo.status,
        "location_source": photo.location_source,
        "taken_at": photo.taken_at.isoformat(),
        "thumb_url": url_for("photos.image_file", content_hash=image(photo, "thumb").content_hash),
        "display_url": url_for("photos.image_file",
                               content_hash=image(photo, "display").content_hash),
    }


def _browser_position() -> Position | None:
    try:
        lat, lon = float(request.form["lat"]), float(request.form["lon"])
        accuracy = float(request.form["accuracy"]) if request.form.get("accuracy") else None
    except (KeyError, ValueError):
        return None
    return Position(lat, lon, accuracy)


def _earlier_answer(player_id: int, key: str | None, meeting_id: int) -> Photo | None:
    """The photo this key already sent; a key is scoped to (player, meeting), so the same key
    for another meeting is refused rather than answered with the wrong photo."""
    if not key:
        return None
    attempt = db_session().scalar(
        select(UploadAttempt).where(UploadAttempt.player_id == player_id, UploadAttempt.key == key)
    )
    photo = db_session().get(Photo, attempt.photo_id) if attempt else None
    if photo is not None and photo.meeting_id != meeting_id:
        raise Refusal("idempotency_key_reused")
    return photo


@bp.post("/api/v1/meetings/<int:meeting_id>/photo")
@reads_own_body  # its fields are numbers, parsed strictly (_browser_position)
def upload(meeting_id: int) -> Any:
    try:
        checked = _check_before_body(meeting_id)
    except GameError as exc:
        _refuse_unread(exc)
        raise
    if isinstance(checked, Photo):  # an idempotent retry of an accepted upload
        leave_body_unread()
        return jsonify(photo=photo_json(checked)), 201
    player, meeting, key = checked
    sessions = db.sessions(current_app)
    slot = take_slot(sessions, player.id, holder(), now(), _stale_after())
    if slot is None:
        exc = Refusal("upload_in_progress", retry_after=5, limit=IN_FLIGHT)
        _refuse_unread(exc)
        raise exc
    try:
        return _receive(player, meeting, key)
    except GameError as exc:
        if exc.code not in NOT_THE_PHOTO:
            db_session().rollback()
            with sessions() as counting:
                count_refusal(counting, meeting.id, now())
                counting.commit()
        raise
    finally:
        try:
            free_slot(sessions, slot)
        except SQLAlchemyError:  # busy: the slot frees itself when stale; keep the answer
            current_app.logger.warning("upload slot %s not freed", slot)


def _check_before_body(meeting_id: int) -> tuple[Player, Meeting, str | None] | Photo:
    """Who, which meeting, and room for it: all before a byte of the body is read."""
    player = require_player()
    _count_attempt(player.id)
    key = request.headers.get("Idempotency-Key", "").strip() or None
    if key is not None and len(key) > KEY_MAX:
        raise Refusal("field_invalid", field="Idempotency-Key")
    earlier = _earlier_answer(player.id, key, meeting_id)
    if earlier is not None:
        return earlier
    s = db_session()
    meeting = meeting_for_photo(s, player, meeting_id, now())
    if queue_full():  # refused before the phone spends its data on the body
        raise darkroom().busy(float(current_app.config["PHOTO_WAIT_SECONDS"]))
    # Nothing written yet: the connection goes back to the pool. From here on the phone sends
    # its body and the photo waits for a worker; neither may hold a connection.
    s.commit()
    return player, meeting, key


def _refuse_unread(exc: GameError) -> None:
    leave_body_unread()
    if status_of(exc) == 429:
        db_session().rollback()  # no connection held while it waits
        hold_back(2.0)


def _receive(player: Player, meeting: Meeting, key: str | None) -> Any:
    """Read (paced, spooled), develop and record the photo of a checked meeting."""
    s = db_session()
    try:
        # Only now is the body read (@reads_own_body): a refusal above costs no upload.
        upload = request.files.get("photo")
    except RequestEntityTooLarge:
        raise Refusal("photo_too_large") from None
    if upload is None:
        raise Refusal("photo_missing")
    config = current_app.config
    size = upload.stream.seek(0, os.SEEK_END)
    upload.stream.seek(0)
    job = Job(upload.stream, player.id, max_pixels=int(config["MAX_PIXELS"]),
              wait_seconds=float(config["PHOTO_WAIT_SECONDS"]),
              deadline_seconds=float(config["PHOTO_JOB_SECONDS"]))
    try:
        intake = develop_photo(job)
    except IntakeError as exc:
        raise Refusal(exc.code) from None
    finally:
        upload.close()  # the spooled body goes at once: the original is never kept
    # What the phone sent (after its own scaling, if it could): one line, for organisers.
    current_app.logger.info("photo taken in: %d bytes, %dx%d %s", size, intake.facts.width,
                            intake.facts.height, intake.facts.kind)
    at, browser = now(), _browser_position()

    def store() -> Recorded:
        # Scoring and writing ~0.3 MB of images run beside the event loop too.
        recorded = record_photo(s, player, meeting, intake, browser, at)
        if key is not None:
            s.add(UploadAttempt(player_id=player.id, key=key, photo_id=recorded.photo.id,
                                created_at=at))
        s.commit()
        return recorded

    try:
        recorded = off_loop(store)
    except IntegrityError:
        # The same attempt raced in twice: the first one won; answer with it.
        s.rollback()
        earlier = _earlier_answer(player.id, key, meeting.id)
        if earlier is None:
            raise Refusal("meeting_has_photo") from None
        return jsonify(photo=photo_json(earlier)), 201
    realtime.publish(recorded.events)
    return jsonify(photo=photo_json(recorded.photo)), 201


def _count_attempt(player_id: int) -> None:
    """Photo attempts per player, refused ones included, in Flask-Limiter's storage (Redis
    when several processes serve): 429 too_many_photos with when to try again."""
    rate = limiter.limiter
    for item in parse_many(str(current_app.config["PHOTO_RATE_LIMIT"])):
        if not rate.hit(item, "photo", str(player_id)):
            reset = rate.get_window_stats(item, "photo", str(player_id)).reset_time
            raise Refusal("too_many_photos", retry_after=max(1, ceil(reset - time.time())))


def _stale_after() -> timedelta:
    """Longer than any upload may take: a slot this old lost its holder."""
    config = current_app.config
    return timedelta(seconds=float(config["UPLOAD_SECONDS"]) + float(config["PHOTO_WAIT_SECONDS"])
                     + float(config["PHOTO_JOB_SECONDS"]) + 60)


def forget_dead_uploads(app: Flask) -> int:
    """At start: free the upload slots that killed processes on this host left behind."""
    with db.sessions(app)() as s:
        freed = forget_dead(s)
        s.commit()
    return freed


@bp.post("/api/v1/photos/<int:photo_id>/consent")
def consent(photo_id: int) -> Any:
    player = require_player()
    data = request.get_json(silent=True) if request.is_json else request.form.to_dict()
    if not isinstance(data, dict):
        raise Refusal("invalid_json")
    show = data.get("show")
    if isinstance(show, str) and show in ("true", "false", "1", "0"):
        show = show in ("true", "1")
    if not isinstance(show, bool):
        raise Refusal("field_invalid", field="show")
    s = db_session()
    events = set_consent(s, player, photo_id, show, now())
    s.commit()
    realtime.publish(events)
    photo = s.get(Photo, photo_id)
    assert photo is not None
    return jsonify(photo={**photo_json(photo), "on_wall": on_wall(photo)})


@bp.get("/photos/<content_hash>.jpg")
def image_file(content_hash: str) -> Any:
    s = db_session()
    # The same picture may sit in two rounds: serve it if the asker may see any of them.
    candidates = s.scalars(select(PhotoImage).where(PhotoImage.content_hash == content_hash[:64]))
    player = current_player()
    found = next((i for i in candidates
                  if may_see(i.photo, player) or _moderates(i.photo.round_id)), None)
    if found is None:
        raise Refusal("not_found")
    public = on_wall(found.photo)
    headers = {
        "Cache-Control": f"{'public' if public else 'private'}, max-age=31536000, immutable",
        "ETag": f'"{found.content_hash}"',
    }
    if request.if_none_match.contains(found.content_hash):
        return Response(status=304, headers=headers)
    return Response(found.data, mimetype="image/jpeg", headers=headers)


def _moderates(round_id: int) -> bool:
    organiser = current_organiser()
    rnd = db_session().get(Round, round_id)
    return organiser is not None and rnd is not None and manages(
        db_session(), organiser, rnd.neighbourhood_id)


@bp.get("/meetings/<int:meeting_id>")
def meeting_page(meeting_id: int) -> Any:
    player = require_player()
    meeting = db_session().get(Meeting, meeting_id)
    if meeting is None or player.id not in (meeting.player_a_id, meeting.player_b_id):
        raise Refusal("not_found")
    partner = meeting.player_b if meeting.player_a_id == player.id else meeting.player_a
    s = db_session()
    photo = s.scalar(select(Photo).where(Photo.meeting_id == meeting.id))
    shown = photo is not None and not removed(photo)
    return render_template("meeting.html", meeting=meeting, partner=partner, photo=photo,
                           photo_json=photo_json(photo) if shown else None, now=now(),
                           ask=awaiting_consent(my_meetings(s, player, meeting.round_id)))


PHOTO_STATUS = {
    "accepted": _l("Photo accepted! You both earn points."),
    "pending_review": _l("Photo received. The organiser checks it first."),
    "rejected": _l("The organiser did not accept this photo."),
}


@bp.app_context_processor
def photo_helpers() -> dict[str, Any]:
    return {"photo_status_label": lambda status: str(PHOTO_STATUS.get(status, status))}
