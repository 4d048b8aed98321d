"""The one blueprint of the JSON API under /api/v1; the route modules beside it add to it."""

from __future__ import annotations

from flask import Blueprint

from koppelkiek.identity import check_api_csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# The API checks CSRF itself, only for cookie-authenticated calls (app.py exempts the rest).
bp.before_request(check_api_csrf)
