"""The leaderboard and the public photo wall: what HTTP (api/rounds.py) and sockets carry."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, url_for

from koppelkiek.db import session as db_session
from koppelkiek.errors import Refusal
from koppelkiek.game.models import Round
from koppelkiek.game.organisers import manages
from koppelkiek.game.standings import Board, BoardCache, board, may_see_round
from koppelkiek.game.wall import WALL_SIZE, WallPhoto, wall
from koppelkiek.game.web import MeetingWeb, meeting_web
from koppelkiek.identity import current_organiser, current_player

# The board cache's bound, for all rounds together: a few recent seqs are all anyone reads,
# and a board of 10,000 players is about 1 MB of JSON (its rows take a few times that).
BOARDS_KEPT = 8
BOARDS_BUDGET = 16 * 1024 * 1024  # bytes of serialized JSON
# How old a board a phone's snapshot may show (its own row is read exact): while a crowd joins,
# every join moves the seq, and a board of a thousand rows for each of them kept the event
# loop busy. The feed sends the phones a newer top within seconds.
PHONE_BOARD_AGE = 2.0
# Webs of meetings kept, for all rounds together: the screens' snapshot and the live feed read
# the newest; a web of 1,000 players is a few hundred kB.
WEBS_KEPT = 4


@dataclass(frozen=True)
class CachedBoard:
    board: Board
    body: bytes  # the serialized answer, made once per seq
    made_at: float = field(default_factory=time.monotonic)


def _boards() -> BoardCache:
    boards: BoardCache | None = current_app.extensions.get("koppelkiek_boards")
    if boards is None:
        boards = current_app.extensions.setdefault("koppelkiek_boards", BoardCache(
            BOARDS_KEPT, BOARDS_BUDGET, lambda cached: len(cached.body)))
    return boards


def recent_board(rnd: Round) -> Board:
    """The board at the round's seq, or one made in the last PHONE_BOARD_AGE seconds."""
    newest: CachedBoard | None = _boards().newest(rnd.id)
    if newest is not None and time.monotonic() - newest.made_at < PHONE_BOARD_AGE:
        return newest.board
    return full_board(rnd)


def _cached(rnd: Round) -> CachedBoard:
    """Cached under (round, seq), per app: standings change only with seq."""
    boards = _boards()

    def make() -> CachedBoard:
        made = board(db_session(), rnd)
        body = json.dumps(made.as_json(), ensure_ascii=False, separators=(",", ":")).encode()
        return CachedBoard(made, body)

    found: CachedBoard = boards.get_or_make((rnd.id, rnd.seq), make)
    return found


def full_board(rnd: Round) -> Board:
    """The whole board at the round's seq; immutable, so sharing the cached one is safe."""
    return _cached(rnd).board


def full_board_json(rnd: Round) -> bytes:
    """The full board as JSON, serialized once per seq."""
    return _cached(rnd).body


def organiser_of(rnd: Round) -> bool:
    organiser = current_organiser()
    return organiser is not None and manages(db_session(), organiser, rnd.neighbourhood_id)


def visible_round(round_id: int) -> Round:
    s = db_session()
    rnd = s.get(Round, round_id)
    if rnd is None or not may_see_round(s, rnd, current_player(), current_organiser()):
        raise Refusal("not_found")
    return rnd


def wall_json(photo: WallPhoto, lang: str | None = None) -> dict[str, Any]:
    """`lang`: the spot's words in that language; none (the live feed, one message for every
    screen): the organiser's original, which the screen swaps by the spot's id
    (static/screen_languages.js)."""
    item: dict[str, Any] = {
        "id": photo.id,
        "names": list(photo.names),
        "taken_at": photo.taken_at.isoformat(),
        "display_url": url_for("photos.image_file", content_hash=photo.display_hash or "-"),
        "thumb_url": url_for("photos.image_file", content_hash=photo.thumb_hash or "-"),
    }
    if photo.spot is not None:
        name, story = photo.spot.in_language(lang)
        item["spot"] = {"id": photo.spot.id, "name": name, "excerpt": story}
        if photo.spot.teller is not None:  # "told by ...", only for a teller who agreed
            item["spot"]["teller"] = photo.spot.teller
    return item


def wall_of(rnd: Round, limit: int = WALL_SIZE, lang: str | None = None) -> list[dict[str, Any]]:
    """Photos both people agreed to show, that moderation allows; newest first."""
    return [wall_json(photo, lang) for photo in wall(db_session(), rnd.id, limit)]


def _let_others_run() -> None:
    # Under gevent (serve) this is gevent.sleep(0): requests run between two walks of the web.
    time.sleep(0)


def web_of(rnd: Round) -> MeetingWeb:
    """The round's web of meetings at its seq, cached under (round, seq) as the board is: the
    snapshot of every screen and the live feed share one."""
    webs: BoardCache | None = current_app.extensions.get("koppelkiek_webs")
    if webs is None:
        webs = current_app.extensions.setdefault("koppelkiek_webs", BoardCache(WEBS_KEPT))
    before = webs.newest(rnd.id)  # its longest chain holds while the same pairs are linked
    made: MeetingWeb = webs.get_or_make((rnd.id, rnd.seq),
                                        lambda: meeting_web(db_session(), rnd.id, before,
                                                            pause=_let_others_run))
    return made
