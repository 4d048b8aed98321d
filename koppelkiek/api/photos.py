"""Photo upload of a meeting, and each person's consent to the public wall."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from math import ceil
from typing import Any

from flask import Flask, current_app, jsonify, request
from limits import parse_many
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from werkzeug.exceptions import RequestEntityTooLarge

from koppelkiek import realtime
from koppelkiek.api.v1 import bp
from koppelkiek.darkroom import (
    Job,
    develop_photo,
    hold_back,
    hung_after,
    off_loop,
    turn_away,
)
from koppelkiek.db import db
from koppelkiek.db import session as db_session
from koppelkiek.errors import Refusal, leave_body_unread, reads_own_body, status_of
from koppelkiek.extensions import limiter
from koppelkiek.game.errors import GameError
from koppelkiek.game.models import Meeting, Photo, Player, UploadAttempt
from koppelkiek.game.outcome import Outcome
from koppelkiek.game.photo_slots import IN_FLIGHT, forget_dead, free_slot, holder, take_slot
from koppelkiek.game.photos import count_refusal, meeting_for_photo
from koppelkiek.game.playing import consent as consent_to_wall
from koppelkiek.game.playing import send_photo
from koppelkiek.identity import now, require_player
from koppelkiek.inputs import body, browser_position, yes_no_field
from koppelkiek.outcomes import settle
from koppelkiek.photos import photo_json
from koppelkiek.uploads import IntakeError

KEY_MAX = 80
# Refusals that say nothing about the photo: they do not count towards closing the meeting.
NOT_THE_PHOTO = frozenset({"busy", "meeting_has_photo", "upload_too_slow"})


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


@bp.post("/meetings/<int:meeting_id>/photo")
@reads_own_body  # its fields are numbers, parsed strictly (koppelkiek.inputs)
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
    busy = turn_away(player.id)  # refused before the phone spends its data on the body
    if busy is not None:
        raise busy
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
              cpu_seconds=float(config["PHOTO_JOB_SECONDS"]))
    try:
        intake = develop_photo(job)
    except IntakeError as exc:
        raise Refusal(exc.code) from None
    finally:
        upload.close()  # the spooled body goes at once: the original is never kept
    # What the phone sent (after its own scaling, if it could): one line, for organisers.
    current_app.logger.info("photo taken in: %d bytes, %dx%d %s", size, intake.facts.width,
                            intake.facts.height, intake.facts.kind)
    at, browser = now(), browser_position()

    def store() -> Outcome[Photo]:
        # Scoring and writing ~0.3 MB of images run beside the event loop too.
        sent = send_photo(s, player, meeting, intake, browser, key, at)
        s.commit()
        return sent

    try:
        sent = off_loop(store)
    except IntegrityError:
        # The same attempt raced in twice: the first one won; answer with it.
        s.rollback()
        earlier = _earlier_answer(player.id, key, meeting.id)
        if earlier is None:
            raise Refusal("meeting_has_photo") from None
        return jsonify(photo=photo_json(earlier)), 201
    # Committed beside the loop, published on it (what koppelkiek.outcomes.commit does in one).
    realtime.publish(sent.events)
    return jsonify(photo=photo_json(sent.value)), 201


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
                     + hung_after(float(config["PHOTO_JOB_SECONDS"])) + 60)


def forget_dead_uploads(app: Flask) -> int:
    """At start: free the upload slots that killed processes on this host left behind."""
    with db.sessions(app)() as s:
        freed = forget_dead(s)
        s.commit()
    return freed


@bp.post("/photos/<int:photo_id>/consent")
def consent(photo_id: int) -> Any:
    player = require_player()
    show = yes_no_field(body(), "show")
    photo = settle(consent_to_wall, player, photo_id, show, now())
    return jsonify(photo={**photo_json(photo), "on_wall": photo.on_wall})

