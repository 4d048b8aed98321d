"""The organiser's moderation queue and player care: decide on photos, rename, ban, erase."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, HiddenField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from game.care import ban, erase, purge_round_photos, rename, unban
from game.models import Meeting, Photo, Player, Round, Standing
from game.moderation import decide
from game.neighbourhoods import outline_svg
from game.organisers import audit
from game.players import reissue_recovery
from koppelkiek import realtime
from koppelkiek.db import session as db_session
from koppelkiek.errors import Refusal
from koppelkiek.identity import (
    current_organiser,
    now,
    organiser_required,
    organiser_round,
)

bp = Blueprint("moderate", __name__, url_prefix="/organise/rounds/<int:round_id>")

REASONS = {
    "not_together": _l("Not a photo of the two of you together"),
    "inappropriate": _l("Not suitable for the neighbourhood"),
    "blurry": _l("Too dark or too blurry"),
    "elsewhere": _l("Not taken in the neighbourhood"),
    "other": _l("Other (see text)"),
}
FLAGS = {
    "browser_location": _l("location only from the browser"),
    "positions_disagree": _l("photo and browser positions disagree"),
    "new_player": _l("a new player's first photo"),
}


class DecisionForm(FlaskForm):
    decision = HiddenField(validators=[InputRequired()])
    reason = SelectField(choices=list(REASONS), validators=[Optional()], validate_choice=False)
    note = StringField(validators=[Optional(), Length(max=160)])


class RenameForm(FlaskForm):
    display_name = StringField(validators=[InputRequired(), Length(max=200)])


class BanForm(FlaskForm):
    reverse_points = BooleanField()


class ActionForm(FlaskForm):
    pass



def _player_in(rnd: Round, player_id: int) -> Player:
    s = db_session()
    player = s.get(Player, player_id)
    if player is None or s.get(Standing, (rnd.id, player_id)) is None:
        raise Refusal("not_found")
    return player


def _point(outline: dict[str, Any], photo: Photo) -> tuple[float, float] | None:
    if photo.lat is None or photo.lon is None:
        return None
    minx, maxy, kx, scale = outline["project"]
    return (photo.lon - minx) * kx * scale, (maxy - photo.lat) * scale


def queue_items(rnd: Round) -> list[dict[str, Any]]:
    s = db_session()
    outline = outline_svg(rnd.neighbourhood.boundary_geojson, width=120)
    tz = ZoneInfo(rnd.neighbourhood.timezone)
    photos = s.scalars(select(Photo).where(Photo.round_id == rnd.id)
                       .order_by(Photo.created_at.desc(), Photo.id.desc()).limit(200))
    items = []
    for photo in photos:
        meeting = s.get(Meeting, photo.meeting_id)
        assert meeting is not None
        thumb = next((i.content_hash for i in photo.images if i.kind == "thumb"), None)
        items.append({
            "photo": photo,
            "names": [meeting.player_a.display_name, meeting.player_b.display_name],
            "taken": photo.taken_at.astimezone(tz),
            "thumb_url": url_for("photos.image_file", content_hash=thumb) if thumb else None,
            "point": _point(outline, photo),
            "flags": [str(FLAGS.get(f, f)) for f in photo.flags.split(",") if f],
        })
    return items


@bp.get("/photos")
@organiser_required
def queue(round_id: int) -> Any:
    rnd = organiser_round(round_id)
    template = "organise/_queue.html" if request.args.get("fragment") else "organise/queue.html"
    return render_template(template, rnd=rnd, items=queue_items(rnd),
                           outline=outline_svg(rnd.neighbourhood.boundary_geojson, width=120),
                           form=DecisionForm(), reasons=REASONS)


@bp.post("/photos/<int:photo_id>/decision")
@organiser_required
def decision(round_id: int, photo_id: int) -> Any:
    rnd = organiser_round(round_id)
    s = db_session()
    photo = s.get(Photo, photo_id)
    if photo is None or photo.round_id != rnd.id:
        raise Refusal("not_found")
    form = DecisionForm()
    if not form.validate_on_submit() or form.decision.data not in ("approve", "reject"):
        raise Refusal("bad_request")
    reason = None
    if form.decision.data == "reject":
        chosen = form.reason.data if form.reason.data in REASONS else "other"
        reason = (form.note.data or "").strip() or str(REASONS[chosen])
    events = decide(s, photo, form.decision.data, now(), reason)
    photo.decided_by = current_organiser().id  # type: ignore[union-attr]
    audit(s, current_organiser(), f"photo_{form.decision.data}", now(),
          neighbourhood_id=rnd.neighbourhood_id, round=rnd.id, photo=photo.id, reason=reason)
    s.commit()
    realtime.publish(events)
    if request.accept_mimetypes.best == "application/json":
        return {"status": photo.status}
    return redirect(url_for("moderate.queue", round_id=rnd.id) + f"#photo-{photo.id}")


@bp.get("/players")
@organiser_required
def players(round_id: int) -> Any:
    rnd = organiser_round(round_id)
    rows = db_session().execute(
        select(Standing, Player).join(Player, Player.id == Standing.player_id)
        .where(Standing.round_id == rnd.id).order_by(Player.display_name)).all()
    return render_template("organise/players.html", rnd=rnd, rows=rows,
                           rename_form=RenameForm(), ban_form=BanForm(), form=ActionForm(),
                           new_code=session.pop("new_recovery", None))


def _care(round_id: int, player_id: int, action: str, **detail: Any) -> tuple[Round, Player]:
    rnd = organiser_round(round_id)
    player = _player_in(rnd, player_id)
    audit(db_session(), current_organiser(), action, now(),
          neighbourhood_id=rnd.neighbourhood_id, round=rnd.id, player=player.id, **detail)
    return rnd, player


@bp.post("/players/<int:player_id>/rename")
@organiser_required
def rename_player(round_id: int, player_id: int) -> Any:
    form = RenameForm()
    if not form.validate_on_submit():
        raise Refusal("display_name_invalid")
    rnd = organiser_round(round_id)
    player = _player_in(rnd, player_id)
    old = player.display_name
    events = rename(db_session(), player, form.display_name.data or "", now())
    audit(db_session(), current_organiser(), "player_rename", now(),
          neighbourhood_id=rnd.neighbourhood_id, round=rnd.id, player=player.id, old=old,
          new=player.display_name)
    db_session().commit()
    realtime.publish(events)
    flash(gettext("Renamed."))
    return redirect(url_for("moderate.players", round_id=rnd.id))


@bp.post("/players/<int:player_id>/ban")
@organiser_required
def ban_player(round_id: int, player_id: int) -> Any:
    form = BanForm()
    if not form.validate_on_submit():
        raise Refusal("bad_request")
    rnd, player = _care(round_id, player_id, "player_ban",
                        reverse_points=bool(form.reverse_points.data))
    events = ban(db_session(), player, bool(form.reverse_points.data), now())
    db_session().commit()
    realtime.publish(events)
    flash(gettext("Banned."))
    return redirect(url_for("moderate.players", round_id=rnd.id))


@bp.post("/players/<int:player_id>/unban")
@organiser_required
def unban_player(round_id: int, player_id: int) -> Any:
    if not ActionForm().validate_on_submit():
        raise Refusal("bad_request")
    rnd, player = _care(round_id, player_id, "player_unban")
    events = unban(db_session(), player, now())
    db_session().commit()
    realtime.publish(events)
    flash(gettext("Ban lifted."))
    return redirect(url_for("moderate.players", round_id=rnd.id))


@bp.post("/players/<int:player_id>/recovery")
@organiser_required
def new_recovery(round_id: int, player_id: int) -> Any:
    if not ActionForm().validate_on_submit():
        raise Refusal("bad_request")
    rnd, player = _care(round_id, player_id, "player_recovery_reissued")
    code = reissue_recovery(db_session(), player)
    db_session().commit()
    # Shown once to the organiser, who hands it over in person.
    session["new_recovery"] = {"name": player.display_name, "code": code}
    return redirect(url_for("moderate.players", round_id=rnd.id))


@bp.post("/players/<int:player_id>/erase")
@organiser_required
def erase_player(round_id: int, player_id: int) -> Any:
    if not ActionForm().validate_on_submit():
        raise Refusal("bad_request")
    rnd, player = _care(round_id, player_id, "player_erase")
    events = erase(db_session(), player, now())
    db_session().commit()
    realtime.publish(events)
    flash(gettext("The player's data was deleted."))
    return redirect(url_for("moderate.players", round_id=rnd.id))


@bp.post("/purge")
@organiser_required
def purge(round_id: int) -> Any:
    if not ActionForm().validate_on_submit():
        raise Refusal("bad_request")
    rnd = organiser_round(round_id)
    events = purge_round_photos(db_session(), rnd, now())
    audit(db_session(), current_organiser(), "round_purge", now(),
          neighbourhood_id=rnd.neighbourhood_id, round=rnd.id, photos=len(events))
    db_session().commit()
    realtime.publish(events)
    flash(gettext("All photos of this round were deleted. The standings stay."))
    return redirect(url_for("organise.round_page", round_id=rnd.id))
