"""The gevent web server behind `koppelkiek serve`, and what keeps its event loop turning."""

from __future__ import annotations

import contextlib
import gc
import io
import socket
import sys
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import gevent
from flask import request
from gevent import pywsgi
from geventwebsocket.handler import WebSocketHandler

from koppelkiek.errors import BODY_UNREAD, Refusal
from koppelkiek.game.errors import GameError

# Seconds a thread may keep the GIL while another waits for it. The event loop gives the GIL
# up in every epoll wait; with the database threads busy (a photo being stored and scored),
# taking it back cost up to Python's default 5 ms at every turn of the loop.
GIL_TURN = 0.001


def share_the_gil() -> None:
    sys.setswitchinterval(GIL_TURN)


# Python's cycle collector stops the whole process, event loop included, while it works. Its
# full collection walks every object alive: at 1,000 phones 214-316 ms of CPU, and it came about
# every 10 s, so the afternoon benchmark's slowest 1 % of calls were those that waited for it.
# A full collection now comes after at most this many middle ones (about every 75 s under that
# load; Python's default is 10). The young collections stay small: with 50,000 young
# objects instead of 700, each took 100-130 ms, as most of them are cyclic garbage that
# requests leave (measured with the same benchmark).
MIDDLE_PER_FULL = 100


def settle_the_heap() -> None:
    """Once a serving process has loaded everything: what is alive now (modules, the app, its
    routes and templates) stays alive, so no collection walks it again; full ones come rarer."""
    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, MIDDLE_PER_FULL)


class Server(pywsgi.WSGIServer):
    """gevent's WSGI server with websockets, and with Nagle's algorithm off, as gunicorn does.

    With Nagle on, a socket message written while the previous one is still unacknowledged
    waits for the phone's delayed ACK (40 ms on Linux): a `snapshot` right after a
    `standings` delta took 40-55 ms instead of 3 ms (benchmarks/event_loop.py).
    Accepted connections inherit TCP_NODELAY from the listening socket on Linux.
    """

    def __init__(self, address: tuple[str, int], app: Callable[..., Any]) -> None:
        super().__init__(address, app, handler_class=WebSocketHandler, log=None)

    def init_socket(self) -> None:
        super().init_socket()
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


TOO_SLOW = "koppelkiek.too_slow"


@dataclass(frozen=True)
class Pace:
    """How slowly a body may arrive: `min_bytes` in every `window` s, all within `total` s."""

    window: float = 30.0
    min_bytes: int = 16 * 1024
    total: float = 180.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Pace:
        return cls(float(config["UPLOAD_WINDOW_SECONDS"]), int(config["UPLOAD_MIN_BYTES"]),
                   float(config["UPLOAD_SECONDS"]))


def too_slow() -> GameError:
    return Refusal("upload_too_slow", retry_after=10)


class PacedInput:
    """A request body that is given up on when it trickles (a slow-body attack, or a phone
    that lost its signal): less than `min_bytes` in any `window`, or not done within `total`.

    The clock starts at the first read, so a view's checks before reading cost the phone
    nothing. Only the greenlet of this request waits on it; it holds no database connection
    (api.photos.upload reads its body only after giving its connection back).
    """

    def __init__(self, stream: Any, pace: Pace, environ: dict[str, Any]) -> None:
        self._stream = stream
        self._pace = pace
        self._environ = environ
        self._start: float | None = None
        self._got = 0
        self._marks: deque[tuple[float, int]] = deque()  # (when, bytes received by then)

    def _deadline(self, now: float) -> float:
        if self._start is None:
            self._start = now
            self._marks.append((now, 0))
        # The last window fails once it starts after the first mark with more than this.
        floor = self._got - self._pace.min_bytes
        while len(self._marks) > 1 and self._marks[0][1] <= floor:
            self._marks.popleft()  # the newest mark always holds more than the floor
        return min(self._marks[0][0] + self._pace.window, self._start + self._pace.total)

    def _guarded(self, read: Callable[..., bytes], *args: Any) -> bytes:
        now = time.monotonic()
        left = self._deadline(now) - now
        if left <= 0:
            self._give_up()
        try:
            with gevent.Timeout(left):
                data = read(*args)
        except gevent.Timeout:
            self._give_up()
        self._got += len(data)
        self._marks.append((time.monotonic(), self._got))
        return data

    def _give_up(self) -> None:
        self._environ[TOO_SLOW] = True  # GivingWay closes the connection unread
        raise too_slow()

    def read(self, size: int = -1) -> bytes:
        return self._guarded(self._stream.read, size)

    def readline(self, size: int = -1) -> bytes:
        return self._guarded(self._stream.readline, size)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class RefusedInput:
    """Stands in for a small body that arrived too slowly: any read refuses the request."""

    def read(self, size: int = -1) -> bytes:
        raise too_slow()

    readline = read


def refuse_slow_body() -> None:
    """First thing before a request's views: a small body that trickled was cut off."""
    if request.environ.get(TOO_SLOW):
        raise too_slow()


class Discarding:
    """The answer first, then the unread rest of a refused body, read and dropped at the pace
    a body must keep: closing with unread data would reset the connection before the phone
    reads its answer, and a trickle is dropped once too slow."""

    def __init__(self, result: Any, body: PacedInput) -> None:
        self._result = result
        self._body = body

    def __iter__(self) -> Any:
        return iter(self._result)

    def close(self) -> None:
        try:
            if hasattr(self._result, "close"):
                self._result.close()
        finally:
            with contextlib.suppress(GameError, OSError, ValueError):
                while self._body.read(64 * 1024):
                    pass


class GivingWayInput:
    """A request body that lets every other ready greenlet and socket go first at each read."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    # Waiting for an idle loop is bounded: under a flood of requests (20 uploads in flight
    # from one player) the loop was never idle, and a neighbour's body was not read for 30 s.
    IDLE_WAIT = 0.003

    def read(self, size: int = -1) -> bytes:
        with gevent.Timeout(self.IDLE_WAIT, False):
            gevent.idle()
        return self._stream.read(size)  # type: ignore[no-any-return]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class GivingWay:
    """WSGI middleware for gevent: bodies are paced, and a large one is read one chunk per
    turn of the loop.

    A greenlet only yields when a socket read would block, and a 12 MP upload arrives faster
    than it is parsed: ten of them parsed back to back held the loop for ~100 ms.
    A small body (a JSON call) is read whole before the app runs, so no view ever holds a
    database connection while a slow phone sends the rest of it.
    """

    LARGE = 64 * 1024

    def __init__(self, app: Callable[..., Any], pace: Pace | None = None) -> None:
        self.app = app
        self.pace = pace or Pace()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        raw = environ["wsgi.input"]
        if length > self.LARGE or chunked:
            paced = PacedInput(environ["wsgi.input"], self.pace, environ)
            environ["wsgi.input"] = GivingWayInput(paced) if length > self.LARGE else paced
        elif length > 0:
            environ["wsgi.input"] = self._read_small(environ, length)
        result = self.app(environ, self._closing(environ, raw, start_response))
        if environ.get(BODY_UNREAD) and not environ.get(TOO_SLOW):
            return Discarding(result, PacedInput(raw, self.pace, {}))
        return result

    def _read_small(self, environ: dict[str, Any], length: int) -> Any:
        paced = PacedInput(environ["wsgi.input"], self.pace, environ)
        body = b""
        try:
            while len(body) < length:
                chunk = paced.read(length - len(body))
                if not chunk:
                    break  # the phone went away; the app sees a short body, as before
                body += chunk
        except GameError:
            return RefusedInput()
        return io.BytesIO(body)

    @staticmethod
    def _closing(environ: dict[str, Any], raw: Any,
                 start_response: Callable[..., Any]) -> Any:
        """A body cut off, or refused before it was read: the connection closes, and the rest
        is never read (gevent would otherwise read and discard it after answering, from a
        phone that may never send it, or 20 MB of it from a flood of refused uploads)."""

        def wrapped(status: str, headers: list[tuple[str, str]], *exc: Any) -> Any:
            if environ.get(TOO_SLOW) or environ.get(BODY_UNREAD):
                headers = [(k, v) for k, v in headers if k.lower() != "connection"]
                headers.append(("Connection", "close"))
                if hasattr(raw, "_chunked_input_error"):  # pywsgi.Input: skip its _discard()
                    raw._chunked_input_error = True
            return start_response(status, headers, *exc)

        return wrapped
