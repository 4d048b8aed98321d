"""Every refusal becomes a clear 4xx: JSON under /api, a friendly page elsewhere."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from game.errors import GameError
from koppelkiek.messages import message

HTTP_CODES = {
    400: "bad_request",
    401: "not_joined",
    404: "not_found",
    405: "method_not_allowed",
    413: "request_too_large",
    429: "too_many_attempts",
}


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes[
        "text/html"
    ]


def refusal(code: str, status: int, params: dict[str, object] | None = None) -> Any:
    text = message(code, params)
    current_app.logger.info("refused %s %s -> %s %s", request.method, request.path, status, code)
    if wants_json():
        return jsonify(error={"code": code, "message": text}), status
    return render_template("error.html", code=code, message=text, status=status), status


F = TypeVar("F", bound=Callable[..., Any])


def reads_own_body(view: F) -> F:
    """Mark a view that reads its (large) body itself, after cheaper checks; the NUL check at
    the door then leaves its form alone, so it must parse its fields strictly."""
    view.reads_own_body = True  # type: ignore[attr-defined]
    return view


BODY_UNREAD = "koppelkiek.body_unread"


def leave_body_unread() -> None:
    """A view that refuses before reading its body: under `serve` the answer goes out first,
    then the rest is dropped at the pace a body must keep and the connection closes
    (serving.GivingWay), instead of gevent reading a trickle for as long as it lasts."""
    request.environ[BODY_UNREAD] = True


def _no_nul_bytes() -> Any:
    """NUL never belongs in text, and PostgreSQL refuses it: turn it away at the door."""
    view = current_app.view_functions.get(request.endpoint or "")
    form = () if getattr(view, "reads_own_body", False) else request.form.values()
    fields = [request.path, *request.args.values(), *form]
    if any("\x00" in value for value in fields):
        return refusal("bad_request", 400)
    return None


def init_app(app: Flask) -> None:
    app.before_request(_no_nul_bytes)

    @app.errorhandler(GameError)
    def game_error(exc: GameError) -> Any:
        response = make_response(refusal(exc.code, exc.status, exc.params))
        if "retry_after" in exc.params:  # busy, too slow, too many: when trying again helps
            response.headers["Retry-After"] = str(exc.params["retry_after"])
        return response

    @app.errorhandler(PoolTimeout)
    def pool_exhausted(_exc: PoolTimeout) -> Any:
        # Every connection is in use: say so at once, and when to come back, never a 500.
        response = make_response(refusal("busy", 503))
        response.headers["Retry-After"] = "2"
        return response

    @app.errorhandler(CSRFError)
    def csrf_error(_exc: CSRFError) -> Any:
        return refusal("csrf_failed", 400)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        status = exc.code or 500
        if status >= 500:
            return exc
        code = HTTP_CODES.get(status, "bad_request")
        if status == 413 and "/photo" in request.path:
            code = "photo_too_large"
        return refusal(code, status)
