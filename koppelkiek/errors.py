"""Every refusal becomes a clear 4xx: JSON under /api, a friendly page elsewhere."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any, ClassVar, Literal, TypeVar, get_args

from flask import Flask, current_app, jsonify, make_response, render_template, request
from flask.json.provider import DefaultJSONProvider
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from koppelkiek.game.errors import CODES as GAME_CODES
from koppelkiek.game.errors import GameError
from koppelkiek.messages import message
from koppelkiek.uploads.errors import CODES as INTAKE_CODES

# Every code the web layer refuses with on its own: its input, its limits, its capacity.
WebCode = Literal[
    "not_joined",
    "login_required",
    "login_failed",
    "csrf_failed",
    "method_not_allowed",
    "request_too_large",
    "too_many_attempts",
    "invalid_json",
    "field_invalid",
    "boundary_missing",
    "spot_import_missing",
    "photo_missing",
    "photo_too_large",
    "idempotency_key_reused",
    "upload_too_slow",
    "upload_in_progress",
    "too_many_photos",
    "busy",
    "storage_unavailable",
    "internal_error",
]
WEB_CODES: frozenset[str] = frozenset(get_args(WebCode))
ALL_CODES = GAME_CODES | INTAKE_CODES | WEB_CODES

# The one place where a refusal gets its HTTP status: every code of the game, the intake and
# the web layer, and nothing else (tests/web/test_catalogues.py).
STATUS: dict[str, int] = {
    # general
    "bad_request": 400,
    "invalid_json": 400,
    "csrf_failed": 400,
    "not_joined": 401,
    "login_required": 401,
    "login_failed": 401,
    "not_found": 404,
    "method_not_allowed": 405,
    "request_too_large": 413,
    "too_many_attempts": 429,
    "field_invalid": 422,
    "internal_error": 500,
    "busy": 503,
    "storage_unavailable": 503,
    # organisers
    "email_invalid": 422,
    "password_too_short": 422,
    "organiser_exists": 409,
    # neighbourhoods
    "neighbourhood_name_invalid": 422,
    "timezone_unknown": 422,
    "geojson_too_deep": 422,
    "boundary_missing": 422,
    "boundary_not_json": 422,
    "boundary_wrong_type": 422,
    "boundary_empty": 422,
    "boundary_bad_coordinates": 422,
    "boundary_out_of_range": 422,
    "boundary_too_few_points": 422,
    "boundary_not_closed": 422,
    "boundary_self_intersecting": 422,
    "boundary_too_small": 422,
    "boundary_too_large": 422,
    # rounds
    "round_name_invalid": 422,
    "round_times_invalid": 422,
    "round_ends_before_start": 422,
    "round_too_long": 422,
    "rule_out_of_range": 422,
    "round_action_unknown": 400,
    "round_state_conflict": 409,
    "round_not_open": 409,
    "round_ended": 409,
    "round_not_ended": 409,
    "join_code_unknown": 404,
    # players
    "display_name_invalid": 422,
    "display_name_taken": 409,
    "team_invalid": 422,
    "already_joined": 409,
    "recovery_code_unknown": 404,
    "not_in_round": 403,
    # meetings
    "pairing_code_unknown": 404,
    "pairing_code_expired": 410,
    "pairing_code_used": 410,
    "pairing_code_revoked": 410,
    "cannot_meet_yourself": 409,
    "round_not_live": 409,
    "position_required": 422,
    "too_far_apart": 422,
    # photos
    "photo_missing": 422,
    "photo_too_large": 413,
    "unsupported_type": 415,
    "image_too_large": 422,
    "image_broken": 422,
    "image_too_small": 422,
    "image_too_complex": 422,
    "not_your_meeting": 403,
    "meeting_has_photo": 409,
    "meeting_expired": 410,
    "meeting_closed": 410,
    "no_location": 422,
    "photo_location_required": 422,
    "outside_neighbourhood": 422,
    "photo_not_from_meeting": 422,
    "duplicate_photo": 409,
    "photo_removed": 410,
    "idempotency_key_reused": 422,
    "upload_too_slow": 408,
    "upload_in_progress": 429,
    "too_many_photos": 429,
    # story spots
    "spot_name_invalid": 422,
    "spot_story_too_long": 422,
    "spot_coordinates_invalid": 422,
    "spot_outside_neighbourhood": 422,
    "spot_radius_out_of_range": 422,
    "spot_bonus_out_of_range": 422,
    "spot_import_missing": 422,
    "spot_import_not_json": 422,
    "spot_import_not_collection": 422,
    "spot_import_empty": 422,
    "spot_import_too_many": 422,
    "spot_import_not_point": 422,
    "spot_import_bad_property": 422,
    "spot_import_feature": 422,
    # residents' story spot proposals
    "spot_story_invalid": 422,
    "proposal_decided": 409,
    "proposal_reason_unknown": 422,
    # the organiser's words in other languages
    "language_unknown": 422,
    # the big screen's views
    "screen_view_unknown": 422,
}

# A refused HTTP request (werkzeug's, Flask-Limiter's) answers with the code for its status.
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


class Refusal(GameError):
    """A refusal by the web layer: one of its own codes, or a game or intake code it passes
    on. A GameError, so that one handler answers both."""

    codes: ClassVar[frozenset[str]] = ALL_CODES

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code, **params)  # type: ignore[arg-type]  # checked against ALL_CODES


def status_of(exc: GameError) -> int:
    return STATUS[exc.code]


def refusal(code: str, status: int | None = None, params: dict[str, object] | None = None) -> Any:
    """The answer to a refusal; `status` only for a refused HTTP request (see `http_error`)."""
    status = STATUS[code] if status is None else status
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
        return refusal("bad_request")
    return None


def init_app(app: Flask) -> None:
    app.before_request(_no_nul_bytes)

    @app.errorhandler(GameError)
    def game_error(exc: GameError) -> Any:
        response = make_response(refusal(exc.code, params=exc.params))
        if "retry_after" in exc.params:  # busy, too slow, too many: when trying again helps
            response.headers["Retry-After"] = str(exc.params["retry_after"])
        return response

    @app.errorhandler(PoolTimeout)
    def pool_exhausted(_exc: PoolTimeout) -> Any:
        # Every connection is in use: say so at once, and when to come back, never a 500.
        response = make_response(refusal("busy"))
        response.headers["Retry-After"] = "2"
        return response

    @app.errorhandler(CSRFError)
    def csrf_error(_exc: CSRFError) -> Any:
        return refusal("csrf_failed")

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Any:
        if isinstance(exc, HTTPException):
            return http_error(exc)
        if storage_fault(exc):
            current_app.extensions[STORAGE_TROUBLE] = time.monotonic()
            current_app.logger.warning("storage unavailable: %s", str(exc).splitlines()[0])
            body, status = refusal("storage_unavailable")
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
    status = STATUS["internal_error"]
    if wants_json():
        body = {"code": "internal_error", "message": text, "request_id": request_id}
        return jsonify(error=body), status, headers
    page = render_template("error.html", code="internal_error", message=text, status=status,
                           request_id=request_id)
    return page, status, headers
