"""The afternoon at a glance on the organiser's round page: `GET /api/v1/rounds/<id>/glance`
and, live, the socket event `glance {round_id}`, answered at once and then again whenever the
summary changed.

Only organisers of the round may ask. The summary is made per tick (every GLANCE_EVERY seconds)
once per watched round, for the organisers watching it on this process, never per phone. Each
process counts its own phones (the members of the round's phone room here) and sends only to
its own sockets, as the live feed does (koppelkiek/feed.py).
"""

from __future__ import annotations

import json
from threading import Lock
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify
from flask_socketio import SocketIO, emit, join_room

from koppelkiek.db import session as db_session
from koppelkiek.feed import phones_room
from koppelkiek.game.glance import fingerprint, glance
from koppelkiek.game.models import ROW_ID_MAX, Round
from koppelkiek.game.organisers import managed_round
from koppelkiek.identity import current_organiser, now, organiser_required, organiser_round
from koppelkiek.realtime import socketio

bp = Blueprint("glance", __name__, url_prefix="/api/v1/rounds/<int:round_id>")

GLANCE_EVERY = 2.0  # seconds between two summaries of a watched round


def glance_room(round_id: int) -> str:
    return f"round:{round_id}:glance"


def _local(room: str) -> int:
    """Sockets of this process in a room (with a message queue, rooms are per process)."""
    return sum(1 for _ in socketio.server.manager.get_participants("/", room))


def summary(rnd: Round) -> dict[str, Any]:
    body = glance(db_session(), rnd, now()).as_json(rnd.neighbourhood.timezone)
    return {"round_id": rnd.id, **body, "phones": _local(phones_room(rnd.id))}


@bp.get("/glance")
@organiser_required
def glance_json(round_id: int) -> Any:
    return jsonify(summary(organiser_round(round_id)))


class Glances:
    """Per app and process: the rounds organisers watch here, and what they were last sent."""

    def __init__(self, app: Flask, sockets: SocketIO, mode: str) -> None:
        self._app = app
        self._sockets = sockets
        self.mode = mode  # loop: a task ticks; otherwise tests call tick()
        self._sent: dict[int, str] = {}  # round -> the summary last sent (JSON)
        self._marks: dict[int, tuple[int, ...]] = {}  # round -> its fingerprint and phones then
        self._lock = Lock()
        self._started = False

    def watch(self, round_id: int, body: dict[str, Any]) -> None:
        with self._lock:
            self._sent.setdefault(round_id, json.dumps(body, sort_keys=True))
        if self.mode == "loop" and not self._started:
            self._started = True
            self._sockets.start_background_task(self._run)

    def _run(self) -> None:
        while True:
            self._sockets.sleep(GLANCE_EVERY)
            try:
                self.tick()
            except Exception:  # a bad tick must not stop the summaries; the next one retries
                self._app.logger.exception("glance: tick failed")

    def tick(self) -> None:
        """A summary to each watched round's organisers here, when it changed."""
        with self._app.test_request_context("/"):
            with self._lock:
                ids = list(self._sent)
            for round_id in ids:
                if not _local(glance_room(round_id)):
                    with self._lock:
                        self._sent.pop(round_id, None)
                        self._marks.pop(round_id, None)
                    continue
                rnd = db_session().get(Round, round_id)
                if rnd is None:
                    continue
                mark = (*fingerprint(db_session(), rnd, now()), _local(phones_room(round_id)))
                if mark == self._marks.get(round_id):
                    continue  # nothing happened since the last summary
                self._marks[round_id] = mark
                body = summary(rnd)
                encoded = json.dumps(body, sort_keys=True)
                if encoded != self._sent.get(round_id):
                    self._sockets.emit("glance", body, to=glance_room(round_id),
                                       ignore_queue=True)
                    self._sent[round_id] = encoded


def glances() -> Glances:
    found: Glances = current_app.extensions["koppelkiek_glances"]
    return found


def init_app(app: Flask) -> None:
    mode = app.config.get("LIVE_FEED") or ("publish" if app.testing else "loop")
    app.extensions["koppelkiek_glances"] = Glances(app, socketio, mode)


@socketio.on("glance")
def on_glance(data: Any) -> None:
    round_id = data.get("round_id") if isinstance(data, dict) else None
    if not isinstance(round_id, int) or isinstance(round_id, bool) or not (
            0 < round_id <= ROW_ID_MAX):
        emit("refused", {"code": "bad_request"})
        return
    organiser = current_organiser()
    if organiser is None:
        current_app.logger.info("refused socket glance -> login_required")
        emit("refused", {"code": "login_required"})
        return
    rnd = managed_round(db_session(), organiser, round_id)  # another round: not_found
    join_room(glance_room(rnd.id))
    body = summary(rnd)
    emit("glance", body)
    glances().watch(rnd.id, body)
