"""The live feed of a round: each process tells its own sockets what changed, coalesced.

The database is the truth. A pacer per process reads, at most every SCREEN_EVERY seconds, the
seq of the rounds its own sockets watch. When one moved, it reads that round's events since it
last sent, and sends screens one `standings` and one `round` message (and a `photo` per wall
change) that together cover every seq in between: each carries `from_seq`..`seq`; and one `web`
when the web of meetings changed (see below). Each process
sends only to its own sockets (`ignore_queue`) and learns of changes from the database, not from
the message queue, so several processes never duplicate or reorder a delta and no seq is skipped.

Phones get their own row (`me`) as soon as their points change, the top of the board at most
every PHONE_EVERY seconds, and a rank that only moved because others passed them at most every
RANK_EVERY seconds. State per socket is one small record.

The web of meetings goes to screens only, as its changes since the last `web` message: web
messages make a chain of their own (`from_seq` is one past the previous web message's `seq`),
so a screen that missed one asks for a snapshot. The web is made once per seq (board.web_of)
and only while screens watch, in a tick whose events can change it.

Each watched round keeps the last LOG_SIZE messages its screens were sent, so a screen that
watches again with the seq it has (`since_seq`) gets just what it missed, as it was sent.
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from threading import Event, Lock
from typing import Any

from flask import Flask
from flask_socketio import SocketIO
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from koppelkiek.board import full_board, wall_json, web_of
from koppelkiek.db import session as db_session
from koppelkiek.game.models import Meeting, Photo, Player, Round, RoundEvent, ScoreEntry
from koppelkiek.game.rounds import RoundView
from koppelkiek.game.screen_views import screen_json
from koppelkiek.game.standings import TOP, Board, public_board, shown_rank
from koppelkiek.game.values import PhotoStatus
from koppelkiek.game.wall import wall_photo
from koppelkiek.game.web import MeetingWeb, web_changes

SCREEN_EVERY = 0.35  # seconds: screens get at most about three deltas a second
PHONE_EVERY = 5.0  # seconds: phones get the top of the board at most this often
YIELD_EVERY = 100  # phones told between two turns of the loop for requests
# The web is the costliest message to make (every pair of the round, and its longest chain):
# a growing web of dots needs no more than this, however many photos a second come in.
WEB_EVERY = 3.0  # seconds: screens get the web's changes at most this often
RANK_EVERY = 15.0  # seconds: a phone hears that others passed it (rank only) at most this often
WALL_KINDS = ("photo_wall", "photo_removed")
# Events that never change the web of meetings (the rest may: a photo scored or rejected, a
# player who joined, was renamed or erased, a photo that went on or off the wall).
NOT_WEB = ("round_", "leaderboard_")
# Screen messages kept per watched round for replays: at about three a second, the last 20 s
# or so, which covers a reconnect (screen.js retries within 5 s).
LOG_SIZE = 64


def screens_room(round_id: int) -> str:
    return f"round:{round_id}:screens"


def phones_room(round_id: int) -> str:
    return f"round:{round_id}:phones"


def kind_of(event_kind: str) -> str:
    """Which live message tells of a round event."""
    if event_kind.startswith("round_"):
        return "round"
    return "photo" if event_kind in WALL_KINDS else "standings"


Mine = tuple[int, int, int | None]  # points, meetings, rank (None while the board is hidden)
Message = tuple[str, dict[str, Any]]  # a live message's name and body


@dataclass
class Phone:
    player_id: int | None
    mine: Mine
    sent_at: float = 0.0


@dataclass
class Watched:
    """One round as this process last told its sockets."""

    seq: int
    rows: dict[int, tuple[Any, ...]]  # player -> (points, meetings, name, team), as sent
    screens: set[str] = field(default_factory=set)
    phones: dict[str, Phone] = field(default_factory=dict)
    top: str = ""  # the top of the board as last sent to phones (JSON, to compare)
    top_at: float = 0.0
    phones_due: bool = False  # a rank move or a new top waits for its turn
    # The messages screens were sent, contiguous in seq and ending at `seq`.
    log: deque[Message] = field(default_factory=lambda: deque(maxlen=LOG_SIZE))
    # The web of meetings as last sent to screens, and that message's seq; None: no screen
    # watched, so it was not kept up to date.
    web: MeetingWeb | None = None
    web_seq: int = 0
    web_at: float = 0.0  # when screens last got a web message
    web_due: bool = False  # the web changed since; it waits for its turn (WEB_EVERY)

    def missed(self, since: int) -> list[Message] | None:
        """What a screen that has `since` missed; None when the log no longer reaches back."""
        if since > self.seq:
            return None
        if since == self.seq:
            return []
        # The main chain decides (a web message's from_seq may reach further back).
        first = next((body for name, body in self.log if name != "web"), None)
        if first is None or first["from_seq"] > since + 1:
            return None
        return [(name, body) for name, body in self.log if body["seq"] > since]


def _rows(public: Board) -> dict[int, tuple[Any, ...]]:
    return {r.player_id: (r.points, r.meetings, r.display_name, r.team)
            for r in public.standings}


def mine_of(rnd: Round, full: Board, player_id: int | None) -> Mine:
    """A phone's own row, as /api/v1/me shows it: no rank while the board is hidden."""
    row = full.by_player.get(player_id) if player_id is not None else None
    if row is None:
        return (0, 0, None)
    return (row.points, row.meetings, shown_rank(rnd, row.rank))


def latest_scored(s: Session, round_id: int) -> dict[str, Any]:
    """The last photo that scored in a round and still counts (both names, the points), so a
    screen that (re)connects shows the latest points large at once, as its deltas would."""
    seq = s.scalar(select(func.max(Photo.accepted_seq)).where(
        Photo.round_id == round_id, Photo.status == PhotoStatus.ACCEPTED))
    return Feed.scored(s, round_id, seq) if seq else {}


def top_of(public: Board) -> dict[str, Any]:
    top = public.as_json(top=TOP)
    return {"standings": top["standings"], "teams": top["teams"], "hidden": public.hidden}


class Feed:
    """Per app and process: which of this process's sockets watch which round, and the pacer."""

    def __init__(self, app: Flask, socketio: SocketIO, mode: str) -> None:
        self._app = app
        self._socketio = socketio
        self.mode = mode  # loop: a pacer task; publish: at each publish (tests); manual: tests
        self._rounds: dict[int, Watched] = {}
        self._where: dict[str, int] = {}  # socket -> the round it watches
        self._lock = Lock()
        self._ticking = Lock()
        self._started = False
        self._wake = Event()

    # -- who watches -------------------------------------------------------------------------

    def holds(self, round_id: int, since: int) -> bool:
        """Whether a screen that has `since` could be told just what it missed."""
        with self._lock:
            watched = self._rounds.get(round_id)
            return watched is not None and watched.missed(since) is not None

    def watch(self, sid: str, rnd: Round, full: Board, phone: Phone | None,
              answer: Callable[[list[Message] | None], None], since: int | None = None,
              web: MeetingWeb | None = None) -> None:
        """`answer` joins the socket's rooms and sends it what it missed since `since` (a list,
        when the log still holds it), or else (None) its snapshot at `rnd.seq`. It runs under
        the lock the feed sends under, so no delta can overtake the answer. `web`: a screen's
        web of meetings at `rnd.seq` (its snapshot's), from which the feed tells changes when
        no screen watched before."""
        public = public_board(rnd, full, insider=False)
        with self._lock:
            watched = self._rounds.get(rnd.id)
            missed = watched.missed(since) if watched and since is not None else None
            self._forget(sid, keep=rnd.id)
            answer(missed)
            watched = self._rounds.get(rnd.id)
            if watched is None:
                watched = self._rounds[rnd.id] = Watched(
                    rnd.seq, _rows(public), top=json.dumps(top_of(public)),
                    top_at=time.monotonic())
            if phone is None:
                watched.screens.add(sid)
                if watched.web is None and web is not None:
                    watched.web, watched.web_seq = web, rnd.seq
            else:
                watched.phones[sid] = phone
            self._where[sid] = rnd.id
        self._start()

    def forget(self, sid: str) -> None:
        with self._lock:
            self._forget(sid)

    def _forget(self, sid: str, keep: int | None = None) -> None:
        """`keep`: the round this socket watches again, whose state (seq, log) stays."""
        round_id = self._where.pop(sid, None)
        watched = self._rounds.get(round_id) if round_id is not None else None
        if watched is None:
            return
        watched.screens.discard(sid)
        watched.phones.pop(sid, None)
        if not watched.screens and not watched.phones and round_id != keep:
            del self._rounds[round_id]  # type: ignore[arg-type]

    def sockets(self) -> int:
        return len(self._where)

    def rounds(self) -> int:
        return len(self._rounds)

    # -- the pacer ---------------------------------------------------------------------------

    def _start(self) -> None:
        if self.mode != "loop" or self._started:
            return
        self._started = True
        self._socketio.start_background_task(self._run)

    def wake(self) -> None:
        """A change was committed in this process: tell its sockets now, not a tick later."""
        self._wake.set()

    def _run(self) -> None:
        last = 0.0
        while True:
            # Woken by a change made here, or every SCREEN_EVERY for changes made by other
            # processes; never more often than SCREEN_EVERY.
            self._wake.wait(SCREEN_EVERY)
            self._wake.clear()
            early = last + SCREEN_EVERY - time.monotonic()
            if early > 0:
                self._socketio.sleep(early)
            last = time.monotonic()
            try:
                self.tick(last)
            except Exception:  # a bad tick must not stop the feed; the next one catches up
                self._app.logger.exception("live feed: tick failed")

    def tick(self, now: float) -> None:
        """Bring every watched round up to the database's seq."""
        # A request context of its own (for url_for in the wall's items), even inside a request.
        with self._ticking, self._app.test_request_context("/"):
            with self._lock:
                ids = list(self._rounds)
            if not ids:
                return
            s = db_session()
            seqs = dict(s.execute(select(Round.id, Round.seq).where(Round.id.in_(ids))).all())
            for round_id in ids:
                watched = self._rounds.get(round_id)
                if watched is None or round_id not in seqs:
                    continue
                if seqs[round_id] > watched.seq:
                    self._advance(s, round_id, watched, now)
                    continue
                if watched.web_due and now - watched.web_at >= WEB_EVERY:
                    self._web_only(s, round_id, watched, now)
                if watched.phones_due and now - watched.top_at >= PHONE_EVERY:
                    rnd = s.get(Round, round_id)
                    if rnd is not None:
                        self._tell_phones(rnd, watched, full_board(rnd), now)

    def _send(self, event: str, data: dict[str, Any], to: str) -> None:
        # Only this process's sockets: every process runs its own feed from the database.
        self._socketio.emit(event, data, to=to, ignore_queue=True)

    def _advance(self, s: Session, round_id: int, watched: Watched, now: float) -> None:
        rnd = s.get(Round, round_id)
        if rnd is None:
            return
        upto = rnd.seq
        events = s.execute(
            select(RoundEvent.seq, RoundEvent.kind, RoundEvent.photo_id)
            .where(RoundEvent.round_id == round_id, RoundEvent.seq > watched.seq,
                   RoundEvent.seq <= upto)
            .order_by(RoundEvent.seq)).all()
        full = full_board(rnd)
        public = public_board(rnd, full, insider=False)
        last = {kind_of(kind): seq for seq, kind, _ in events}
        scored = max((seq for seq, kind, _ in events if kind == "photo_scored"), default=None)
        messages: list[tuple[str, dict[str, Any]]] = []
        start = watched.seq + 1
        for seq, kind, photo_id in events:
            name = kind_of(kind)
            if name == "photo":
                body = self._photo(s, photo_id)
            elif seq == last[name]:
                body = (self._round(rnd) if name == "round"
                        else self._standings(s, rnd, watched, public, scored))
            else:
                continue  # a later message of the same kind tells the newer state
            messages.append((name, {"from_seq": start, "seq": seq, **body}))
            start = seq + 1
        web = self._web(rnd, watched, events, now)
        if start <= upto:  # seqs without an event row (never expected): still cover them
            if messages:
                messages[-1][1]["seq"] = upto
            else:
                body = self._standings(s, rnd, watched, public, None)
                messages.append(("standings", {"from_seq": start, "seq": upto, **body}))
        if web is not None:
            messages.append(("web", {"from_seq": watched.web_seq + 1, "seq": upto, **web}))
            watched.web_seq = upto
        # The screen's views concern screens only: phones hear of the round's own changes.
        phones_too = any(kind.startswith("round_") and kind != "round_screen"
                         for _, kind, _ in events)
        with self._lock:  # not while a socket is between its snapshot and its rooms
            for name, data in messages:
                self._send(name, data, screens_room(round_id))
                if name == "round" and phones_too:
                    self._send(name, data, phones_room(round_id))
            watched.log.extend(messages)
            watched.seq = upto
        # The end: every phone gets its final row with it, for its thank-you.
        ended = any(kind == "round_end" for _, kind, _ in events)
        self._tell_phones(rnd, watched, full, now, final=ended)

    @staticmethod
    def _web(rnd: Round, watched: Watched, events: list[Any], now: float) -> dict[str, Any] | None:
        """What changed in the web of meetings for screens, at most every WEB_EVERY; none while
        no screen watches."""
        if not watched.screens:
            watched.web, watched.web_due = None, False
            return None
        if watched.web is None:
            return None
        if any(not kind.startswith(NOT_WEB) for _, kind, _ in events):
            watched.web_due = True
        if not watched.web_due or now - watched.web_at < WEB_EVERY:
            return None
        after = web_of(rnd)
        changes = web_changes(watched.web, after)
        watched.web, watched.web_due, watched.web_at = after, False, now
        return changes

    def _web_only(self, s: Session, round_id: int, watched: Watched, now: float) -> None:
        """The web's changes that waited for their turn, at the seq screens already have."""
        rnd = s.get(Round, round_id)
        if rnd is None or rnd.seq != watched.seq:
            return  # a newer seq: the next tick's advance tells it with its messages
        web = self._web(rnd, watched, [], now)
        if web is None:
            return
        message = ("web", {"from_seq": watched.web_seq + 1, "seq": watched.seq, **web})
        with self._lock:
            self._send(*message, screens_room(round_id))
            watched.log.append(message)
            watched.web_seq = watched.seq

    def _standings(self, s: Session, rnd: Round, watched: Watched, public: Board,
                   scored_seq: int | None) -> dict[str, Any]:
        rows = _rows(public)
        changed = [r.as_json() for r in public.standings
                   if watched.rows.get(r.player_id) != rows[r.player_id]]
        watched.rows = rows
        scored = (self.scored(s, rnd.id, scored_seq) if scored_seq and not public.hidden
                  else {})
        top = public.as_json(top=TOP)
        return {"changed": changed, "top": top["standings"], "teams": top["teams"],
                "hidden": public.hidden, "scored": scored}

    @staticmethod
    def scored(s: Session, round_id: int, seq: int) -> dict[str, Any]:
        """The photo that scored at `seq`, for the screen's banner: both names, the points."""
        entries = s.execute(
            select(ScoreEntry.photo_id, ScoreEntry.player_id, func.sum(ScoreEntry.points))
            .where(ScoreEntry.round_id == round_id, ScoreEntry.seq == seq)
            .group_by(ScoreEntry.photo_id, ScoreEntry.player_id)).all()
        photo_id = next((p for p, _, _ in entries if p), None)
        meeting = s.execute(select(Meeting.player_a_id, Meeting.player_b_id).join(
            Photo, Photo.meeting_id == Meeting.id).where(Photo.id == photo_id)).first()
        if meeting is None:
            return {}
        names = dict(s.execute(select(Player.id, Player.display_name)
                               .where(Player.id.in_(tuple(meeting)))).all())
        points = {player: int(total) for _, player, total in entries}
        return {"photo_id": photo_id, "names": [names[meeting[0]], names[meeting[1]]],
                "points": points.get(meeting[0], 0)}

    @staticmethod
    def _photo(s: Session, photo_id: int | None) -> dict[str, Any]:
        shown = wall_photo(s, photo_id) if photo_id is not None else None
        if shown is None:
            return {"on_wall": False, "id": photo_id}
        return {"on_wall": True, **wall_json(shown)}

    @staticmethod
    def _round(rnd: Round) -> dict[str, Any]:
        view = RoundView.of(rnd)
        return {"round_id": view.id, "state": view.state, "starts_at": view.starts_at.isoformat(),
                "ends_at": view.ends_at.isoformat(), "screen": screen_json(rnd)}

    def _tell_phones(self, rnd: Round, watched: Watched, full: Board,
                     now: float, final: bool = False) -> None:
        """Own points at once; the top at most every PHONE_EVERY, a rank that only moved at most
        every RANK_EVERY per phone; `final` (the round ended): every phone its row, now."""
        due = now - watched.top_at >= PHONE_EVERY
        waiting = False  # a phone whose rank moved but who heard of it too recently
        with self._lock:
            phones = list(watched.phones.items())
        for done, (sid, phone) in enumerate(phones, 1):
            if done % YIELD_EVERY == 0:
                self._socketio.sleep(0)  # a thousand phones are not one turn of the loop
            mine = mine_of(rnd, full, phone.player_id)
            if mine == phone.mine and not final:
                continue
            if final or mine[:2] != phone.mine[:2] or (due and now - phone.sent_at >= RANK_EVERY):
                points, meetings, rank = mine
                self._send("me", {"seq": watched.seq, "points": points, "meetings": meetings,
                                  "rank": rank}, sid)
                phone.mine, phone.sent_at = mine, now
            else:
                waiting = True
        if not phones:
            return
        encoded = json.dumps(top := top_of(public_board(rnd, full, insider=False)))
        if not due:
            watched.phones_due = watched.phones_due or waiting or encoded != watched.top
            return
        if encoded != watched.top:
            self._send("top", {"seq": watched.seq, **top}, phones_room(rnd.id))
            watched.top = encoded
        watched.top_at, watched.phones_due = now, waiting
