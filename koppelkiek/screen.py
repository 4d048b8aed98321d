"""The community-centre screen: a full-screen page that keeps itself up to date."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, jsonify, render_template, url_for

from koppelkiek.db import session as db_session
from koppelkiek.errors import Refusal
from koppelkiek.game.models import Round
from koppelkiek.game.organisers import manages
from koppelkiek.game.screen_views import screen_views
from koppelkiek.game.spots import round_spots, teller_of
from koppelkiek.game.values import RoundState
from koppelkiek.identity import current_organiser
from koppelkiek.qr import public_url, svg
from koppelkiek.words import screen_words

bp = Blueprint("screen", __name__)


def _public(rnd: Round) -> bool:
    """A draft round is not public yet: only its organisers see its screen."""
    organiser = current_organiser()
    return rnd.state != RoundState.DRAFT or bool(
        organiser and manages(db_session(), organiser, rnd.neighbourhood_id))


@bp.get("/screen/<int:round_id>")
def screen(round_id: int) -> Any:
    s = db_session()
    rnd = s.get(Round, round_id)
    if rnd is None:
        raise Refusal("not_found")
    if not _public(rnd):
        # Not public yet: no name, no join code. The page reloads itself once the round opens.
        return render_template("screen.html", rnd=rnd, closed=True)
    join_url = public_url(url_for("play.join_page", join_code=rnd.join_code))
    return render_template("screen.html", rnd=rnd, join_qr=svg(join_url, border=1),
                           join_url=join_url, words=screen_words(rnd, round_spots(s, rnd)),
                           view=screen_views(rnd)[0])


@bp.get("/screen/<int:round_id>/map")
def spot_map(round_id: int) -> Any:
    """The map view's outline and story spots with their tellers (named only with their
    agreement), read each time the view comes round, so a new spot shows without a reload."""
    s = db_session()
    rnd = s.get(Round, round_id)
    if rnd is None or not _public(rnd):
        raise Refusal("not_found")
    return jsonify({
        "outline": json.loads(rnd.neighbourhood.boundary_geojson),
        "spots": [{"id": spot.id, "name": spot.name, "lat": spot.lat, "lon": spot.lon,
                   "teller": teller_of(spot)} for spot in round_spots(s, rnd)],
    })
