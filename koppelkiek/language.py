"""Which language to speak: the person's choice, then the browser's, then Dutch."""

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

from koppelkiek.redirects import same_site_path

LANGUAGES = ("nl", "en")
COOKIE = "kk_lang"


def select_locale() -> str:
    if not has_request_context():  # the CLI
        return str(current_app.config.get("BABEL_DEFAULT_LOCALE", "nl"))
    chosen = request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    player = g.get("player")
    if player is not None and player.language in LANGUAGES:
        return str(player.language)
    return request.accept_languages.best_match(LANGUAGES, default="nl") or "nl"


def init_app(app: Flask) -> None:
    @app.get("/language/<lang>")
    def choose_language(lang: str) -> Any:
        target = same_site_path(request.args.get("next")) or url_for("play.home")
        response = make_response(redirect(target))
        if lang in LANGUAGES:
            response.set_cookie(COOKIE, lang, max_age=400 * 86400, samesite="Lax")
        return response
