"""The app factory."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask, jsonify
from flask_babel import get_locale

import templates
from koppelkiek import (
    api,
    assets,
    board,
    config,
    errors,
    exports,
    language,
    meet,
    metrics,
    moderate,
    organise,
    photos,
    play,
    proxies,
    realtime,
    screen,
    spots,
)
from koppelkiek.commands import register as register_cli
from koppelkiek.db import db
from koppelkiek.extensions import babel, csrf, limiter
from koppelkiek.messages import message

TEMPLATES_DIR = Path(templates.__file__).resolve().parent
HERE = Path(__file__).resolve().parent


def build_app(overrides: dict[str, Any] | None = None) -> Flask:
    settings = config.load(overrides)
    app = Flask(
        "koppelkiek",
        template_folder=str(TEMPLATES_DIR),
        static_folder=str(HERE / "static"),
        instance_path=settings["INSTANCE"],
        instance_relative_config=False,
    )
    app.config.update(settings)
    app.logger.setLevel(getattr(logging, str(settings["LOG_LEVEL"]).upper(), logging.INFO))
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.policies["ext.i18n.trimmed"] = True

    db.init_app(app)
    babel.init_app(
        app,
        locale_selector=language.select_locale,
        default_translation_directories=str(HERE / "translations"),
    )
    csrf.init_app(app)
    metrics.init_app(app)  # before the limiter, so refusals are timed too
    limiter.init_app(app)
    realtime.init_app(app)
    errors.init_app(app)
    language.init_app(app)

    for module in (play, meet, organise, spots, moderate, api, board, photos, screen, exports):
        app.register_blueprint(module.bp)
    # The API checks CSRF itself: only for cookie-authenticated calls (identity.check_api_csrf).
    csrf.exempt(api.bp)
    csrf.exempt(photos.bp)
    register_cli(app)
    app.jinja_env.globals.update(error_message=message, current_locale=lambda: str(get_locale()))

    if app.config["SOCKETIO_ASYNC_MODE"] == "gevent":
        from koppelkiek.serving import GivingWay

        app.wsgi_app = GivingWay(app.wsgi_app)  # type: ignore[method-assign]
    assets.init_app(app)
    app.wsgi_app = proxies.behind_proxies(  # type: ignore[method-assign]
        app.wsgi_app, int(app.config["TRUSTED_PROXIES"]))

    @app.get("/healthz")
    def healthz() -> Any:
        return jsonify(ok=True)

    return app
