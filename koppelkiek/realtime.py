"""Socket.IO: the server decides the rooms; `publish` emits domain events after commit."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, current_app, g, request
from flask import session as socket_session
from flask_socketio import SocketIO, emit, join_room, leave_room
from sqlalchemy.exc import TimeoutError as PoolTimeout

from koppelkiek.board import full_board, organiser_of, recent_board, wall_of, web_of
from koppelkiek.db import session as db_session
from koppelkiek.feed import Feed, Message, Phone, latest_scored, phones_room, screens_room
from koppelkiek.game.errors import GameError
from koppelkiek.game.events import (
    Event,
    MeetingMade,
    Notice,
    PhotoChanged,
    PhotoSubmitted,
    RoundChanged,
    StandingsChanged,
)
from koppelkiek.game.models import ROW_ID_MAX, Player, Round
from koppelkiek.game.players import by_token
from koppelkiek.game.rounds import RoundView
from koppelkiek.game.screen_views import screen_json
from koppelkiek.game.standings import (
    TOP,
    Board,
    may_see_round,
    public_board,
    shown_rank,
    standing_of,
)
from koppelkiek.identity import PLAYER_COOKIE, current_organiser
from koppelkiek.words import round_name, speaking

socketio = SocketIO()


def round_room(round_id: int) -> str:
    return f"round:{round_id}"


def organiser_room(round_id: int) -> str:
    return f"round:{round_id}:organisers"


def player_room(player_id: int) -> str:
    return f"player:{player_id}"


def init_app(app: Flask) -> None:
    socketio.init_app(
        app,
        async_mode=app.config.get("SOCKETIO_ASYNC_MODE"),
        message_queue=app.config.get("MESSAGE_QUEUE"),
        ping_interval=20,
        ping_timeout=20,
    )
    # Tests get their deltas at once (or tick by hand); a server paces them (koppelkiek/feed.py).
    mode = app.config.get("LIVE_FEED") or ("publish" if app.testing else "loop")
    app.extensions["koppelkiek_feed"] = Feed(app, socketio, mode)


@socketio.on_error_default
def on_error(exc: Exception) -> None:
    """A socket event never dies silently: busy and refusals are answered, a bug is logged
    with an id, as for HTTP (koppelkiek/errors.py)."""
    db_session().rollback()
    event = getattr(request, "event", {}).get("message", "?")
    if isinstance(exc, PoolTimeout):
        current_app.logger.info("refused socket %s -> busy", event)
        emit("refused", {"code": "busy", "retry_after": 2})
    elif isinstance(exc, GameError):
        current_app.logger.info("refused socket %s -> %s", event, exc.code)
        emit("refused", {"code": exc.code})
    else:
        request_id = uuid.uuid4().hex[:12]
        current_app.logger.error("unexpected error in socket event %s request_id=%s", event,
                                 request_id, exc_info=exc)
        emit("refused", {"code": "internal_error", "request_id": request_id})


def feed() -> Feed:
    found: Feed = current_app.extensions["koppelkiek_feed"]
    return found


def round_payload(rnd: Round, **more: Any) -> dict[str, Any]:
    """A round as JSON, for screens and phones alike; each adds the fields it needs. The name is
    in the asker's language (the organiser's original where there is none)."""
    return {**RoundView.of(rnd).as_json(), "name": round_name(rnd), **more}


def own_row(rnd: Round, player_id: int | None) -> tuple[int, int, int | None]:
    """A player's points, meetings and rank (none while the board is not visible)."""
    mine = standing_of(db_session(), rnd.id, player_id) if player_id is not None else None
    if mine is None:
        return (0, 0, None)
    return (mine.points, mine.meetings, shown_rank(rnd, mine.rank))


def _board_part(public: Board) -> dict[str, Any]:
    top = public.as_json(top=TOP)
    return {"standings": top["standings"], "teams": top["teams"], "hidden": public.hidden,
            "reveal_at": public.reveal_at}


def snapshot(rnd: Round, insider: bool) -> dict[str, Any]:
    public = public_board(rnd, full_board(rnd), insider)
    scored = {} if public.hidden else latest_scored(db_session(), rnd.id)
    return {"seq": rnd.seq,
            "round": round_payload(rnd, leaderboard=rnd.leaderboard, screen=screen_json(rnd)),
            **_board_part(public), "photos": wall_of(rnd, lang=speaking()), "scored": scored,
            "web": web_of(rnd).as_json()}


def phone_snapshot(rnd: Round, player_id: int | None) -> dict[str, Any]:
    """What a phone needs: the round, the top of the board (made at most a few seconds ago)
    and its own row (exact, as /me); no wall."""
    full = recent_board(rnd)
    points, meetings, rank = own_row(rnd, player_id)
    return {"seq": rnd.seq, "view": "phone",
            "round": round_payload(rnd, leaderboard=rnd.leaderboard),
            **_board_part(public_board(rnd, full, insider=False)),
            "me": {"points": points, "meetings": meetings, "rank": rank}}


def _since(data: dict[str, Any]) -> int | None:
    since = data.get("since_seq")
    if not isinstance(since, int) or isinstance(since, bool) or not 0 < since <= ROW_ID_MAX:
        return None
    return since


@socketio.on("connect")
def on_connect(auth: dict[str, Any] | None = None) -> None:
    token = (auth or {}).get("token") if isinstance(auth, dict) else None
    token = token or request.cookies.get(PLAYER_COOKIE)
    player = by_token(db_session(), token) if isinstance(token, str) else None
    socket_session["player_id"] = player.id if player and not player.banned else None
    if socket_session["player_id"] is not None:
        join_room(player_room(socket_session["player_id"]))


@socketio.on("watch")
def on_watch(data: Any) -> None:
    round_id = data.get("round_id") if isinstance(data, dict) else None
    if not isinstance(round_id, int) or isinstance(round_id, bool) or not (
            0 < round_id <= ROW_ID_MAX):
        emit("refused", {"code": "bad_request"})
        return
    session = db_session()
    rnd = session.get(Round, round_id)
    pid = socket_session.get("player_id")
    player = session.get(Player, pid) if pid else None
    g.player = player  # the phone's language, as its pages choose it (language.select_locale)
    if rnd is None or not may_see_round(session, rnd, player, current_organiser()):
        emit("refused", {"code": "not_found", "round_id": round_id})
        return
    insider = organiser_of(rnd)
    phone = data.get("view") == "phone"
    # A screen that names the seq it has gets the deltas it missed when this process's feed
    # still holds them (replayed as they were sent); otherwise, and phones always, a snapshot.
    since = None if phone else _since(data)
    replayable = since is not None and feed().holds(rnd.id, since)
    answer = None if replayable else (
        phone_snapshot(rnd, pid) if phone else snapshot(rnd, insider))

    def join_and_answer(missed: list[Message] | None) -> None:
        # Called under the feed's lock: no delta reaches this socket before its answer.
        for room in list(socket_session.get("rounds", [])):
            for name in (round_room(room), organiser_room(room), screens_room(room),
                         phones_room(room)):
                leave_room(name)
        socket_session["rounds"] = [rnd.id]
        join_room(round_room(rnd.id))
        if insider:
            join_room(organiser_room(rnd.id))
        join_room(phones_room(rnd.id) if phone else screens_room(rnd.id))
        if missed is not None:
            for name, body in missed:
                emit(name, body)
        else:  # made here only when the log moved on after `holds` said yes (rare)
            emit("snapshot", answer if answer is not None else snapshot(rnd, insider))

    me = (answer or {}).get("me") or {}
    # A phone's board may be a few seconds old: the feed's rows then differ from the next
    # board in more rows than changed since, and screens get those rows once more.
    board = recent_board(rnd) if phone else full_board(rnd)
    feed().watch(request.sid, rnd, board,  # type: ignore[attr-defined]
                 Phone(pid, (me["points"], me["meetings"], me["rank"])) if phone else None,
                 join_and_answer, since, web=None if phone else web_of(rnd))


@socketio.on("disconnect")
def on_disconnect(*_reason: Any) -> None:
    feed().forget(request.sid)  # type: ignore[attr-defined]


def _round_moved(_event: Any) -> bool:
    return True  # its seq moved: the live feed reads what changed from the database


def _notice(event: Notice) -> bool:
    socketio.emit("notice", {"kind": event.kind, **event.data}, to=player_room(event.player_id))
    return False


def _queue(event: PhotoSubmitted) -> bool:
    socketio.emit("queue", {"photo_id": event.photo_id}, to=organiser_room(event.round_id))
    return False


def _not_public(_event: Any) -> bool:
    return False  # a meeting is public only once a photo makes it count


# Each kind of domain event and how it goes out; True: the round's seq moved.
PUBLISHERS: dict[type, Callable[[Any], bool]] = {
    RoundChanged: _round_moved,
    StandingsChanged: _round_moved,
    PhotoChanged: _round_moved,
    Notice: _notice,
    PhotoSubmitted: _queue,
    MeetingMade: _not_public,
}


def publish(events: Iterable[Event]) -> None:
    """Call only after the commit: listeners must be able to read what they are told about.

    Changes of a round (seq) reach sockets through the live feed, which reads them from the
    database; notices and the organisers' queue go out here, through the message queue.
    """
    moved = False
    for event in events:
        moved = PUBLISHERS[type(event)](event) or moved
    if moved and feed().mode == "publish":
        feed().tick(time.monotonic())
    elif moved:
        feed().wake()
