"""Work kept off the event loop under gevent: photos in worker processes, the rest in threads.

Pillow's JPEG encoder holds the GIL for a whole progressive encode, so photo intake runs in
`python -m koppelkiek.uploads.worker` processes (their own GIL, on the cores the event loop leaves).
Database work after it runs in a small native thread pool, where the GIL is shared but
released every few ms.
Without gevent (tests, `flask run`) everything runs inline.

In front of the workers is a bounded waiting line: a photo that cannot start within a few
seconds is refused as 503 busy (the phone tries again later), and while it waits its body
stays in its spooled temporary file. The darkroom keeps the pace of its recent jobs, so it
can tell before the body is read that a photo would wait too long, and answer busy at once
with a Retry-After that spreads the phones it turned away over the time the workers need
for them: they come back about as fast as photos are developed, not all together.

When a worker frees up, the waiting photo of the player with the fewest photos being
developed (then the one served longest ago) goes first, so one player's many uploads cannot
make a neighbour wait behind all of them. Each job has a CPU
budget: a worker that uses it up is ended by the kernel and replaced, and the photo is
refused as image_too_complex. Wall time only catches a worker that hangs: one that waits for
a core on a busy machine is slow, and its photo is still developed.
"""

from __future__ import annotations

import atexit
import contextlib
import math
import os
import signal
import subprocess
import sys
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any, TypeVar

import gevent
from flask import current_app, has_app_context
from gevent.event import Event
from gevent.threadpool import ThreadPool

from koppelkiek.errors import Refusal
from koppelkiek.game.errors import GameError
from koppelkiek.uploads import Intake, IntakeError, take_in
from koppelkiek.uploads.worker import read_frame, write_frame_from

T = TypeVar("T")

# One core stays free for the event loop: with an intake process per core, socket round trips
# during a burst of uploads had a p99 of 15 ms against 8.5 ms with one on 2 cores
# (benchmarks/event_loop.py), for a burst 20% slower.
WORKERS = max(1, (os.cpu_count() or 2) - 1)
DB_THREADS = 2
# A worker that has not answered after this long hangs (no photo needs it, however busy the
# machine): it is killed, and the photo refused as image_too_complex.
HUNG_SECONDS = 90.0
PACE_START = 0.5  # seconds a job holds a worker, before any was measured
PACE_WEIGHT = 0.2  # of the newest job in the running mean of the pace
TURNED_AWAY_SECONDS = 60.0  # how long a phone told "busy" counts as coming back
RETRY_AFTER_MAX = 60


@dataclass(frozen=True)
class Job:
    """One photo for a worker: its spooled body and the limits it is developed under."""

    source: IO[bytes]
    owner: int  # the player: the fair share is per player
    max_pixels: int
    min_side: int = 320
    wait_seconds: float = 5.0
    cpu_seconds: float = 15.0  # of the worker's CPU; past it the photo is image_too_complex


@dataclass
class _Waiter:
    owner: int
    granted: Event = field(default_factory=Event)


class Darkroom:
    """A few long-lived intake processes, each used by one photo at a time."""

    def __init__(self, size: int, queue: int = 16) -> None:
        self._idle: list[subprocess.Popen[bytes]] = []
        self._size = size
        self.queue = queue
        self._developing = 0
        self._per_owner: dict[int, int] = {}
        self._waiting: list[_Waiter] = []
        self._served: dict[int, float] = {}  # owner -> when a job of theirs last started
        self.pace = PACE_START  # wall seconds a job holds a worker, a running mean
        self._turned_away: OrderedDict[int, float] = OrderedDict()  # owner -> when, oldest 1st

    @property
    def queue_length(self) -> int:
        """Photos waiting for a free intake process (read by /metrics)."""
        return len(self._waiting)

    def _start(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, "-m", "koppelkiek.uploads.worker"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def full(self) -> bool:
        """No worker free and the waiting line at its bound: a new photo would be refused."""
        return self._developing >= self._size and len(self._waiting) >= self.queue

    def expected_wait(self) -> float:
        """Seconds a photo arriving now would wait for a worker, at the recent pace."""
        if self._developing < self._size and not self._waiting:
            return 0.0
        return (len(self._waiting) + 1) * self.pace / self._size

    def busy(self, owner: int) -> GameError:
        """503 busy, to come back when the workers are likely through the phones sent away."""
        now = time.monotonic()
        self._turned_away.pop(owner, None)
        self._turned_away[owner] = now
        while next(iter(self._turned_away.values())) < now - TURNED_AWAY_SECONDS:
            self._turned_away.popitem(last=False)
        backlog = len(self._waiting) + len(self._turned_away)
        seconds = backlog * self.pace / self._size
        return Refusal("busy", retry_after=min(RETRY_AFTER_MAX, max(1, math.ceil(seconds))))

    # The waiting line. Under gevent all of this runs between two yields: no lock needed.
    def _enter(self, owner: int, wait_seconds: float) -> None:
        if self._developing < self._size and not self._waiting:
            self._grant(owner)
            return
        if len(self._waiting) >= self.queue:
            raise self.busy(owner)
        waiter = _Waiter(owner)
        self._waiting.append(waiter)
        # Granted in the same instant as the timeout: it takes the worker all the same.
        if not waiter.granted.wait(wait_seconds) and waiter in self._waiting:
            self._waiting.remove(waiter)
            raise self.busy(owner)

    def _grant(self, owner: int) -> None:
        self._turned_away.pop(owner, None)
        self._developing += 1
        self._per_owner[owner] = self._per_owner.get(owner, 0) + 1
        if len(self._served) > 10_000:  # only the recent past matters
            self._served.clear()
        self._served[owner] = time.monotonic()

    def _leave(self, owner: int) -> None:
        self._developing -= 1
        self._per_owner[owner] -= 1
        if not self._per_owner[owner]:
            del self._per_owner[owner]
        if self._waiting and self._developing < self._size:
            # Whoever has the fewest being developed now, then whoever was served longest ago,
            # then the longest-waiting photo: a neighbour waits for at most one of a
            # flooding player's jobs.
            waiter = min(self._waiting, key=lambda w: (self._per_owner.get(w.owner, 0),
                                                       self._served.get(w.owner, 0.0)))
            self._waiting.remove(waiter)
            self._grant(waiter.owner)
            waiter.granted.set()

    def _worker(self) -> subprocess.Popen[bytes]:
        while self._idle:
            worker = self._idle.pop()
            if worker.poll() is None:
                return worker
            # It died while idle (killed, out of memory): a fresh one takes its place.
        return self._start()

    def _run(self, job: Job, worker: subprocess.Popen[bytes]) -> tuple[str, Any, str]:
        assert worker.stdin is not None and worker.stdout is not None
        job.source.seek(0, os.SEEK_END)
        size = job.source.tell()
        job.source.seek(0)
        write_frame_from(worker.stdin, (job.max_pixels, job.min_side, job.cpu_seconds),
                         job.source, size)
        (status, value, detail), _ = read_frame(worker.stdout)
        return status, value, detail

    def develop(self, job: Job) -> Intake:
        self._enter(job.owner, job.wait_seconds)
        try:
            answer = self._develop(job)
        finally:
            self._leave(job.owner)
        status, value, detail = answer
        if status == "refused":
            raise IntakeError(value, detail)
        return value  # type: ignore[no-any-return]

    def _develop(self, job: Job) -> tuple[str, Any, str]:
        for attempt in (1, 2):
            worker = self._worker()
            started = time.monotonic()
            hung = gevent.Timeout(hung_after(job.cpu_seconds))
            hung.start()
            try:
                answer = self._run(job, worker)
            except gevent.Timeout as exc:
                if exc is not hung:
                    raise
                _end(worker)
                self._idle.append(self._start())  # replaced now, not on the next photo
                raise IntakeError("image_too_complex", "the intake worker hung") from None
            except (EOFError, OSError):
                if _end(worker) == -signal.SIGPROF:  # its CPU budget ran out: this photo
                    self._idle.append(self._start())
                    raise IntakeError("image_too_complex", "the intake job overran") from None
                # The worker died under this photo: perhaps before it (killed while idle),
                # perhaps of it. Once more on a fresh worker; twice means the photo.
                if attempt == 2:
                    raise IntakeError("image_broken", "the photo could not be processed") from None
                continue
            finally:
                hung.close()
            self._idle.append(worker)
            self.pace += PACE_WEIGHT * (time.monotonic() - started - self.pace)
            return answer
        raise AssertionError("unreachable")

    def open(self) -> None:
        """Start the workers now, so the first photo does not wait for a Python to start."""
        while len(self._idle) < self._size:
            self._idle.append(self._start())

    def close(self) -> None:
        for worker in self._idle:
            _end(worker)
        self._idle.clear()


def hung_after(cpu_seconds: float) -> float:
    """Wall seconds after which a job's worker counts as hung."""
    return max(HUNG_SECONDS, cpu_seconds * 4)


def _end(worker: subprocess.Popen[bytes]) -> int:
    """Kill (if still alive) and reap; returns how it ended (negative: the signal)."""
    if worker.poll() is None:
        worker.kill()
    for pipe in (worker.stdin, worker.stdout):  # a long afternoon must not leak descriptors
        if pipe is not None:
            with contextlib.suppress(OSError):  # a write into the dead pipe may be pending
                pipe.close()
    return worker.wait()  # reaped, not left a zombie


_darkroom: Darkroom | None = None
_threads: ThreadPool | None = None


def _gevent() -> bool:
    return current_app.config.get("SOCKETIO_ASYNC_MODE") == "gevent"


def darkroom() -> Darkroom:
    """This process's darkroom (started by `koppelkiek serve`, else at the first photo)."""
    global _darkroom
    if _darkroom is None:
        size = current_app.config.get("PHOTO_WORKERS") if has_app_context() else None
        _darkroom = Darkroom(int(size) if size else WORKERS)
        atexit.register(_darkroom.close)
    return _darkroom


def queue_length() -> int:
    """Photos waiting in this process's darkroom; 0 before any photo came in."""
    return _darkroom.queue_length if _darkroom is not None else 0


def _configured() -> Darkroom:
    room = darkroom()
    room.queue = int(current_app.config["PHOTO_QUEUE"])
    return room


def turn_away(owner: int) -> GameError | None:
    """Before reading a body: the busy answer for a photo that would wait longer than the
    setting allows (or find the line full), so the phone keeps its data; None: come in."""
    if not _gevent():
        return None
    room = _configured()
    if room.full() or room.expected_wait() > float(current_app.config["PHOTO_WAIT_SECONDS"]):
        return room.busy(owner)
    return None


def develop_photo(job: Job) -> Intake:
    """A spooled body in, facts and derived JPEGs out, without stalling sockets."""
    if not _gevent():
        job.source.seek(0)
        return take_in(job.source.read(), max_pixels=job.max_pixels, min_side=job.min_side)
    return _configured().develop(job)


def hold_back(seconds: float) -> None:
    """Under gevent, wait before answering a refusal that a flood would repeat at once (the
    player's uploads in flight or rate limit): a waiting greenlet costs next to nothing, and
    20 uploads kept in flight from one script then come ~10 a second, not ~1,000."""
    if _gevent():
        gevent.sleep(seconds)


def off_loop(work: Callable[..., T], *args: Any) -> T:
    """Run blocking work (database writes) in a native thread when serving under gevent."""
    global _threads
    if not _gevent():
        return work(*args)
    if _threads is None or _threads.hub is not gevent.get_hub():
        _threads = ThreadPool(DB_THREADS)
    ok, value = _threads.apply(_caught, (work, *args))
    if not ok:
        raise value
    return value  # type: ignore[no-any-return]


def _caught(work: Callable[..., Any], *args: Any) -> tuple[bool, Any]:
    """The exception comes back as a value: gevent's hub would print a traceback for every
    ordinary refusal (duplicate_photo...) raised in a thread; the request handles it."""
    try:
        return True, work(*args)
    except Exception as exc:  # noqa: BLE001 - re-raised in the request's greenlet
        return False, exc
