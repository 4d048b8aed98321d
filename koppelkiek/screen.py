"""The community-centre screen: a full-screen page that keeps itself up to date."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, url_for

from koppelkiek.db import session as db_session
from koppelkiek.errors import Refusal
from koppelkiek.game.models import Round
from koppelkiek.game.organisers import manages
from koppelkiek.game.spots import round_spots
from koppelkiek.game.values import RoundState
from koppelkiek.identity import current_organiser
from koppelkiek.qr import public_url, svg
from koppelkiek.words import screen_words

bp = Blueprint("screen", __name__)


@bp.get("/screen/<int:round_id>")
def screen(round_id: int) -> Any:
    s = db_session()
    rnd = s.get(Round, round_id)
    if rnd is None:
        raise Refusal("not_found")
    organiser = current_organiser()
    if rnd.state == RoundState.DRAFT and not (
            organiser and manages(s, organiser, rnd.neighbourhood_id)):
        # Not public yet: no name, no join code. The page reloads itself once the round opens.
        return render_template("screen.html", rnd=rnd, closed=True)
    join_url = public_url(url_for("play.join_page", join_code=rnd.join_code))
    return render_template("screen.html", rnd=rnd, join_qr=svg(join_url, border=1),
                           join_url=join_url, words=screen_words(rnd, round_spots(s, rnd)))
