"""The organiser console: login, neighbourhoods, rounds, their state and the join poster."""

from __future__ import annotations

from datetime import UTC, datetime
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

from game.errors import GameError
from game.ledger import lock, rescore
from game.models import Neighbourhood, Organiser, Participation, Round
from game.neighbourhoods import create_neighbourhood, outline_svg
from game.organisers import audit, audit_log, authenticate
from game.rounds import (
    BROWSER_ONLY_MODES,
    LEADERBOARD_MODES,
    MODERATION_MODES,
    RULES,
    TRANSITIONS,
    RoundSpec,
    apply_rules,
    change_state,
    create_round,
)
from game.standings import set_leaderboard
from koppelkiek import limits, realtime
from koppelkiek.db import session as db_session
from koppelkiek.errors import Refusal, status_of
from koppelkiek.extensions import limiter
from koppelkiek.identity import (
    current_organiser,
    log_in,
    log_out,
    now,
    organiser_neighbourhood,
    organiser_required,
    organiser_round,
)
from koppelkiek.messages import message
from koppelkiek.qr import public_url, svg
from koppelkiek.redirects import same_site_path

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
        # Every copy of the session cookie stops working, not just this one.
        organiser.session_version += 1
        db_session().commit()
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
    return render_template(
        "organise/dashboard.html", hoods=hoods, rounds=rounds, log=audit_log(s, organiser, 20)
    )


@bp.get("/audit")
@organiser_required
def audit_page() -> Any:
    organiser = current_organiser()
    assert organiser is not None
    return render_template("organise/audit.html", log=audit_log(db_session(), organiser, 500))


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
    organiser = current_organiser()
    try:
        if upload is None or not getattr(upload, "filename", ""):
            raise Refusal("boundary_missing")
        data = upload.read(5 * 1024 * 1024 + 1)
        if len(data) > 5 * 1024 * 1024:
            raise Refusal("request_too_large")
        hood = create_neighbourhood(
            s, name=form.name.data or "", boundary=data, timezone=form.timezone.data or "",
            now=now(), organiser=organiser,
        )
    except GameError as exc:
        s.rollback()
        return render_template(
            "organise/neighbourhood_new.html", form=form,
            errors=[message(exc.code, exc.params)], error_code=exc.code,
        ), status_of(exc)
    audit(s, organiser, "neighbourhood_create", now(), neighbourhood_id=hood.id, name=hood.name)
    s.commit()
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
    s = db_session()
    organiser = current_organiser()
    hood = organiser_neighbourhood(slug)
    form = RoundForm()
    if not form.validate_on_submit():
        return render_template(
            "organise/neighbourhood.html", hood=hood, outline=outline_svg(hood.boundary_geojson),
            rounds=[], form=form, errors=_form_errors(form),
        ), 422
    spec = RoundSpec(
        form.name.data or "", _local(form.starts.data, hood.timezone),
        _local(form.ends.data, hood.timezone),
    )
    rnd = create_round(s, hood, spec, now(), _rules_from(form))
    audit(s, organiser, "round_create", now(), neighbourhood_id=hood.id, round=rnd.id,
          name=rnd.name)
    s.commit()
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
    )


@bp.post("/rounds/<int:round_id>/rules")
@organiser_required
def round_rules(round_id: int) -> Any:
    s = db_session()
    organiser = current_organiser()
    rnd = organiser_round(round_id)
    form = RoundForm()
    if not form.validate_on_submit():
        flash("; ".join(_form_errors(form)), "error")
        return redirect(url_for("organise.round_page", round_id=rnd.id)), 303
    lock(s, rnd)  # photos scored meanwhile wait, then count under the new rules
    tz = rnd.neighbourhood.timezone
    starts, ends = _local(form.starts.data, tz), _local(form.ends.data, tz)
    if ends <= starts:
        raise Refusal("round_ends_before_start")
    before = {c: getattr(rnd, c) for c, _, _ in RULES}
    rnd.name = " ".join((form.name.data or rnd.name).split())[:120] or rnd.name
    rnd.starts_at, rnd.ends_at = starts.astimezone(UTC), ends.astimezone(UTC)
    rules = _rules_from(form)
    board_mode = str(rules.pop("leaderboard"))
    apply_rules(rnd, rules)
    after = {c: getattr(rnd, c) for c, _, _ in RULES}
    # New numbers apply to photos already taken, by compensating entries: the ledger stays true.
    events = rescore(s, rnd, now(), kind="rules_changed")
    events += set_leaderboard(s, rnd, board_mode, now())
    audit(s, organiser, "round_rules", now(), neighbourhood_id=rnd.neighbourhood_id,
          round=rnd.id, leaderboard=board_mode,
          changed={k: [before[k], after[k]] for k in after if before[k] != after[k]})
    s.commit()
    realtime.publish(events)
    flash(gettext("Round saved."))
    return redirect(url_for("organise.round_page", round_id=rnd.id))


@bp.post("/rounds/<int:round_id>/state")
@organiser_required
def round_state(round_id: int) -> Any:
    s = db_session()
    organiser = current_organiser()
    rnd = organiser_round(round_id)
    form = ActionForm()
    if not form.validate_on_submit():
        raise Refusal("bad_request")
    event = change_state(s, rnd, form.action.data or "", now())
    audit(s, organiser, f"round_{form.action.data}", now(),
          neighbourhood_id=rnd.neighbourhood_id, round=rnd.id)
    s.commit()
    realtime.publish([event])
    return redirect(url_for("organise.round_page", round_id=rnd.id))


@bp.get("/rounds/<int:round_id>/poster")
@organiser_required
def poster(round_id: int) -> Any:
    rnd = organiser_round(round_id)
    join_url = public_url(url_for("play.join_page", join_code=rnd.join_code))
    tz = ZoneInfo(rnd.neighbourhood.timezone)
    # The poster hangs in a Dutch street: always Dutch.
    with force_locale("nl"):
        return render_template(
            "organise/poster.html", rnd=rnd, qr=svg(join_url, border=1), join_url=join_url,
            starts=rnd.starts_at.astimezone(tz), ends=rnd.ends_at.astimezone(tz),
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


def _organiser_email(organiser_id: int | None) -> str:
    organiser = db_session().get(Organiser, organiser_id) if organiser_id else None
    return organiser.email if organiser else "cli"


@bp.app_context_processor
def console_helpers() -> dict[str, Any]:
    return {
        "rule_fields": lambda: [(c, lo, hi, RULE_LABELS[c]) for c, lo, hi in RULES],
        "rule_default": lambda c: Round.__table__.c[c].default.arg,
        "allowed_from": lambda action: TRANSITIONS[action][0],
        "state_label": lambda state: str(STATE_LABELS.get(state, state)),
        "organiser_email": _organiser_email,
    }
