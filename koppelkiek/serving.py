"""The gevent web server behind `koppelkiek serve`, and what keeps its event loop turning."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import gevent
from gevent import pywsgi
from geventwebsocket.handler import WebSocketHandler


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


class GivingWayInput:
    """A request body that lets every other ready greenlet and socket go first at each read."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def read(self, size: int = -1) -> bytes:
        gevent.idle()
        return self._stream.read(size)  # type: ignore[no-any-return]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class GivingWay:
    """WSGI middleware for gevent: a large body is read one chunk per turn of the loop.

    A greenlet only yields when a socket read would block, and a 12 MP upload arrives faster
    than it is parsed: ten of them parsed back to back held the loop for ~100 ms.
    """

    LARGE = 64 * 1024

    def __init__(self, app: Callable[..., Any]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        try:
            large = int(environ.get("CONTENT_LENGTH") or 0) > self.LARGE
        except ValueError:
            large = False
        if large:
            environ["wsgi.input"] = GivingWayInput(environ["wsgi.input"])
        return self.app(environ, start_response)
