"""A resident's "my afternoon": who they met, their photos, their points and rank (only their
own; game/afternoon.py), and a PNG card of it to save or share (afternoon_card.py)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, render_template
from flask_babel import format_date, get_locale, gettext

from koppelkiek import limits
from koppelkiek.afternoon_card import CardWords, card_png
from koppelkiek.db import session as db_session
from koppelkiek.extensions import limiter
from koppelkiek.game.afternoon import Afternoon, my_afternoon
from koppelkiek.game.models import Player, Round
from koppelkiek.game.players import current_round
from koppelkiek.identity import current_player
from koppelkiek.language import text_direction
from koppelkiek.realtime import own_row
from koppelkiek.words import round_name

bp = Blueprint("afternoon", __name__, url_prefix="/play")


def _mine() -> tuple[Player, Round] | None:
    player = current_player()
    if player is None:
        return None
    rnd = current_round(db_session(), player)
    return None if rnd is None else (player, rnd)


def _rank(rnd: Round, player: Player) -> tuple[int, int | None]:
    """Points and rank as the player page shows them: no rank while the board is hidden."""
    points, _meetings, rank = own_row(rnd, player.id)
    return points, rank


@bp.get("/afternoon")
def afternoon_page() -> Any:
    found = _mine()
    if found is None:
        return render_template("not_joined.html"), 401
    player, rnd = found
    afternoon: Afternoon = my_afternoon(db_session(), player, rnd.id)
    points, rank = _rank(rnd, player)
    response = Response(render_template("afternoon.html", player=player, rnd=rnd,
                                        afternoon=afternoon, points=points, rank=rank,
                                        tz=rnd.neighbourhood.timezone))
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/afternoon/card.png")
@limiter.limit(limits.AFTERNOON_CARDS_PER_PLAYER, key_func=limits.by_player)
def afternoon_card() -> Any:
    found = _mine()
    if found is None:
        return render_template("not_joined.html"), 401
    player, rnd = found
    afternoon = my_afternoon(db_session(), player, rnd.id)
    points, rank = _rank(rnd, player)
    day = rnd.starts_at.astimezone(ZoneInfo(rnd.neighbourhood.timezone)).date()
    words = CardWords(
        title=gettext("My afternoon"),
        round_name=round_name(rnd),
        player=player.display_name,
        figures=((gettext("Points"), str(points)),
                 (gettext("Rank"), str(rank) if rank is not None else "\u2013"),
                 (gettext("Neighbours met"), str(afternoon.neighbours))),
        footer=f"{rnd.neighbourhood.name} · {format_date(day, 'long')}",
        right_to_left=text_direction(str(get_locale())) == "rtl",
    )
    response = Response(card_png(words), mimetype="image/png")
    response.headers["Content-Disposition"] = 'inline; filename="koppelkiek-afternoon.png"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
