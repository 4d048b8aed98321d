"""A photo intake worker process: framed requests on stdin, framed answers on stdout.

Pillow's JPEG encoder keeps the GIL for a whole progressive encode (about 0.15 s for the
display image), so in the server's own process image work stalls the event loop however
many threads it runs on. A separate process has its own GIL.
Run: `python -m koppelkiek.uploads.worker`.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import shutil
import signal
import struct
import sys
from typing import IO, Any

from koppelkiek.uploads.errors import IntakeError
from koppelkiek.uploads.intake import take_in

HEADER = struct.Struct("!QQ")  # length of the pickled message, length of the raw payload


def write_frame(stream: IO[bytes], message: Any, payload: bytes = b"") -> None:
    """A small pickled message and raw bytes beside it: the photo itself is never pickled or
    copied into one buffer with the header (2 MB of copying per upload on the server)."""
    body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(HEADER.pack(len(body), len(payload)) + body)
    if payload:
        stream.write(payload)
    stream.flush()


def write_frame_from(stream: IO[bytes], message: Any, source: IO[bytes], size: int) -> None:
    """As write_frame, with the payload copied from a (spooled) file a chunk at a time: a
    photo waiting for a worker sits on disk, and only a chunk of it is ever in memory here."""
    body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(HEADER.pack(len(body), size) + body)
    shutil.copyfileobj(source, stream, 64 * 1024)
    stream.flush()


def _exactly(stream: IO[bytes], size: int) -> bytes:
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return data


def read_frame(stream: IO[bytes]) -> tuple[Any, bytes]:
    """One (message, payload), or EOFError when the other side has gone."""
    size, payload_size = HEADER.unpack(_exactly(stream, HEADER.size))
    # Only ever our own parent process writes to this pipe.
    message = pickle.loads(_exactly(stream, size))  # noqa: S301
    return message, _exactly(stream, payload_size) if payload_size else b""


def answer(request: tuple[int, int, float], data: bytes) -> tuple[str, Any, str]:
    max_pixels, min_side, cpu_seconds = request
    budget(cpu_seconds)
    try:
        return "ok", take_in(data, max_pixels=max_pixels, min_side=min_side), ""
    except IntakeError as exc:
        return "refused", exc.code, exc.detail
    finally:
        budget(0)


def budget(cpu_seconds: float) -> None:
    """Let this job use `cpu_seconds` of CPU (0: no limit); past it the kernel ends the worker
    with SIGPROF (its default action), even inside a long C call of a decoder.

    CPU time, not wall time: on a busy machine a worker that waits for a core is slow, not
    stuck, and its photo is fine. The server tells the two apart by the signal."""
    if hasattr(signal, "setitimer"):
        signal.setitimer(signal.ITIMER_PROF, cpu_seconds)


def background() -> None:
    """Run only on CPU time nobody else wants (Linux SCHED_IDLE).

    On 2 cores two busy intake processes left the event loop waiting for a core: measured
    with benchmarks/event_loop.py, socket round trips under load went from p50 14 ms to
    4 ms (idle p50 4-5 ms) and p99 from 75-92 ms to ~50 ms once the workers yield the CPU;
    os.nice(10) alone did not help. The photos still develop at full speed on idle cores.
    """
    if hasattr(os, "sched_setscheduler"):  # not allowed here: run as an ordinary process
        with contextlib.suppress(OSError):
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))


def main() -> None:
    background()
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    while True:
        try:
            request, data = read_frame(source)
        except EOFError:
            return
        write_frame(sink, answer(request, data))


if __name__ == "__main__":
    main()
