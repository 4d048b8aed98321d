"""The leaderboard and the public photo wall, over HTTP; the same data the sockets carry."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, url_for
from sqlalchemy import select

from game.models import Meeting, Photo, PhotoImage, Player, Round
from game.organisers import manages
from game.spots import excerpt, spot_of_photo
from game.standings import BoardCache, board, may_see_round, public_board
from koppelkiek.db import session as db_session
from koppelkiek.errors import Refusal
from koppelkiek.identity import current_organiser, current_player

bp = Blueprint("board", __name__, url_prefix="/api/v1/rounds")
WALL_SIZE = 24
# The board cache's bound, for all rounds together: a few recent seqs are all anyone reads,
# and a board of 10,000 players is about 1 MB of JSON (its dicts take a few times that).
BOARDS_KEPT = 8
BOARDS_BUDGET = 16 * 1024 * 1024  # bytes of serialized JSON


@dataclass(frozen=True)
class CachedBoard:
    data: dict[str, Any]
    body: bytes  # the serialized answer, made once per seq


def _cached(rnd: Round) -> CachedBoard:
    """Cached under (round, seq), per app: standings change only with seq."""
    boards: BoardCache | None = current_app.extensions.get("koppelkiek_boards")
    if boards is None:
        boards = current_app.extensions.setdefault("koppelkiek_boards", BoardCache(
            BOARDS_KEPT, BOARDS_BUDGET, lambda cached: len(cached.body)))

    def make() -> CachedBoard:
        data = board(db_session(), rnd)
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
        data["_by_player"] = {row["player_id"]: row for row in data["standings"]}
        return CachedBoard(data, body)

    return boards.get_or_make((rnd.id, rnd.seq), make)


def full_board(rnd: Round) -> dict[str, Any]:
    return _cached(rnd).data


def organiser_of(rnd: Round) -> bool:
    organiser = current_organiser()
    return organiser is not None and manages(db_session(), organiser, rnd.neighbourhood_id)


def visible_round(round_id: int) -> Round:
    s = db_session()
    rnd = s.get(Round, round_id)
    if rnd is None or not may_see_round(s, rnd, current_player(), current_organiser()):
        raise Refusal("not_found")
    return rnd


def wall(rnd: Round, limit: int = WALL_SIZE) -> list[dict[str, Any]]:
    """Photos both people agreed to show, that moderation allows; newest first."""
    s = db_session()
    photos = list(s.scalars(
        select(Photo).where(Photo.round_id == rnd.id, Photo.status == "accepted",
                            Photo.consent_a.is_(True), Photo.consent_b.is_(True),
                            Photo.purged_at.is_(None))
        .order_by(Photo.accepted_at.desc(), Photo.id.desc()).limit(limit)))
    return [wall_item(p) for p in photos]


def wall_item(photo: Photo) -> dict[str, Any]:
    s = db_session()
    meeting = s.get(Meeting, photo.meeting_id)
    assert meeting is not None
    known = dict(s.execute(select(Player.id, Player.display_name).where(
        Player.id.in_([meeting.player_a_id, meeting.player_b_id]))).all())
    names = [known[meeting.player_a_id], known[meeting.player_b_id]]
    hashes = dict(s.execute(select(PhotoImage.kind, PhotoImage.content_hash).where(
        PhotoImage.photo_id == photo.id)).all())
    item: dict[str, Any] = {
        "id": photo.id,
        "names": names,
        "taken_at": photo.taken_at.isoformat(),
        "display_url": url_for("photos.image_file", content_hash=hashes.get("display", "-")),
        "thumb_url": url_for("photos.image_file", content_hash=hashes.get("thumb", "-")),
    }
    spot = spot_of_photo(s, photo)
    if spot is not None:
        item["spot"] = {"name": spot.name, "excerpt": excerpt(spot.story)}
    return item


@bp.get("/<int:round_id>/standings")
def standings(round_id: int) -> Any:
    rnd = visible_round(round_id)
    insider = organiser_of(rnd)
    if insider or rnd.leaderboard == "visible":
        return Response(_cached(rnd).body, mimetype="application/json")
    return jsonify(public_board(rnd, full_board(rnd), insider))


@bp.get("/<int:round_id>/photos")
def photos(round_id: int) -> Any:
    rnd = visible_round(round_id)
    return jsonify(seq=rnd.seq, photos=wall(rnd))
