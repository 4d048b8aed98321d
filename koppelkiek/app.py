"""The app factory."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask, jsonify
from flask_babel import get_locale
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from werkzeug.routing import IntegerConverter

from koppelkiek import (
    afternoon,
    album,
    api,
    assets,
    cards,
    config,
    deadlines,
    errors,
    exports,
    glance,
    language,
    maps,
    meet,
    metrics,
    moderate,
    organise,
    photos,
    play,
    proposals,
    proxies,
    realtime,
    report,
    screen,
    spots,
    templates,
    words,
)
from koppelkiek.commands import register as register_cli
from koppelkiek.db import db
from koppelkiek.extensions import babel, csrf, limiter
from koppelkiek.messages import message

TEMPLATES_DIR = Path(templates.__file__).resolve().parent
HERE = Path(__file__).resolve().parent


class RowId(IntegerConverter):
    """`<int:...>` in every route: a database id fits a signed 64-bit integer, anything
    longer is no page at all (404), never an overflow deep in the driver."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:  # noqa: A002
        kwargs.setdefault("max", (1 << 63) - 1)
        super().__init__(map, *args, **kwargs)


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
    app.url_map.converters["int"] = RowId
    app.json = errors.NestingSafeJSON(app)
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
    glance.init_app(app)
    errors.init_app(app)
    language.init_app(app)
    words.init_app(app)
    deadlines.init_app(app)

    for module in (play, meet, organise, spots, moderate, cards, api, photos, screen, exports,
                   glance, maps, report, album, afternoon, proposals):
        app.register_blueprint(module.bp)
    # The API checks CSRF itself: only for cookie-authenticated calls (identity.check_api_csrf).
    csrf.exempt(api.bp)
    register_cli(app)
    app.jinja_env.globals.update(error_message=message, current_locale=lambda: str(get_locale()))

    if app.config["SOCKETIO_ASYNC_MODE"] == "gevent":
        from koppelkiek.serving import GivingWay, Pace, refuse_slow_body, share_the_gil

        app.wsgi_app = GivingWay(app.wsgi_app, Pace.from_config(app.config))  # type: ignore[method-assign]
        app.before_request_funcs.setdefault(None, []).insert(0, refuse_slow_body)
        share_the_gil()
    assets.init_app(app)
    app.wsgi_app = proxies.behind_proxies(  # type: ignore[method-assign]
        app.wsgi_app, int(app.config["TRUSTED_PROXIES"]))

    @app.get("/healthz")
    def healthz() -> Any:
        if errors.storage_troubled(app) or not _writable(app):
            return jsonify(ok=False, error={"code": "storage_unavailable"}), 503
        return jsonify(ok=True)

    return app


def _writable(app: Flask) -> bool:
    """Try a write that changes nothing and is rolled back: a read-only file or transaction
    refuses it."""
    try:
        with db.engine(app).connect() as conn:
            conn.execute(text("UPDATE rounds SET seq = seq WHERE id = -1"))
            conn.rollback()
    except DBAPIError as exc:
        if errors.storage_fault(exc):
            return False
        raise
    return True
