"""A player's own calls: join, me (and forget me), pairing codes and meetings."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import jsonify, session, url_for

from koppelkiek import limits, realtime
from koppelkiek.api.v1 import bp
from koppelkiek.db import session as db_session
from koppelkiek.errors import Refusal
from koppelkiek.extensions import limiter
from koppelkiek.game.care import my_data
from koppelkiek.game.codes import normalise
from koppelkiek.game.errors import GameError
from koppelkiek.game.models import Meeting, Player
from koppelkiek.game.players import current_round
from koppelkiek.game.playing import forget_me, join_round, meet, show_code
from koppelkiek.game.rounds import by_join_code
from koppelkiek.identity import (
    PLAYER_COOKIE,
    current_player,
    now,
    require_player,
)
from koppelkiek.inputs import body, fix, text_field
from koppelkiek.language import select_locale
from koppelkiek.outcomes import commit, settle
from koppelkiek.qr import public_url


def player_json(player: Player) -> dict[str, Any]:
    return {"id": player.id, "display_name": player.display_name, "team": player.team}


def meeting_json(meeting: Meeting, me: Player) -> dict[str, Any]:
    partner = meeting.partner_of(me.id)
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
        joined = settle(
            join_round, current_player(), rnd, display_name=text_field(data, "display_name",
                                                                       required=False),
            team=text_field(data, "team", required=False), language=select_locale(), now=now(),
        )
    except GameError as exc:
        if exc.code == "already_joined":
            exc.params["url"] = public_url(url_for("play.player_page"))
        raise
    return jsonify(
        player=player_json(joined.player), token=joined.token, recovery_code=joined.recovery_code
    ), 201


@bp.get("/me")
def api_me() -> Any:
    player = require_player()
    rnd = current_round(db_session(), player)
    points, meetings, rank = realtime.own_row(rnd, player.id) if rnd else (0, 0, None)
    return jsonify(
        player=player_json(player),
        round=realtime.round_payload(rnd, meeting_minutes=rnd.meeting_minutes) if rnd else None,
        points=points,
        meetings=meetings,
        rank=rank,
    )


@bp.delete("/me")
def api_forget_me() -> Any:
    """Delete my data: photos go, name becomes 'Oud-speler'; partners keep their points."""
    commit(forget_me(db_session(), require_player(), now()))
    response = jsonify(erased=True)
    response.delete_cookie(PLAYER_COOKIE)
    return response


@bp.get("/me/data")
def api_my_data() -> Any:
    player = require_player()
    response = jsonify(my_data(db_session(), player))
    response.headers["Content-Disposition"] = f"attachment; filename=koppelkiek-{player.id}.json"
    return response


@bp.post("/pairing-codes")
@limiter.limit(limits.PAIRING_CODES_PER_PLAYER, key_func=limits.by_player)
def api_pairing_code() -> Any:
    player = require_player()
    s = db_session()
    rnd = current_round(s, player)
    if rnd is None:
        raise Refusal("not_in_round")
    pairing = settle(show_code, player, rnd, now(), fix(body()))
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
    result = settle(meet, player, code, now(), fix(data), started_at)
    return jsonify(meeting=meeting_json(result.meeting, player)), 201 if result.created else 200
