"""A photo intake worker process: framed requests on stdin, framed answers on stdout.

Pillow's JPEG encoder keeps the GIL for a whole progressive encode (about 0.15 s for the
display image), so in the server's own process image work stalls the event loop however
many threads it runs on. A separate process has its own GIL. Run: `python -m uploads.worker`.
"""

from __future__ import annotations

import pickle
import struct
import sys
from typing import IO, Any

from uploads.errors import IntakeError
from uploads.intake import take_in

HEADER = struct.Struct("!Q")


def write_frame(stream: IO[bytes], message: Any) -> None:
    body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(HEADER.pack(len(body)) + body)
    stream.flush()


def read_frame(stream: IO[bytes]) -> Any:
    """One message, or EOFError when the other side has gone."""
    header = stream.read(HEADER.size)
    if len(header) < HEADER.size:
        raise EOFError
    (size,) = HEADER.unpack(header)
    body = stream.read(size)
    if len(body) < size:
        raise EOFError
    # Only ever our own parent process writes to this pipe.
    return pickle.loads(body)  # noqa: S301


def answer(request: tuple[bytes, int, int]) -> tuple[str, Any, str]:
    data, max_pixels, min_side = request
    try:
        return "ok", take_in(data, max_pixels=max_pixels, min_side=min_side), ""
    except IntakeError as exc:
        return "refused", exc.code, exc.detail


def main() -> None:
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    while True:
        try:
            request = read_frame(source)
        except EOFError:
            return
        write_frame(sink, answer(request))


if __name__ == "__main__":
    main()
