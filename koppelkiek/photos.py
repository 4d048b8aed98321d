"""The meeting page and derived images at content-hash URLs (the upload: api/photos.py)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from koppelkiek.db import session as db_session
from koppelkiek.errors import Refusal
from koppelkiek.game.models import Meeting, Photo, PhotoImage, Round
from koppelkiek.game.organisers import manages
from koppelkiek.game.photos import awaiting_consent, image, may_see, my_meetings, removed
from koppelkiek.game.values import ImageKind, PhotoStatus
from koppelkiek.identity import current_organiser, current_player, now, require_player

bp = Blueprint("photos", __name__)


def photo_json(photo: Photo) -> dict[str, Any]:
    if removed(photo):
        raise Refusal("photo_removed")
    return {
        "id": photo.id,
        "status": photo.status,
        "location_source": photo.location_source,
        "taken_at": photo.taken_at.isoformat(),
        "thumb_url": url_for("photos.image_file",
                             content_hash=image(photo, ImageKind.THUMB).content_hash),
        "display_url": url_for("photos.image_file",
                               content_hash=image(photo, ImageKind.DISPLAY).content_hash),
    }


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
    public = found.photo.on_wall
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
    if meeting is None or meeting.side_of(player.id) is None:
        raise Refusal("not_found")
    partner = meeting.partner_of(player.id)
    s = db_session()
    photo = s.scalar(select(Photo).where(Photo.meeting_id == meeting.id))
    shown = photo is not None and not removed(photo)
    mine = my_meetings(s, player, meeting.round_id)
    this = next((m for m in mine if m.meeting.id == meeting.id), None)
    rnd = s.get(Round, meeting.round_id)
    assert rnd is not None
    return render_template("meeting.html", meeting=meeting, partner=partner, photo=photo,
                           photo_json=photo_json(photo) if shown else None, now=now(),
                           ask=awaiting_consent(mine), points=this.points if this else 0,
                           tz=rnd.neighbourhood.timezone)


PHOTO_STATUS = {
    PhotoStatus.ACCEPTED: _l("Photo accepted! You both earn points."),
    PhotoStatus.PENDING_REVIEW: _l("Photo received. The organiser checks it first."),
    PhotoStatus.REJECTED: _l("The organiser did not accept this photo."),
}


# Why an organiser rejected a photo. The code is stored (a note is stored as typed), so each
# phone reads the reason in its own language.
REJECTION_REASONS = {
    "not_together": _l("Not a photo of the two of you together"),
    "inappropriate": _l("Not suitable for the neighbourhood"),
    "blurry": _l("Too dark or too blurry"),
    "elsewhere": _l("Not taken in the neighbourhood"),
    "other": _l("Other (see text)"),
}


def rejection_reason(stored: str) -> str:
    """A reason code in the reader's language; a note (or an older stored text) as it is."""
    known = REJECTION_REASONS.get(stored)
    return str(known) if known is not None else stored.rstrip(". ")


def signed_points(points: int) -> str:
    """"−15 punten." / "+15 points.": what a decision did, with a real minus sign."""
    sign = "\u2212" if points < 0 else "+"
    return gettext("%(points)s points.", points=f"{sign}{abs(points)}")


@bp.app_context_processor
def photo_helpers() -> dict[str, Any]:
    return {"photo_status_label": lambda status: str(PHOTO_STATUS.get(status, status)),
            "rejection_reason": rejection_reason, "signed_points": signed_points}
