"""The gevent server of `koppelkiek serve`: Nagle off, large bodies read a chunk per turn, and a
collector that leaves what was loaded at start alone."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import gevent
from flask import Flask

from koppelkiek.errors import BODY_UNREAD, status_of
from koppelkiek.game.errors import GameError
from koppelkiek.serving import MIDDLE_PER_FULL, GivingWay, Pace, Server


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


SETTLED = """
import gc, sys, weakref
from koppelkiek import create_app
from koppelkiek.serving import settle_the_heap
app = create_app({"INSTANCE": sys.argv[1], "DATABASE_URL": "sqlite:///" + sys.argv[1] + "/k.db",
                  "SECRET_KEY": "t"})
settle_the_heap()

class Node:
    pass

node = Node()
node.me = node  # a cycle made while serving: only the collector can free it
gone = weakref.ref(node)
del node
gc.collect()
print(gc.get_freeze_count(), len(gc.get_objects()), gc.get_threshold()[2], gone() is None)
"""


def test_a_serving_process_walks_only_what_it_made_since_it_started(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-c", SETTLED, str(tmp_path)], capture_output=True,
                         text=True, check=True, timeout=120).stdout.split()
    frozen, walked, full, freed = int(out[0]), int(out[1]), int(out[2]), out[3]
    assert frozen > 50_000  # the app, its modules and routes: never walked again
    assert walked < frozen / 10
    assert full == MIDDLE_PER_FULL
    assert freed == "True"  # garbage made later is still collected


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


def test_a_small_body_is_read_whole_before_the_app_runs() -> None:
    seen: list[bytes] = []
    body = io.BytesIO(b'{"code": "ABC123"}')

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.append(environ["wsgi.input"].read())
        return [b""]

    GivingWay(app)({"CONTENT_LENGTH": "18", "wsgi.input": body}, lambda *_: None)
    assert seen == [b'{"code": "ABC123"}'] and body.read() == b""
    GivingWay(app)({"CONTENT_LENGTH": "many", "wsgi.input": io.BytesIO(b"")}, lambda *_: None)
    assert seen[-1] == b""


class Trickle:
    """A phone's body arriving `step` bytes per `every` seconds (gevent.sleep: the loop runs)."""

    def __init__(self, size: int, step: int, every: float) -> None:
        self.left, self.step, self.every = size, step, every

    def read(self, size: int = -1) -> bytes:
        gevent.sleep(self.every)
        n = min(self.step, self.left, size if size >= 0 else self.step)
        self.left -= n
        return b"x" * n


def _answer(body: Any, length: int, pace: Pace) -> tuple[str, list[tuple[str, str]], bytes]:
    got: list[Any] = []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        try:
            data = b"".join(iter(lambda: environ["wsgi.input"].read(4096), b""))
        except GameError as exc:
            start_response(f"{status_of(exc)} Slow", [("Connection", "keep-alive")])
            return [exc.code.encode()]
        start_response("200 OK", [])
        return [data]

    result = GivingWay(app, pace)({"CONTENT_LENGTH": str(length), "wsgi.input": body},
                                  lambda status, headers, *_: got.extend([status, headers]))
    return got[0], got[1], b"".join(result)


def test_a_trickling_body_is_cut_off_and_its_connection_closed() -> None:
    pace = Pace(window=0.3, min_bytes=1000, total=5)
    status, headers, text = _answer(Trickle(100_000, 10, 0.02), 100_000, pace)
    assert status.startswith("408") and text == b"upload_too_slow"
    assert ("Connection", "close") in headers and ("Connection", "keep-alive") not in headers


def test_a_body_that_never_ends_is_cut_off_at_the_total() -> None:
    # Fast enough for every window, but it would take 10 s in all.
    status, _, text = _answer(Trickle(1_000_000, 2000, 0.02), 1_000_000,
                              Pace(window=0.3, min_bytes=1000, total=0.5))
    assert status.startswith("408") and text == b"upload_too_slow"


def test_a_steady_body_passes_and_a_slow_small_body_is_refused_before_the_app() -> None:
    status, _, text = _answer(Trickle(200_000, 4096, 0.001), 200_000,
                              Pace(window=0.3, min_bytes=1000, total=5))
    assert status.startswith("200") and len(text) == 200_000
    status, _, text = _answer(Trickle(500, 1, 0.05), 500, Pace(window=0.3, min_bytes=1000,
                                                               total=5))
    assert status.startswith("408") and text == b"upload_too_slow"


def test_a_body_refused_unread_is_answered_first_then_dropped_at_the_body_pace() -> None:
    order: list[str] = []

    class Body(Trickle):
        def read(self, size: int = -1) -> bytes:
            order.append("read")
            return super().read(size)

    def refusing(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        environ[BODY_UNREAD] = True  # as errors.leave_body_unread does in a view
        start_response("429 Too Many", [])
        return [b"upload_in_progress"]

    got: list[Any] = []
    # A trickle after the answer: dropped once too slow, not waited for until it ends.
    body = Body(10_000_000, 10, 0.02)
    result = GivingWay(refusing, Pace(window=0.3, min_bytes=1000, total=60))(
        {"CONTENT_LENGTH": "10000000", "wsgi.input": body},
        lambda status, headers, *_: got.extend([status, headers]))
    assert b"".join(result) == b"upload_in_progress" and order == []  # answered unread
    assert ("Connection", "close") in got[1]
    result.close()
    assert order and body.left > 9_000_000
    # A phone that sends the rest at once has it read, so it can read its answer.
    fast = Trickle(300_000, 65536, 0)
    result = GivingWay(refusing, Pace(window=0.3, min_bytes=1000, total=60))(
        {"CONTENT_LENGTH": "300000", "wsgi.input": fast}, lambda *_: None)
    list(result)
    result.close()
    assert fast.left == 0
