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

from koppelkiek.db import session as db_session
from koppelkiek.errors import Refusal
from koppelkiek.game import care
from koppelkiek.game.models import Player, Round, Standing
from koppelkiek.game.moderation import decide_photo
from koppelkiek.game.neighbourhoods import outline_svg
from koppelkiek.game.photo_queue import QueuedPhoto, photo_queue
from koppelkiek.identity import (
    acting_organiser,
    now,
    organiser_required,
    organiser_round,
)
from koppelkiek.outcomes import commit
from koppelkiek.photos import REJECTION_REASONS

bp = Blueprint("moderate", __name__, url_prefix="/organise/rounds/<int:round_id>")

REASONS = REJECTION_REASONS
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



def _point(outline: dict[str, Any], photo: QueuedPhoto) -> tuple[float, float] | None:
    if photo.lat is None or photo.lon is None:
        return None
    minx, maxy, kx, scale = outline["project"]
    return (photo.lon - minx) * kx * scale, (maxy - photo.lat) * scale


def queue_items(rnd: Round) -> list[dict[str, Any]]:
    outline = outline_svg(rnd.neighbourhood.boundary_geojson, width=120)
    tz = ZoneInfo(rnd.neighbourhood.timezone)
    return [{
        "photo": photo,
        "names": list(photo.names),
        "taken": photo.taken_at.astimezone(tz),
        "thumb_url": url_for("photos.image_file", content_hash=photo.thumb_hash)
        if photo.thumb_hash else None,
        "point": _point(outline, photo),
        "flags": [str(FLAGS.get(f, f)) for f in photo.flags],
    } for photo in photo_queue(db_session(), rnd.id)]


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
    form = DecisionForm()
    if not form.validate_on_submit() or form.decision.data not in ("approve", "reject"):
        raise Refusal("bad_request")
    reason = None
    if form.decision.data == "reject":
        chosen = form.reason.data if form.reason.data in REASONS else "other"
        reason = (form.note.data or "").strip() or chosen  # the code: each reader's language
    photo = commit(decide_photo(db_session(), acting_organiser(), rnd, photo_id,
                                form.decision.data, reason, now()))
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


@bp.post("/players/<int:player_id>/rename")
@organiser_required
def rename_player(round_id: int, player_id: int) -> Any:
    form = RenameForm()
    if not form.validate_on_submit():
        raise Refusal("display_name_invalid")
    rnd = organiser_round(round_id)
    commit(care.rename_player(db_session(), acting_organiser(), rnd, player_id,
                         form.display_name.data or "", now()))
    flash(gettext("Renamed."))
    return redirect(url_for("moderate.players", round_id=rnd.id))


@bp.post("/players/<int:player_id>/ban")
@organiser_required
def ban_player(round_id: int, player_id: int) -> Any:
    form = BanForm()
    if not form.validate_on_submit():
        raise Refusal("bad_request")
    rnd = organiser_round(round_id)
    commit(care.ban_player(db_session(), acting_organiser(), rnd, player_id,
                      bool(form.reverse_points.data), now()))
    flash(gettext("Banned."))
    return redirect(url_for("moderate.players", round_id=rnd.id))


@bp.post("/players/<int:player_id>/unban")
@organiser_required
def unban_player(round_id: int, player_id: int) -> Any:
    if not ActionForm().validate_on_submit():
        raise Refusal("bad_request")
    rnd = organiser_round(round_id)
    commit(care.unban_player(db_session(), acting_organiser(), rnd, player_id, now()))
    flash(gettext("Ban lifted."))
    return redirect(url_for("moderate.players", round_id=rnd.id))


@bp.post("/players/<int:player_id>/recovery")
@organiser_required
def new_recovery(round_id: int, player_id: int) -> Any:
    if not ActionForm().validate_on_submit():
        raise Refusal("bad_request")
    rnd = organiser_round(round_id)
    code = commit(care.new_recovery_code(db_session(), acting_organiser(), rnd, player_id, now()))
    player = db_session().get(Player, player_id)
    assert player is not None
    # Shown once to the organiser, who hands it over in person.
    session["new_recovery"] = {"name": player.display_name, "code": code}
    return redirect(url_for("moderate.players", round_id=rnd.id))


@bp.post("/players/<int:player_id>/erase")
@organiser_required
def erase_player(round_id: int, player_id: int) -> Any:
    if not ActionForm().validate_on_submit():
        raise Refusal("bad_request")
    rnd = organiser_round(round_id)
    commit(care.erase_player(db_session(), acting_organiser(), rnd, player_id, now()))
    flash(gettext("The player's data was deleted."))
    return redirect(url_for("moderate.players", round_id=rnd.id))


@bp.post("/purge")
@organiser_required
def purge(round_id: int) -> Any:
    if not ActionForm().validate_on_submit():
        raise Refusal("bad_request")
    rnd = organiser_round(round_id)
    commit(care.purge_photos(db_session(), acting_organiser(), rnd, now()))
    flash(gettext("All photos of this round were deleted. The standings stay."))
    return redirect(url_for("organise.round_page", round_id=rnd.id))
