"""A round's leaderboard and public photo wall over HTTP; the same data the sockets carry."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from koppelkiek.api.v1 import bp
from koppelkiek.board import full_board, full_board_json, organiser_of, visible_round, wall_of
from koppelkiek.game.standings import public_board
from koppelkiek.game.values import LeaderboardMode
from koppelkiek.words import speaking


@bp.get("/rounds/<int:round_id>/standings")
def standings(round_id: int) -> Any:
    rnd = visible_round(round_id)
    insider = organiser_of(rnd)
    if insider or rnd.leaderboard == LeaderboardMode.VISIBLE:
        return Response(full_board_json(rnd), mimetype="application/json")
    return jsonify(public_board(rnd, full_board(rnd), insider).as_json())


@bp.get("/rounds/<int:round_id>/photos")
def photos(round_id: int) -> Any:
    rnd = visible_round(round_id)
    return jsonify(seq=rnd.seq, photos=wall_of(rnd, lang=speaking()))
