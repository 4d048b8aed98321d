"""Every refusal becomes a clear 4xx: JSON under /api, a friendly page elsewhere."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, jsonify, make_response, render_template, request
from flask.json.provider import DefaultJSONProvider
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
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


# SQLite's result codes and PostgreSQL's SQLSTATEs that mean "cannot write", not "bad query":
# a read-only file or transaction, a full disk, a failing disk.
STORAGE_SQLITE = ("SQLITE_READONLY", "SQLITE_FULL", "SQLITE_IOERR", "SQLITE_CANTOPEN")
STORAGE_SQLSTATE = ("25006", "53", "58")  # read-only transaction, out of resources, disk I/O
STORAGE_TROUBLE = "koppelkiek_storage_trouble"
TROUBLE_SECONDS = 30.0  # /healthz keeps saying 503 this long after a failed write


class NestingSafeJSON(DefaultJSONProvider):
    """JSON nested beyond the parser's depth is invalid JSON (a ValueError), not a crash."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None


def storage_fault(exc: BaseException) -> bool:
    """A database error that says the storage cannot be written right now."""
    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    name = str(getattr(orig, "sqlite_errorname", "") or "")
    state = str(getattr(orig, "sqlstate", "") or "")
    return name.startswith(STORAGE_SQLITE) or state.startswith(STORAGE_SQLSTATE)


def storage_troubled(app: Flask) -> bool:
    """A write failed for want of storage a moment ago (a full disk shows only on commit)."""
    since = app.extensions.get(STORAGE_TROUBLE)
    window = float(app.config.get("STORAGE_TROUBLE_SECONDS", TROUBLE_SECONDS))
    return since is not None and time.monotonic() - since < window


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

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Any:
        if isinstance(exc, HTTPException):
            return http_error(exc)
        if storage_fault(exc):
            current_app.extensions[STORAGE_TROUBLE] = time.monotonic()
            current_app.logger.warning("storage unavailable: %s", str(exc).splitlines()[0])
            body, status = refusal("storage_unavailable", 503)
            return body, status, {"Retry-After": str(int(TROUBLE_SECONDS))}
        return crashed(exc)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        status = exc.code or 500
        if status >= 500:
            return exc
        code = HTTP_CODES.get(status, "bad_request")
        if status == 413 and "/photo" in request.path:
            code = "photo_too_large"
        return refusal(code, status)


def crashed(exc: BaseException) -> Any:
    """A bug: the log gets the traceback under an id that the person sees and can pass on."""
    request_id = uuid.uuid4().hex[:12]
    current_app.logger.error("unexpected error %s %s request_id=%s", request.method,
                             request.path, request_id, exc_info=exc)
    text = message("internal_error", {"request_id": request_id})
    headers = {"X-Request-ID": request_id}
    if wants_json():
        body = {"code": "internal_error", "message": text, "request_id": request_id}
        return jsonify(error=body), 500, headers
    page = render_template("error.html", code="internal_error", message=text, status=500,
                           request_id=request_id)
    return page, 500, headers
