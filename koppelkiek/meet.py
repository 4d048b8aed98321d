"""Meeting pages: the code a phone camera opens, typing a code, and the QR image."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, redirect, render_template, session, url_for

from koppelkiek import limits
from koppelkiek.db import session as db_session
from koppelkiek.errors import Refusal
from koppelkiek.extensions import limiter
from koppelkiek.game.codes import normalise
from koppelkiek.game.models import Round
from koppelkiek.game.pairing import by_code, live, owned_code
from koppelkiek.game.players import current_round
from koppelkiek.game.values import RoundState
from koppelkiek.identity import current_player, now, require_player
from koppelkiek.qr import public_url, svg

bp = Blueprint("meet", __name__)
SEEN_KEEP = 20  # codes remembered per browser, so a join in between does not lose the scan


def remember_seen(code: str) -> None:
    """Remember when this browser first opened the code: a claim begun in time may finish."""
    seen: dict[str, float] = dict(session.get("seen_codes", {}))
    if code not in seen:
        seen[code] = now().timestamp()
        seen = dict(sorted(seen.items(), key=lambda kv: kv[1])[-SEEN_KEEP:])
        session["seen_codes"] = seen


@bp.get("/m/<code>")
@limiter.limit(limits.SCANS_PER_ADDRESS, key_func=limits.by_address)
@limiter.limit(limits.SCANS_PER_PLAYER, key_func=limits.by_player, exempt_when=limits.anonymous)
def scanned(code: str) -> Any:
    code = normalise(code)
    s = db_session()
    pairing = by_code(s, code)
    # Unknown, used and expired codes get one answer; the claim tells a player of the round more.
    if not live(pairing, now()):
        pairing = None
    if pairing is not None:
        remember_seen(code)
    player = current_player()
    if player is None:
        if pairing is None:
            raise Refusal("pairing_code_unknown")
        rnd = s.get(Round, pairing.round_id)
        assert rnd is not None
        return redirect(url_for("play.join_page", join_code=rnd.join_code, then=f"/m/{code}"))
    return render_template("claim.html", code=code, player=player)


@bp.get("/meet")
def show_code() -> Any:
    player = current_player()
    if player is None:
        return redirect(url_for("play.home"))
    rnd = current_round(db_session(), player)
    if rnd is None:
        return redirect(url_for("play.home"))
    if rnd.state == RoundState.ENDED:  # no more meetings: the player page says thank you
        return redirect(url_for("play.player_page"))
    return render_template("show_code.html", player=player, rnd=rnd, base=public_url("/m/"))


@bp.get("/scan")
def type_code() -> Any:
    player = current_player()
    if player is None:
        return redirect(url_for("play.home"))
    rnd = current_round(db_session(), player)
    if rnd is not None and rnd.state == RoundState.ENDED:
        return redirect(url_for("play.player_page"))
    return render_template("type_code.html", player=player)


@bp.get("/qr/<code>.svg")
def qr_svg(code: str) -> Any:
    """Only the owner sees their code as a picture; others could forward it."""
    player = require_player()
    pairing = owned_code(db_session(), player, normalise(code))
    if pairing is None:
        raise Refusal("not_found")
    image = svg(public_url(url_for("meet.scanned", code=pairing.code)))
    return Response(
        image, mimetype="image/svg+xml", headers={"Cache-Control": "private, max-age=60"}
    )
