"""Socket.IO: the server decides the rooms; `publish` emits domain events after commit."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Flask, request
from flask import session as socket_session
from flask_socketio import SocketIO, emit, join_room, leave_room
from sqlalchemy.orm import Session

from game.events import Event, MeetingMade, Notice, RoundChanged
from game.models import Player, Round
from game.organisers import manages
from game.players import by_token, participation
from koppelkiek.db import session as db_session
from koppelkiek.identity import PLAYER_COOKIE, current_organiser

socketio = SocketIO()


def round_room(round_id: int) -> str:
    return f"round:{round_id}"


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


def round_payload(rnd: Round) -> dict[str, Any]:
    return {
        "id": rnd.id,
        "name": rnd.name,
        "state": rnd.state,
        "starts_at": rnd.starts_at.isoformat(),
        "ends_at": rnd.ends_at.isoformat(),
        "join_code": rnd.join_code,
        "leaderboard": rnd.leaderboard,
    }


def snapshot(rnd: Round) -> dict[str, Any]:
    """The whole picture a screen needs; standings and photos arrive with scoring."""
    return {"seq": rnd.seq, "round": round_payload(rnd), "standings": [], "teams": [],
            "photos": []}


def may_watch(session: Session, rnd: Round, player: Player | None) -> bool:
    """Players see their own rounds; organisers theirs; a round is public once it has opened."""
    if player is not None and participation(session, player.id, rnd.id) is not None:
        return True
    organiser = current_organiser()
    if organiser is not None and manages(session, organiser, rnd.neighbourhood_id):
        return True
    return rnd.state != "draft"


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
    if not isinstance(round_id, int) or isinstance(round_id, bool):
        emit("refused", {"code": "bad_request"})
        return
    session = db_session()
    rnd = session.get(Round, round_id)
    pid = socket_session.get("player_id")
    player = session.get(Player, pid) if pid else None
    if rnd is None or not may_watch(session, rnd, player):
        emit("refused", {"code": "not_found", "round_id": round_id})
        return
    for room in list(socket_session.get("rounds", [])):
        leave_room(round_room(room))
    socket_session["rounds"] = [rnd.id]
    join_room(round_room(rnd.id))
    emit("snapshot", snapshot(rnd))


def publish(events: Iterable[Event]) -> None:
    """Call only after the commit: listeners must be able to read what they are told about."""
    for event in events:
        if isinstance(event, RoundChanged):
            socketio.emit(
                "round",
                {"seq": event.seq, "round_id": event.round_id, "state": event.state,
                 "starts_at": event.starts_at.isoformat(), "ends_at": event.ends_at.isoformat()},
                to=round_room(event.round_id),
            )
        elif isinstance(event, Notice):
            socketio.emit("notice", {"kind": event.kind, **event.data},
                          to=player_room(event.player_id))
        elif isinstance(event, MeetingMade):
            pass  # public only once a photo makes it count
