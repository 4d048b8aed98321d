"""Work kept off the event loop under gevent: photos in worker processes, the rest in threads.

Pillow's JPEG encoder holds the GIL for a whole progressive encode, so photo intake runs in
`python -m uploads.worker` processes (their own GIL, on the cores the event loop leaves).
Database work after it runs in a small native thread pool, where the GIL is shared but
released every few ms.
Without gevent (tests, `flask run`) everything runs inline.
"""

from __future__ import annotations

import atexit
import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import gevent
from flask import current_app
from gevent.lock import BoundedSemaphore
from gevent.threadpool import ThreadPool

from uploads import Intake, IntakeError, take_in
from uploads.worker import read_frame, write_frame

T = TypeVar("T")

# One core stays free for the event loop: with an intake process per core, socket round trips
# during a burst of uploads had a p99 of 15 ms against 8.5 ms with one on 2 cores
# (benchmarks/event_loop.py), for a burst 20% slower.
WORKERS = max(1, (os.cpu_count() or 2) - 1)
DB_THREADS = 2


class Darkroom:
    """A few long-lived intake processes, each used by one request at a time."""

    def __init__(self, size: int) -> None:
        self._idle: list[subprocess.Popen[bytes]] = []
        self._size = size
        self._slots = BoundedSemaphore(size)

    @property
    def queue_length(self) -> int:
        """Photos waiting for a free intake process (read by /metrics)."""
        return self._slots.linkcount()

    def _start(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, "-m", "uploads.worker"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def develop(self, data: bytes, max_pixels: int, min_side: int) -> Intake:
        with self._slots:
            worker = self._idle.pop() if self._idle else self._start()
            try:
                assert worker.stdin is not None and worker.stdout is not None
                write_frame(worker.stdin, (max_pixels, min_side), data)
                (status, value, detail), _ = read_frame(worker.stdout)
            except (EOFError, OSError, BrokenPipeError):
                worker.kill()  # a crashed worker is replaced on the next photo
                raise IntakeError("image_broken", "the photo could not be processed") from None
            self._idle.append(worker)
        if status == "refused":
            raise IntakeError(value, detail)
        return value  # type: ignore[no-any-return]

    def open(self) -> None:
        """Start the workers now, so the first photo does not wait for a Python to start."""
        while len(self._idle) < self._size:
            self._idle.append(self._start())

    def close(self) -> None:
        for worker in self._idle:
            worker.kill()
        self._idle.clear()


_darkroom: Darkroom | None = None
_threads: ThreadPool | None = None


def _gevent() -> bool:
    return current_app.config.get("SOCKETIO_ASYNC_MODE") == "gevent"


def darkroom() -> Darkroom:
    """This process's darkroom (started by `koppelkiek serve`, else at the first photo)."""
    global _darkroom
    if _darkroom is None:
        _darkroom = Darkroom(WORKERS)
        atexit.register(_darkroom.close)
    return _darkroom


def queue_length() -> int:
    """Photos waiting in this process's darkroom; 0 before any photo came in."""
    return _darkroom.queue_length if _darkroom is not None else 0


def develop_photo(data: bytes, *, max_pixels: int, min_side: int = 320) -> Intake:
    """Bytes in, facts and derived JPEGs out, without stalling sockets."""
    if not _gevent():
        return take_in(data, max_pixels=max_pixels, min_side=min_side)
    return darkroom().develop(data, max_pixels, min_side)


def off_loop(work: Callable[..., T], *args: Any) -> T:
    """Run blocking work (database writes) in a native thread when serving under gevent."""
    global _threads
    if not _gevent():
        return work(*args)
    if _threads is None or _threads.hub is not gevent.get_hub():
        _threads = ThreadPool(DB_THREADS)
    return _threads.apply(work, args)
