"""The story spots of the player's current round, nearest first when the phone says where."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from koppelkiek.api.v1 import bp
from koppelkiek.db import session as db_session
from koppelkiek.game.players import current_round
from koppelkiek.game.spots import round_spots, spots_near
from koppelkiek.identity import require_player
from koppelkiek.inputs import query_position
from koppelkiek.spots import spot_json


@bp.get("/spots")
def api_spots() -> Any:
    """The spots of the player's current round; with lat and lon, nearest first with distances."""
    player = require_player()
    s = db_session()
    rnd = current_round(s, player)
    spots = round_spots(s, rnd) if rnd else []
    here = query_position()
    if here is None:
        items = [spot_json(spot) for spot in spots]
    else:
        items = [spot_json(near.spot, near.distance_m) for near in spots_near(spots, *here)]
    return jsonify(round_id=rnd.id if rnd else None, spots=items)
