"""The JSON API under /api/v1; the pages use it too."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, jsonify, request, session, url_for

from game.care import erase, my_data
from game.codes import normalise
from game.errors import GameError
from game.meetings import claim
from game.models import Meeting, Player
from game.pairing import fix_from, issue_code
from game.players import current_round, join
from game.rounds import by_join_code
from game.standings import of_player
from koppelkiek import limits, realtime
from koppelkiek.board import full_board
from koppelkiek.db import session as db_session
from koppelkiek.errors import Refusal
from koppelkiek.extensions import limiter
from koppelkiek.identity import (
    PLAYER_COOKIE,
    check_api_csrf,
    current_player,
    now,
    require_player,
)
from koppelkiek.language import select_locale
from koppelkiek.qr import public_url

bp = Blueprint("api", __name__, url_prefix="/api/v1")
bp.before_request(check_api_csrf)


def body() -> dict[str, Any]:
    """The JSON object sent, or the form fields; anything else is a 400."""
    if request.is_json:
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            raise Refusal("invalid_json")
        return data
    return request.form.to_dict()


def text_field(data: dict[str, Any], name: str, required: bool = True) -> str | None:
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise Refusal("field_invalid", field=name)
        return None
    if not isinstance(value, str):
        raise Refusal("field_invalid", field=name)
    return value


def player_json(player: Player) -> dict[str, Any]:
    return {"id": player.id, "display_name": player.display_name, "team": player.team}


def meeting_json(meeting: Meeting, me: Player) -> dict[str, Any]:
    partner = meeting.player_b if meeting.player_a_id == me.id else meeting.player_a
    return {
        "id": meeting.id,
        "partner": {"id": partner.id, "display_name": partner.display_name},
        "photo_due_by": meeting.photo_due_by.isoformat(),
        "met_at": meeting.met_at.isoformat(),
    }


@bp.post("/join")
@limiter.limit(limits.JOIN, key_func=limits.by_address)
def api_join() -> Any:
    data = body()
    s = db_session()
    rnd = by_join_code(s, text_field(data, "join_code") or "")
    if rnd is None:
        raise Refusal("join_code_unknown")
    try:
        joined = join(
            s, rnd, display_name=text_field(data, "display_name", required=False),
            team=text_field(data, "team", required=False), now=now(), language=select_locale(),
            device=current_player(),
        )
    except GameError as exc:
        if exc.code == "already_joined":
            exc.params["url"] = public_url(url_for("play.player_page"))
        raise
    s.commit()
    realtime.publish(joined.events)
    return jsonify(
        player=player_json(joined.player), token=joined.token, recovery_code=joined.recovery_code
    ), 201


@bp.get("/me")
def api_me() -> Any:
    player = require_player()
    rnd = current_round(db_session(), player)
    mine = of_player(full_board(rnd), player.id) if rnd else None
    hidden = rnd is not None and rnd.leaderboard != "visible"
    return jsonify(
        player=player_json(player),
        round=realtime.round_payload(rnd, meeting_minutes=rnd.meeting_minutes) if rnd else None,
        points=mine["points"] if mine else 0,
        meetings=mine["meetings"] if mine else 0,
        rank=None if hidden or mine is None else mine["rank"],
    )


@bp.delete("/me")
def api_forget_me() -> Any:
    """Delete my data: photos go, name becomes 'Oud-speler'; partners keep their points."""
    player = require_player()
    s = db_session()
    events = erase(s, player, now())
    s.commit()
    realtime.publish(events)
    response = jsonify(erased=True)
    response.delete_cookie(PLAYER_COOKIE)
    return response


@bp.get("/me/data")
def api_my_data() -> Any:
    player = require_player()
    response = jsonify(my_data(db_session(), player))
    response.headers["Content-Disposition"] = f"attachment; filename=koppelkiek-{player.id}.json"
    return response


def _fix(data: dict[str, Any]) -> Any:
    return fix_from(data.get("lat"), data.get("lon"), data.get("accuracy"))


@bp.post("/pairing-codes")
@limiter.limit(limits.PAIRING_CODES_PER_PLAYER, key_func=limits.by_player)
def api_pairing_code() -> Any:
    player = require_player()
    s = db_session()
    rnd = current_round(s, player)
    if rnd is None:
        raise Refusal("not_in_round")
    pairing = issue_code(s, player, rnd, now(), _fix(body()))
    s.commit()
    return jsonify(
        code=pairing.code,
        url=public_url(url_for("meet.scanned", code=pairing.code)),
        qr_svg_url=url_for("meet.qr_svg", code=pairing.code),
        expires_at=pairing.expires_at.isoformat(),
        refresh_seconds=30,
    ), 201


@bp.post("/meetings")
@limiter.limit(limits.CLAIMS_PER_PLAYER, key_func=limits.by_player)
@limiter.limit(limits.REFUSED_CLAIMS_PER_ADDRESS, key_func=limits.by_address,
               deduct_when=limits.refused)
def api_claim() -> Any:
    player = require_player()
    data = body()
    code = text_field(data, "code") or ""
    seen: dict[str, float] = session.get("seen_codes", {})
    started_at = None
    if normalise(code) in seen:
        started_at = datetime.fromtimestamp(seen[normalise(code)], UTC)
    s = db_session()
    result = claim(s, player, code, now(), _fix(data), started_at=started_at)
    s.commit()
    realtime.publish(result.events)
    return jsonify(meeting=meeting_json(result.meeting, player)), 201 if result.created else 200
