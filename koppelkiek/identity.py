"""Who is asking: a player by cookie or bearer token, an organiser by login session."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, g, redirect, request, session, url_for
from flask.wrappers import Response
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms import ValidationError

from koppelkiek.db import session as db_session
from koppelkiek.errors import Refusal
from koppelkiek.game.audit import Actor
from koppelkiek.game.models import Neighbourhood, Organiser, Player, Round
from koppelkiek.game.organisers import managed_neighbourhood, managed_round
from koppelkiek.game.players import by_token, recovery_code_of

PLAYER_COOKIE = "kk_player"
# The recovery code, kept on the phone that got it so "my data" can show it again; the server
# keeps only its hash. Whoever holds this phone holds its player cookie anyway.
RECOVERY_COOKIE = "kk_recovery"
F = TypeVar("F", bound=Callable[..., Any])


def now() -> datetime:
    """The clock; tests inject theirs through app.config['CLOCK']."""
    clock = current_app.config.get("CLOCK")
    return clock() if clock else datetime.now(UTC)


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def current_player() -> Player | None:
    if "player" not in g:
        token = bearer_token() or request.cookies.get(PLAYER_COOKIE)
        g.player = by_token(db_session(), token)
    return g.player


def require_player() -> Player:
    player = current_player()
    if player is None:
        raise Refusal("not_joined")
    return player


def set_player_cookie(response: Response, token: str) -> Response:
    days = int(current_app.config["PLAYER_COOKIE_DAYS"])
    response.set_cookie(
        PLAYER_COOKIE,
        token,
        max_age=days * 86400,
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config["SECURE_COOKIES"]),
    )
    return response


def keep_recovery_code(response: Response, code: str) -> Response:
    response.set_cookie(
        RECOVERY_COOKIE,
        code,
        max_age=int(current_app.config["PLAYER_COOKIE_DAYS"]) * 86400,
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config["SECURE_COOKIES"]),
    )
    return response


def kept_recovery_code(player: Player) -> str | None:
    """This phone's recovery code for `player`, if it kept one that still works."""
    return recovery_code_of(player, request.cookies.get(RECOVERY_COOKIE))


def check_api_csrf() -> None:
    """Cookie-authenticated API calls need the CSRF header; bearer clients don't carry cookies."""
    if request.method in ("GET", "HEAD", "OPTIONS") or bearer_token():
        return
    if PLAYER_COOKIE not in request.cookies and "session" not in request.cookies:
        return
    try:
        validate_csrf(request.headers.get("X-CSRFToken"))
    except ValidationError as exc:
        raise CSRFError(str(exc)) from None


def log_in(organiser: Organiser) -> None:
    session.clear()
    session.permanent = True
    session["organiser_id"] = organiser.id
    session["organiser_v"] = organiser.session_version
    session["login_at"] = datetime.now(UTC).timestamp()


def log_out() -> None:
    session.clear()


def current_organiser() -> Organiser | None:
    if "organiser" in g:
        return g.organiser
    g.organiser = None
    oid, login_at = session.get("organiser_id"), session.get("login_at")
    if oid is None or login_at is None:
        return None
    hours = int(current_app.config["ORGANISER_SESSION_HOURS"])
    if datetime.now(UTC) - datetime.fromtimestamp(login_at, UTC) > timedelta(hours=hours):
        session.clear()
        return None
    organiser = db_session().get(Organiser, oid)
    if organiser is None or organiser.session_version != session.get("organiser_v"):
        session.clear()
        return None
    g.organiser = organiser
    return organiser


def acting_organiser() -> Actor:
    """The logged-in organiser as the actor of a console write."""
    organiser = current_organiser()
    if organiser is None:
        raise Refusal("login_required")
    return Actor(organiser=organiser)


def organiser_required(view: F) -> F:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_organiser() is None:
            if request.path.startswith("/api/"):
                raise Refusal("login_required")
            return redirect(url_for("organise.login", next=request.full_path))
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def organiser_round(round_id: int) -> Round:
    """A round in the logged-in organiser's neighbourhoods; any other looks like a 404."""
    organiser = current_organiser()
    if organiser is None:
        raise Refusal("login_required")
    return managed_round(db_session(), organiser, round_id)


def organiser_neighbourhood(slug: str) -> Neighbourhood:
    organiser = current_organiser()
    if organiser is None:
        raise Refusal("login_required")
    return managed_neighbourhood(db_session(), organiser, slug)
