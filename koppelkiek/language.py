"""Which language to speak: the player's choice, this browser's choice, the browser's
languages (Accept-Language), then Dutch. Also which way the text runs, and bidi isolation."""

from __future__ import annotations

from typing import Any

from flask import (
    Flask,
    current_app,
    g,
    has_request_context,
    make_response,
    redirect,
    request,
    url_for,
)
from markupsafe import Markup
from sqlalchemy.exc import SQLAlchemyError

from koppelkiek.game.playing import speak
from koppelkiek.game.values import LANGUAGES
from koppelkiek.identity import PLAYER_COOKIE, bearer_token, current_player
from koppelkiek.outcomes import commit
from koppelkiek.redirects import same_site_path

__all__ = ["COOKIE", "LANGUAGES", "NAMES", "RIGHT_TO_LEFT", "select_locale"]

COOKIE = "kk_lang"
# Each language in its own name, so a person finds theirs without reading another.
NAMES: dict[str, str] = {
    "nl": "Nederlands",
    "en": "English",
    "tr": "Türkçe",
    "ar": "العربية",
    "pl": "Polski",
}
RIGHT_TO_LEFT = frozenset({"ar"})


def _player_language() -> str | None:
    """The joined player's stored choice. Loads the player only when this request names one
    (cookie or token); a database that fails here must not turn an error page into a 500."""
    if "player" not in g and not (bearer_token() or request.cookies.get(PLAYER_COOKIE)):
        return None
    try:
        player = current_player()
    except SQLAlchemyError:
        return None
    return player.language if player is not None and player.language in LANGUAGES else None


def select_locale() -> str:
    if not has_request_context():  # the CLI
        return str(current_app.config.get("BABEL_DEFAULT_LOCALE", "nl"))
    # This phone's own choice first (the picker also stores it on the player), then the
    # player's choice (a new phone after recovery), then what the browser asks for.
    chosen = request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return str(chosen)
    stored = _player_language()
    if stored is not None:
        return stored
    return request.accept_languages.best_match(LANGUAGES, default="nl") or "nl"


def text_direction(locale: str) -> str:
    return "rtl" if locale in RIGHT_TO_LEFT else "ltr"


def bdi(value: object) -> Markup:
    """A name or number inside a sentence, isolated so Latin and Arabic don't reorder each
    other (a name like "Ali 2" in an Arabic sentence stays "Ali 2")."""
    return Markup("<bdi>%s</bdi>") % (value,)


def _choose(lang: str, target: str | None) -> Any:
    response = make_response(redirect(same_site_path(target) or url_for("play.home")))
    if lang in LANGUAGES:
        response.set_cookie(COOKIE, lang, max_age=400 * 86400, samesite="Lax")
        player = current_player()
        if player is not None and player.language != lang:
            commit(speak(player, lang))
    return response


def init_app(app: Flask) -> None:
    app.jinja_env.filters["bdi"] = bdi
    app.jinja_env.globals.update(language_names=NAMES, text_direction=text_direction)

    @app.get("/language/<lang>")
    def choose_language(lang: str) -> Any:
        return _choose(lang, request.args.get("next"))

    @app.post("/language")
    def choose_language_form() -> Any:
        """The picker in the header; a form, so it works without JavaScript too."""
        return _choose(request.form.get("lang", ""), request.form.get("next"))
