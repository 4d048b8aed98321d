"""Story spots: the console pages to add, import and delete them (the players' list:
api/spots.py)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField, TextAreaField
from wtforms.validators import Length

from koppelkiek.db import session as db_session
from koppelkiek.errors import Refusal, status_of
from koppelkiek.game.errors import GameError
from koppelkiek.game.models import Neighbourhood, Round, StorySpot
from koppelkiek.game.neighbourhoods import outline_svg
from koppelkiek.game.spots import (
    DEFAULT_RADIUS_M,
    excerpt,
    list_spots,
    new_spot,
    remove_spot,
    round_spots,
    spots_from_file,
    teller_of,
    word_spot,
)
from koppelkiek.identity import (
    acting_organiser,
    now,
    organiser_neighbourhood,
    organiser_required,
)
from koppelkiek.inputs import number
from koppelkiek.language import LANGUAGES
from koppelkiek.messages import message
from koppelkiek.outcomes import commit
from koppelkiek.scoring import DEFAULT_SPOT_BONUS
from koppelkiek.words import language_name, other_languages, spot_name, spot_story, typed_words

bp = Blueprint("spots", __name__)
IMPORT_MAX_BYTES = 1024 * 1024


class SpotForm(FlaskForm):
    # Loose on purpose: the game checks each part and says what is wrong in its own words.
    name = StringField(validators=[Length(max=1000)])
    story = TextAreaField(validators=[Length(max=20000)])
    lat = StringField(validators=[Length(max=40)])
    lon = StringField(validators=[Length(max=40)])
    radius_m = StringField(default=f"{DEFAULT_RADIUS_M:g}", validators=[Length(max=40)])
    bonus = StringField(default=str(DEFAULT_SPOT_BONUS), validators=[Length(max=40)])


class ImportForm(FlaskForm):
    geojson = FileField()


class DeleteForm(FlaskForm):
    pass


def refusal_text(exc: GameError) -> str:
    """An import's feature refusal names the feature and then says what is wrong with it."""
    if exc.code == "spot_import_feature":
        reason = message(str(exc.params.get("reason")), exc.params)
        return message(exc.code, {**exc.params, "reason": reason})
    return message(exc.code, exc.params)


def _on_map(spot: StorySpot) -> dict[str, Any]:
    """The spot as the console's map draws it (console_map.js)."""
    return {"id": spot.id, "name": spot.name, "lat": spot.lat, "lon": spot.lon,
            "radius": spot.radius_m}


def words_refusal_text(exc: GameError) -> str:
    """A translation's refusal says which language it is about."""
    text = refusal_text(exc)
    lang = exc.params.get("language")
    return f"{language_name(lang)}: {text}" if isinstance(lang, str) and lang in LANGUAGES else text


def _page(hood: Neighbourhood, form: SpotForm | None = None, errors: list[str] | None = None,
          status: int = 200) -> Any:
    s = db_session()
    spots = list_spots(s, hood)
    return render_template(
        "organise/spots.html", hood=hood, outline=outline_svg(hood.boundary_geojson),
        spots=spots, map_spots=[_on_map(spot) for spot in spots],
        form=form or SpotForm(), import_form=ImportForm(), delete_form=DeleteForm(),
        errors=errors or [],
    ), status



@bp.get("/organise/neighbourhoods/<slug>/spots")
@organiser_required
def page(slug: str) -> Any:
    return _page(organiser_neighbourhood(slug))


@bp.post("/organise/neighbourhoods/<slug>/spots")
@organiser_required
def add(slug: str) -> Any:
    s = db_session()
    hood = organiser_neighbourhood(slug)
    form = SpotForm()
    if not form.validate_on_submit():
        errors = [f"{name}: {', '.join(errs)}" for name, errs in form.errors.items()]
        return _page(hood, form, errors, 422)
    try:
        added = new_spot(
            s, acting_organiser(), hood, form.name.data or "", form.story.data or "",
            number(form.lat.data, "spot_coordinates_invalid"),
            number(form.lon.data, "spot_coordinates_invalid"),
            number(form.radius_m.data, "spot_radius_out_of_range", low=5, high=500),
            number(form.bonus.data, "spot_bonus_out_of_range", low=0, high=100),
            now(), typed_words(request.form, ("name", "story")), other_languages(hood),
        )
    except GameError as exc:
        s.rollback()
        return _page(hood, form, [words_refusal_text(exc)], status_of(exc))
    commit(added)
    flash(gettext("Story spot saved."))
    return redirect(url_for("spots.page", slug=hood.slug))


@bp.post("/organise/neighbourhoods/<slug>/spots/import")
@organiser_required
def import_file(slug: str) -> Any:
    s = db_session()
    hood = organiser_neighbourhood(slug)
    form = ImportForm()
    if not form.validate_on_submit():
        raise Refusal("bad_request")
    upload = form.geojson.data
    try:
        if upload is None or not getattr(upload, "filename", ""):
            raise Refusal("spot_import_missing")
        data = upload.read(IMPORT_MAX_BYTES + 1)
        if len(data) > IMPORT_MAX_BYTES:
            raise Refusal("request_too_large")
        imported = spots_from_file(s, acting_organiser(), hood, data,
                                   str(getattr(upload, "filename", "")), now(),
                                   other_languages(hood))
    except GameError as exc:
        s.rollback()
        return _page(hood, errors=[refusal_text(exc)], status=status_of(exc))
    added = commit(imported)
    flash(gettext("Story spots imported: %(count)s.", count=len(added)))
    return redirect(url_for("spots.page", slug=hood.slug))


@bp.post("/organise/neighbourhoods/<slug>/spots/<int:spot_id>/words")
@organiser_required
def words(slug: str, spot_id: int) -> Any:
    """An existing spot's translations (a new spot gets them on the spot form)."""
    s = db_session()
    hood = organiser_neighbourhood(slug)
    if not DeleteForm().validate_on_submit():  # the CSRF check only
        raise Refusal("bad_request")
    try:
        worded = word_spot(s, acting_organiser(), hood, spot_id,
                           typed_words(request.form, ("name", "story")), other_languages(hood),
                           now())
    except GameError as exc:
        s.rollback()
        return _page(hood, errors=[words_refusal_text(exc)], status=status_of(exc))
    commit(worded)
    flash(gettext("Translations saved."))
    return redirect(url_for("spots.page", slug=hood.slug))


@bp.post("/organise/neighbourhoods/<slug>/spots/<int:spot_id>/delete")
@organiser_required
def delete(slug: str, spot_id: int) -> Any:
    hood = organiser_neighbourhood(slug)
    if not DeleteForm().validate_on_submit():
        raise Refusal("bad_request")
    commit(remove_spot(db_session(), acting_organiser(), hood, spot_id, now()))
    flash(gettext("Story spot deleted."))
    return redirect(url_for("spots.page", slug=hood.slug))


def spot_json(spot: StorySpot, distance: float | None = None) -> dict[str, Any]:
    """In the language of the person asking (the organiser's original where it has none)."""
    story = spot_story(spot)
    item: dict[str, Any] = {
        "id": spot.id,
        "name": spot_name(spot),
        "story": story,
        "excerpt": excerpt(story),
        "lat": spot.lat,
        "lon": spot.lon,
        "radius_m": spot.radius_m,
        "bonus": spot.bonus,
    }
    teller = teller_of(spot)
    if teller is not None:  # "told by ...": only a teller who agreed, and not erased
        item["teller"] = teller
    if distance is not None:
        item["distance_m"] = round(distance)
        item["inside"] = distance <= spot.radius_m
    return item


@bp.app_context_processor
def spot_helpers() -> dict[str, Any]:
    def round_story_spots(rnd: Round | None) -> list[dict[str, Any]]:
        return [spot_json(spot) for spot in round_spots(db_session(), rnd)] if rnd else []

    return {"round_story_spots": round_story_spots, "teller_of": teller_of}
