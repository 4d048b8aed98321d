"""Work kept off the event loop under gevent: photos in worker processes, the rest in threads.

Pillow's JPEG encoder holds the GIL for a whole progressive encode, so photo intake runs in
`python -m uploads.worker` processes (their own GIL; both cores used). Database work after
it runs in a small native thread pool, where the GIL is shared but released every few ms.
Without gevent (tests, `flask run`) everything runs inline.
"""

from __future__ import annotations

import atexit
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

WORKERS = 2  # one per core on the machines this runs on
DB_THREADS = 2


class Darkroom:
    """A few long-lived intake processes, each used by one request at a time."""

    def __init__(self, size: int) -> None:
        self._idle: list[subprocess.Popen[bytes]] = []
        self._slots = BoundedSemaphore(size)

    def _start(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, "-m", "uploads.worker"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def develop(self, data: bytes, max_pixels: int, min_side: int) -> Intake:
        with self._slots:
            worker = self._idle.pop() if self._idle else self._start()
            try:
                assert worker.stdin is not None and worker.stdout is not None
                write_frame(worker.stdin, (data, max_pixels, min_side))
                status, value, detail = read_frame(worker.stdout)
            except (EOFError, OSError, BrokenPipeError):
                worker.kill()  # a crashed worker is replaced on the next photo
                raise IntakeError("image_broken", "the photo could not be processed") from None
            self._idle.append(worker)
        if status == "refused":
            raise IntakeError(value, detail)
        return value  # type: ignore[no-any-return]

    def close(self) -> None:
        for worker in self._idle:
            worker.kill()
        self._idle.clear()


_darkroom: Darkroom | None = None
_threads: ThreadPool | None = None


def _gevent() -> bool:
    return current_app.config.get("SOCKETIO_ASYNC_MODE") == "gevent"


def develop_photo(data: bytes, *, max_pixels: int, min_side: int = 320) -> Intake:
    """Bytes in, facts and derived JPEGs out, without stalling sockets."""
    global _darkroom
    if not _gevent():
        return take_in(data, max_pixels=max_pixels, min_side=min_side)
    if _darkroom is None:
        _darkroom = Darkroom(WORKERS)
        atexit.register(_darkroom.close)
    return _darkroom.develop(data, max_pixels, min_side)


def off_loop(work: Callable[..., T], *args: Any) -> T:
    """Run blocking work (database writes) in a native thread when serving under gevent."""
    global _threads
    if not _gevent():
        return work(*args)
    if _threads is None or _threads.hub is not gevent.get_hub():
        _threads = ThreadPool(DB_THREADS)
    return _threads.apply(work, args)
