"""The organiser console: login, neighbourhoods, rounds, their state and the join poster."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from sqlalchemy import func, select
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from koppelkiek import limits
from koppelkiek.audit_lines import readable
from koppelkiek.db import session as db_session
from koppelkiek.errors import Refusal, status_of
from koppelkiek.extensions import limiter
from koppelkiek.game.audit import audit_log
from koppelkiek.game.errors import GameError
from koppelkiek.game.events import Event
from koppelkiek.game.models import Neighbourhood, Participation, Round
from koppelkiek.game.neighbourhoods import outline_svg
from koppelkiek.game.organisers import authenticate, sign_out_everywhere
from koppelkiek.game.organising import (
    add_neighbourhood,
    add_round,
    edit_round,
    move_round,
    word_round,
)
from koppelkiek.game.outcome import Outcome
from koppelkiek.game.rounds import (
    BROWSER_ONLY_MODES,
    LEADERBOARD_MODES,
    MODERATION_MODES,
    RULES,
    TRANSITIONS,
    RoundSpec,
)
from koppelkiek.game.screen_views import VIEWS, screen_views, set_screen_views
from koppelkiek.game.words import screen_languages
from koppelkiek.glance import summary
from koppelkiek.identity import (
    acting_organiser,
    current_organiser,
    log_in,
    log_out,
    now,
    organiser_neighbourhood,
    organiser_required,
    organiser_round,
)
from koppelkiek.language import LANGUAGES
from koppelkiek.messages import message
from koppelkiek.outcomes import commit
from koppelkiek.qr import public_url, svg
from koppelkiek.redirects import same_site_path
from koppelkiek.words import direction, round_name, typed_words

bp = Blueprint("organise", __name__, url_prefix="/organise")


class LoginForm(FlaskForm):
    email = EmailField(validators=[InputRequired(), Length(max=254)])
    password = PasswordField(validators=[InputRequired(), Length(max=200)])
    next = HiddenField()


class NeighbourhoodForm(FlaskForm):
    name = StringField(validators=[InputRequired(), Length(max=120)])
    timezone = StringField(default="Europe/Amsterdam", validators=[Length(max=64)])
    boundary = FileField()


def _rule_field(column: str, low: int, high: int) -> IntegerField:
    return IntegerField(validators=[Optional(), NumberRange(min=low, max=high)])


class RoundForm(FlaskForm):
    name = StringField(validators=[InputRequired(), Length(max=120)])
    starts = DateTimeLocalField(format="%Y-%m-%dT%H:%M", validators=[InputRequired()])
    ends = DateTimeLocalField(format="%Y-%m-%dT%H:%M", validators=[InputRequired()])
    moderation_mode = SelectField(choices=list(MODERATION_MODES), default="post")
    browser_only_photos = SelectField(choices=list(BROWSER_ONLY_MODES), default="accept")
    leaderboard = SelectField(choices=list(LEADERBOARD_MODES), default="visible")
    require_location = BooleanField(default=True)
    # The big screen's seconds per language; its languages (screen_languages) and the name in
    # other languages (name_<lang>) come from request.form: one field each per language.
    screen_seconds = IntegerField(validators=[Optional()])
    screen_view_seconds = IntegerField(validators=[Optional()])  # its views: request.form


for _column, _low, _high in RULES:
    setattr(RoundForm, _column, _rule_field(_column, _low, _high))


class ActionForm(FlaskForm):
    action = HiddenField(validators=[InputRequired()])


def _form_errors(form: FlaskForm) -> list[str]:
    return [
        f"{name}: {', '.join(errs)}" for name, errs in form.errors.items() if name != "csrf_token"
    ]


@bp.get("/login")
def login() -> Any:
    if current_organiser() is not None:
        return redirect(url_for("organise.dashboard"))
    return render_template("organise/login.html", form=LoginForm(next=request.args.get("next")))


@bp.post("/login")
@limiter.limit(limits.FAILED_LOGINS_PER_EMAIL, key_func=limits.by_login,
               deduct_when=limits.login_failed)
@limiter.limit(limits.FAILED_LOGINS_PER_ADDRESS, key_func=limits.by_address,
               deduct_when=limits.login_failed)
def login_submit() -> Any:
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("organise/login.html", form=form, error="login_failed"), 400
    organiser = authenticate(db_session(), form.email.data or "", form.password.data or "")
    if organiser is None:
        return render_template("organise/login.html", form=form, error="login_failed"), 401
    log_in(organiser)
    target = same_site_path(form.next.data, under="/organise")
    return redirect(target or url_for("organise.dashboard"))


@bp.post("/logout")
def logout() -> Any:
    organiser = current_organiser()
    if organiser is not None:
        commit(sign_out_everywhere(organiser))
    log_out()
    return redirect(url_for("organise.login"))


@bp.get("/")
@organiser_required
def dashboard() -> Any:
    organiser = current_organiser()
    assert organiser is not None
    s = db_session()
    hoods = sorted(organiser.neighbourhoods, key=lambda h: h.name.lower())
    rounds = {
        h.id: list(s.scalars(select(Round).where(Round.neighbourhood_id == h.id).order_by(
            Round.starts_at.desc())))
        for h in hoods
    }
    log = readable(s, organiser, audit_log(s, organiser, 20), RULE_LABELS)
    return render_template("organise/dashboard.html", hoods=hoods, rounds=rounds, log=log)


@bp.get("/audit")
@organiser_required
def audit_page() -> Any:
    organiser = current_organiser()
    assert organiser is not None
    s = db_session()
    log = readable(s, organiser, audit_log(s, organiser, 500), RULE_LABELS)
    return render_template("organise/audit.html", log=log)


@bp.get("/neighbourhoods/new")
@organiser_required
def new_neighbourhood() -> Any:
    return render_template("organise/neighbourhood_new.html", form=NeighbourhoodForm())


@bp.post("/neighbourhoods/new")
@organiser_required
def create_neighbourhood_submit() -> Any:
    form = NeighbourhoodForm()
    if not form.validate_on_submit():
        return render_template(
            "organise/neighbourhood_new.html", form=form, errors=_form_errors(form)
        ), 422
    upload = form.boundary.data
    s = db_session()
    actor = acting_organiser()
    try:
        if upload is None or not getattr(upload, "filename", ""):
            raise Refusal("boundary_missing")
        data = upload.read(5 * 1024 * 1024 + 1)
        if len(data) > 5 * 1024 * 1024:
            raise Refusal("request_too_large")
        made = add_neighbourhood(
            s, actor, name=form.name.data or "", boundary=data,
            timezone=form.timezone.data or "", now=now(), manager=actor.organiser,
        )
    except GameError as exc:
        s.rollback()
        return render_template(
            "organise/neighbourhood_new.html", form=form,
            errors=[message(exc.code, exc.params)], error_code=exc.code,
        ), status_of(exc)
    hood = commit(made)
    flash(gettext("Neighbourhood saved. Check the outline below."))
    return redirect(url_for("organise.neighbourhood", slug=hood.slug))


@bp.get("/neighbourhoods/<slug>")
@organiser_required
def neighbourhood(slug: str) -> Any:
    s = db_session()
    hood = organiser_neighbourhood(slug)
    rounds = list(s.scalars(select(Round).where(Round.neighbourhood_id == hood.id)))
    return render_template(
        "organise/neighbourhood.html", hood=hood, outline=outline_svg(hood.boundary_geojson),
        rounds=rounds, form=_round_form(hood),
    )


def _round_form(hood: Neighbourhood, rnd: Round | None = None) -> RoundForm:
    form = RoundForm(obj=rnd) if rnd else RoundForm()
    if rnd is not None and request.method == "GET":
        tz = ZoneInfo(hood.timezone)
        form.starts.data = rnd.starts_at.astimezone(tz).replace(tzinfo=None)
        form.ends.data = rnd.ends_at.astimezone(tz).replace(tzinfo=None)
    return form


def _local(value: datetime | None, tz: str) -> datetime:
    if value is None:
        raise Refusal("round_times_invalid")
    return value.replace(tzinfo=ZoneInfo(tz))


def _spec(form: RoundForm, hood: Neighbourhood) -> RoundSpec:
    """The name and times as typed; the game checks them (the times are the neighbourhood's)."""
    return RoundSpec(form.name.data or "", _local(form.starts.data, hood.timezone),
                     _local(form.ends.data, hood.timezone))


def _word_round(rnd: Round, form: RoundForm) -> tuple[Event, ...]:
    """The translations and the screen's languages and views typed with the name, in the same
    transaction; the views' change, for a running screen."""
    word_round(db_session(), acting_organiser(), rnd, {
        lang: fields["name"] for lang, fields in typed_words(request.form, ("name",)).items()},
        request.form.getlist("screen_languages"), form.screen_seconds.data, LANGUAGES, now())
    if "screen_views_shown" not in request.form:  # a form without the views' fieldset
        return ()
    return set_screen_views(db_session(), acting_organiser(), rnd,
                            request.form.getlist("screen_views"), form.screen_view_seconds.data,
                            now()).events


def _word_fields(rnd: Round | None) -> dict[str, Any]:
    """What the round form's translation and screen fields show: as typed, or as saved."""
    if request.method == "POST":
        return {"names": {lang: request.form.get(f"name_{lang}", "") for lang in LANGUAGES},
                "screen": request.form.getlist("screen_languages"),
                "seconds": request.form.get("screen_seconds", ""),
                "views": request.form.getlist("screen_views"),
                "view_seconds": request.form.get("screen_view_seconds", ""), "all_views": VIEWS}
    return {"names": {lang: ((rnd.words or {}).get(lang) or {}).get("name", "") if rnd else ""
                      for lang in LANGUAGES},
            "screen": screen_languages(rnd) if rnd else [],
            "seconds": rnd.screen_seconds if rnd else 15,
            "views": screen_views(rnd) if rnd else list(VIEWS),
            "view_seconds": rnd.screen_view_seconds if rnd else 20, "all_views": VIEWS}


def _rules_from(form: RoundForm) -> dict[str, object]:
    rules: dict[str, object] = {c: getattr(form, c).data for c, _, _ in RULES}
    rules["moderation_mode"] = form.moderation_mode.data
    rules["browser_only_photos"] = form.browser_only_photos.data
    rules["leaderboard"] = form.leaderboard.data
    rules["require_location"] = bool(form.require_location.data)
    return rules


@bp.post("/neighbourhoods/<slug>/rounds")
@organiser_required
def create_round_submit(slug: str) -> Any:
    hood = organiser_neighbourhood(slug)
    form = RoundForm()
    if not form.validate_on_submit():
        return render_template(
            "organise/neighbourhood.html", hood=hood, outline=outline_svg(hood.boundary_geojson),
            rounds=[], form=form, errors=_form_errors(form),
        ), 422
    made = add_round(db_session(), acting_organiser(), hood, _spec(form, hood), now(),
                     _rules_from(form))
    rnd = commit(Outcome(made.value, made.events + _word_round(made.value, form)))
    return redirect(url_for("organise.round_page", round_id=rnd.id))


@bp.get("/rounds/<int:round_id>")
@organiser_required
def round_page(round_id: int) -> Any:
    s = db_session()
    rnd = organiser_round(round_id)
    players = s.scalar(select(func.count()).where(Participation.round_id == rnd.id))
    return render_template(
        "organise/round.html", rnd=rnd, hood=rnd.neighbourhood, players=players,
        action_form=ActionForm(), form=_round_form(rnd.neighbourhood, rnd),
        join_url=public_url(url_for("play.join_page", join_code=rnd.join_code)),
        screen_url=public_url(url_for("screen.screen", round_id=rnd.id)),
        glance=summary(rnd),
    )


@bp.post("/rounds/<int:round_id>/rules")
@organiser_required
def round_rules(round_id: int) -> Any:
    rnd = organiser_round(round_id)
    form = RoundForm()
    if not form.validate_on_submit():
        flash("; ".join(_form_errors(form)), "error")
        return redirect(url_for("organise.round_page", round_id=rnd.id)), 303
    edited = edit_round(db_session(), acting_organiser(), rnd, _spec(form, rnd.neighbourhood),
                        _rules_from(form), now())
    commit(Outcome(edited.value, edited.events + _word_round(rnd, form)))
    flash(gettext("Round saved."))
    return redirect(url_for("organise.round_page", round_id=rnd.id))


@bp.post("/rounds/<int:round_id>/state")
@organiser_required
def round_state(round_id: int) -> Any:
    rnd = organiser_round(round_id)
    form = ActionForm()
    if not form.validate_on_submit():
        raise Refusal("bad_request")
    commit(move_round(db_session(), acting_organiser(), rnd, form.action.data or "", now()))
    return redirect(url_for("organise.round_page", round_id=rnd.id))


@bp.get("/rounds/<int:round_id>/poster")
@organiser_required
def poster(round_id: int) -> Any:
    """In the neighbourhood's language (not the organiser's browser's: it hangs in the street),
    or ?lang=..., and with ?also=... a second language beside the first (Dutch + Turkish)."""
    rnd = organiser_round(round_id)
    lang = request.args.get("lang") or rnd.neighbourhood.default_language
    also = request.args.get("also") or None
    for chosen in (lang, also):
        if chosen is not None and chosen not in LANGUAGES:
            raise Refusal("language_unknown", language=chosen[:20])
    join_url = public_url(url_for("play.join_page", join_code=rnd.join_code))
    tz = ZoneInfo(rnd.neighbourhood.timezone)
    shown = [lang] + ([also] if also and also != lang else [])
    blocks = []
    for each in shown:
        with force_locale(each):
            blocks.append(render_template("organise/_poster_words.html", rnd=rnd, lang=each,
                                          dir=direction(each), second=bool(blocks)))
    names = [(each, direction(each), round_name(rnd, each)) for each in shown]
    if len({name for _, _, name in names}) == 1:  # an untranslated name is shown once
        names = names[:1]
    with force_locale(lang):
        return render_template(
            "organise/poster.html", rnd=rnd, qr=svg(join_url, border=1), join_url=join_url,
            starts=rnd.starts_at.astimezone(tz), ends=rnd.ends_at.astimezone(tz), lang=lang,
            dir=direction(lang), name=round_name(rnd, lang), names=names, blocks=blocks,
        )


RULE_LABELS = {
    "points_first_meeting": _l("Points for a first meeting"),
    "points_repeat_meeting": _l("Points for a repeat meeting"),
    "max_repeats": _l("Repeats that count, per pair"),
    "points_across_teams": _l("Extra for a meeting across teams"),
    "points_welcome": _l("Extra for welcoming a new player"),
    "story_spot_bonus": _l("Default story spot bonus"),
    "meeting_minutes": _l("Minutes to take the photo"),
    "max_distance_m": _l("Largest distance between phones (m)"),
    "max_browser_accuracy_m": _l("Worst browser location accuracy accepted (m)"),
}
STATE_LABELS = {
    "draft": _l("draft"),
    "live": _l("live"),
    "paused": _l("paused"),
    "ended": _l("ended"),
}


@bp.app_context_processor
def console_helpers() -> dict[str, Any]:
    return {
        "rule_fields": lambda: [(c, lo, hi, RULE_LABELS[c]) for c, lo, hi in RULES],
        "rule_default": lambda c: Round.__table__.c[c].default.arg,
        "allowed_from": lambda action: TRANSITIONS[action][0],
        "state_label": lambda state: str(STATE_LABELS.get(state, state)),
        "round_word_fields": _word_fields,
    }
