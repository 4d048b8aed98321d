"""The gevent server of `koppelkiek serve`: Nagle off, and large bodies read a chunk per turn."""

from __future__ import annotations

import io
import os
import socket
from typing import Any

import gevent
from flask import Flask

from koppelkiek.serving import GivingWay, Server


def test_server_connections_have_nagle_off() -> None:
    server = Server(("127.0.0.1", 0), Flask("t"))
    server.init_socket()
    try:
        assert server.socket.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
        listener = socket.socket(fileno=os.dup(server.socket.fileno()))  # a plain, blocking one
        with listener, socket.create_connection(listener.getsockname()[:2]):
            accepted, _ = listener.accept()
            with accepted:
                assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
    finally:
        server.close()


def _reader(order: list[str]) -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        stream = environ["wsgi.input"]
        while stream.read(64 * 1024):
            order.append("chunk")
        start_response("200 OK", [])
        return [b""]
    return app


def _run(app: Any, size: int, order: list[str]) -> None:
    environ = {"CONTENT_LENGTH": str(size), "wsgi.input": io.BytesIO(b"x" * size)}
    # The reader is started first, so it runs first; the question is when the other gets in.
    gevent.joinall([gevent.spawn(app, environ, lambda *_: None),
                    gevent.spawn(order.append, "other greenlet")])


def test_a_large_body_lets_other_greenlets_run_between_chunks() -> None:
    plain: list[str] = []
    _run(_reader(plain), 1024 * 1024, plain)
    assert plain[-1] == "other greenlet"  # an in-memory read never yields by itself

    giving: list[str] = []
    _run(GivingWay(_reader(giving)), 1024 * 1024, giving)
    assert giving.index("other greenlet") == 0 and giving.count("chunk") == 16


def test_a_small_body_is_left_alone() -> None:
    seen: list[Any] = []
    body = io.BytesIO(b"{}")

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.append(environ["wsgi.input"])
        return [b""]

    GivingWay(app)({"CONTENT_LENGTH": "2", "wsgi.input": body}, lambda *_: None)
    GivingWay(app)({"CONTENT_LENGTH": "many", "wsgi.input": body}, lambda *_: None)
    assert seen == [body, body]
