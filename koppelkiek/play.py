"""Resident pages: joining a round, the player page, recovery on a new phone."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length, Optional

from koppelkiek import limits
from koppelkiek.db import session as db_session
from koppelkiek.errors import Refusal, status_of
from koppelkiek.extensions import limiter
from koppelkiek.game.errors import GameError
from koppelkiek.game.models import Player, Round
from koppelkiek.game.photos import awaiting_consent, my_meetings
from koppelkiek.game.players import current_round, recovery_code_of
from koppelkiek.game.playing import enter, join_round, new_phone
from koppelkiek.game.rounds import by_join_code, can_join
from koppelkiek.game.teams import round_teams
from koppelkiek.identity import (
    current_player,
    keep_recovery_code,
    kept_recovery_code,
    now,
    set_player_cookie,
)
from koppelkiek.language import select_locale
from koppelkiek.outcomes import commit, settle
from koppelkiek.qr import public_url
from koppelkiek.realtime import own_row
from koppelkiek.redirects import same_site_path

bp = Blueprint("play", __name__)


class JoinForm(FlaskForm):
    display_name = StringField(validators=[Length(max=200)])
    team = StringField(validators=[Optional(), Length(max=200)])


class RecoverForm(FlaskForm):
    recovery_code = StringField(validators=[Length(max=64)])


class CodeForm(FlaskForm):
    code = StringField(validators=[Length(max=64)])


@bp.get("/")
def home() -> Any:
    player = current_player()
    if player is not None and current_round(db_session(), player) is not None:
        return redirect(url_for("play.player_page"))
    return render_template("home.html", form=CodeForm())


@bp.post("/")
def home_code() -> Any:
    form = CodeForm()
    if not form.validate_on_submit():
        raise Refusal("bad_request")
    rnd = by_join_code(db_session(), form.code.data or "")
    if rnd is None:
        return render_template("home.html", form=form, error="join_code_unknown"), 404
    return redirect(url_for("play.join_page", join_code=rnd.join_code))


@bp.get("/r/<join_code>")
def join_page(join_code: str) -> Any:
    s = db_session()
    rnd = by_join_code(s, join_code)
    if rnd is None:
        raise Refusal("join_code_unknown")
    player = current_player()
    then = same_site_path(request.args.get("then"))
    if player is not None and player.neighbourhood_id == rnd.neighbourhood_id:
        settle(enter, player, rnd, now())
        return redirect(then or url_for("play.player_page"))
    can_join(rnd)  # say so before someone types a name for nothing
    return render_template("join.html", rnd=rnd, form=JoinForm(), then=then,
                           teams=round_teams(s, rnd.id))


@bp.post("/r/<join_code>")
@limiter.limit(limits.JOIN, key_func=limits.by_address)
def join_submit(join_code: str) -> Any:
    s = db_session()
    rnd = by_join_code(s, join_code)
    if rnd is None:
        raise Refusal("join_code_unknown")
    form = JoinForm()
    then = same_site_path(request.form.get("then"))
    if not form.validate_on_submit():
        raise Refusal("bad_request")
    try:
        joined = settle(
            join_round, current_player(), rnd, display_name=form.display_name.data,
            team=form.team.data, language=select_locale(), now=now(),
        )
    except GameError as exc:
        if exc.code == "already_joined":
            exc.params["url"] = public_url(url_for("play.player_page"))
        if exc.code in ("display_name_invalid", "display_name_taken", "team_invalid"):
            s.rollback()
            return render_template(
                "join.html", rnd=rnd, form=form, then=then, error=exc.code, params=exc.params,
                teams=round_teams(s, rnd.id),
            ), status_of(exc)
        raise
    # The recovery code waits for a calm moment. Joined from the poster, that is now: nobody
    # is waiting, so the welcome page shows it. Joined halfway through a claim (a neighbour's
    # code scanned first), the neighbour is waiting: the claim goes on at once, and the player
    # page shows the code the next time it opens, once the meeting is done.
    session["recovery_due"] = True
    response = redirect(then) if then else redirect(url_for("play.welcome"))
    set_player_cookie(response, joined.token)
    return keep_recovery_code(response, joined.recovery_code)


def recovery_due(player: Player) -> str | None:
    """The recovery code to show now, once, if this phone has not been shown it yet."""
    return kept_recovery_code(player) if session.pop("recovery_due", None) else None


@bp.get("/welcome")
def welcome() -> Any:
    player = current_player()
    if player is None:
        return redirect(url_for("play.home"))
    code = recovery_due(player)
    then = same_site_path(request.args.get("then"))
    if code is None:
        return redirect(then or url_for("play.player_page"))
    return render_template("welcome.html", player=player, recovery_code=code, then=then)


@bp.get("/play")
def player_page() -> Any:
    player = current_player()
    if player is None:
        return render_template("not_joined.html"), 401
    s = db_session()
    rnd = current_round(s, player)
    if rnd is None:
        return render_template("not_joined.html"), 401
    meetings = my_meetings(s, player, rnd.id)
    points, _met, rank = own_row(rnd, player.id)  # as /me: no rank while the board is hidden
    return render_template("player.html", player=player, rnd=rnd, now=now(),
                           meetings=meetings, ask=awaiting_consent(meetings),
                           mine={"points": points, "rank": rank},
                           recovery_code=recovery_due(player))


@bp.get("/me")
def my_data_page() -> Any:
    player = current_player()
    if player is None:
        return render_template("not_joined.html"), 401
    return render_template("my_data.html", player=player,
                           recovery_code=kept_recovery_code(player))


@bp.get("/how-to-score")
def how_to_score() -> Any:
    player = current_player()
    rnd = current_round(db_session(), player) if player else None
    return render_template("how_to_score.html", rnd=rnd, defaults=Round.__table__.c)


@bp.get("/recover")
def recover_page() -> Any:
    return render_template("recover.html", form=RecoverForm())


@bp.post("/recover")
@limiter.limit(limits.RECOVERY, key_func=limits.by_address)
def recover_submit() -> Any:
    form = RecoverForm()
    if not form.validate_on_submit():
        raise Refusal("bad_request")
    try:
        recovering = new_phone(db_session(), form.recovery_code.data or "")
    except GameError as exc:
        return render_template("recover.html", form=form, error=exc.code), status_of(exc)
    player, token = commit(recovering)
    response = set_player_cookie(redirect(url_for("play.player_page")), token)
    # The typed code still works (only the old phone is signed out): "my data" shows it here too.
    code = recovery_code_of(player, form.recovery_code.data)
    return keep_recovery_code(response, code) if code is not None else response
