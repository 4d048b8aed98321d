"""Photo upload, the meeting page, and serving derived images at content-hash URLs."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from game.errors import GameError
from game.models import Meeting, Photo, PhotoImage, Round, UploadAttempt
from game.organisers import manages
from game.photos import (
    Recorded,
    awaiting_consent,
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
from koppelkiek.darkroom import develop_photo, off_loop
from koppelkiek.db import session as db_session
from koppelkiek.errors import reads_own_body
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

INTAKE_STATUS = {
    "unsupported_type": 415,
    "image_too_large": 422,
    "image_broken": 422,
    "image_too_small": 422,
}
KEY_MAX = 80


def photo_json(photo: Photo) -> dict[str, Any]:
    if removed(photo):
        raise GameError("photo_removed", 410)
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
        raise GameError("idempotency_key_reused", 422)
    return photo


@bp.post("/api/v1/meetings/<int:meeting_id>/photo")
@reads_own_body  # its fields are numbers, parsed strictly (_browser_position)
def upload(meeting_id: int) -> Any:
    player = require_player()
    key = request.headers.get("Idempotency-Key", "").strip() or None
    if key is not None and len(key) > KEY_MAX:
        raise GameError("field_invalid", 422, field="Idempotency-Key")
    earlier = _earlier_answer(player.id, key, meeting_id)
    if earlier is not None:
        return jsonify(photo=photo_json(earlier)), 201
    s = db_session()
    meeting = meeting_for_photo(s, player, meeting_id, now())
    # Only now is the body read (@reads_own_body): a refusal above costs no upload.
    upload = request.files.get("photo")
    if upload is None:
        raise GameError("photo_missing", 422)
    data = upload.read()
    upload.close()  # a spooled temporary file: let it go at once
    s.commit()  # nothing written yet: the connection goes back to the pool while it develops
    try:
        intake = develop_photo(data, max_pixels=int(current_app.config["MAX_PIXELS"]))
    except IntakeError as exc:
        raise GameError(exc.code, INTAKE_STATUS[exc.code]) from None
    # What the phone sent (after its own scaling, if it could): one line, for organisers.
    current_app.logger.info("photo taken in: %d bytes, %dx%d %s", len(data), intake.facts.width,
                            intake.facts.height, intake.facts.kind)
    del data  # the original is never kept
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
        earlier = _earlier_answer(player.id, key, meeting_id)
        if earlier is None:
            raise GameError("meeting_has_photo", 409) from None
        return jsonify(photo=photo_json(earlier)), 201
    realtime.publish(recorded.events)
    return jsonify(photo=photo_json(recorded.photo)), 201


@bp.post("/api/v1/photos/<int:photo_id>/consent")
def consent(photo_id: int) -> Any:
    player = require_player()
    data = request.get_json(silent=True) if request.is_json else request.form.to_dict()
    if not isinstance(data, dict):
        raise GameError("invalid_json", 400)
    show = data.get("show")
    if isinstance(show, str) and show in ("true", "false", "1", "0"):
        show = show in ("true", "1")
    if not isinstance(show, bool):
        raise GameError("field_invalid", 422, field="show")
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
        raise GameError("not_found", 404)
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
        raise GameError("not_found", 404)
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
