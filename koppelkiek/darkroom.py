"""Image work off the event loop: Pillow releases the GIL, so gevent threads use both cores."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import gevent
from flask import current_app
from gevent.threadpool import ThreadPool

T = TypeVar("T")

# A small pool of its own, not the hub's (10 threads, also used for DNS): Pillow's JPEG
# encoder and our Python code hold the GIL, and with ten photo threads the event loop waited
# up to 0.6 s for it during a burst of uploads (tests/web/test_event_loop.py).
IMAGE_THREADS = 2
_pool: ThreadPool | None = None


def _image_pool() -> ThreadPool:
    global _pool
    if _pool is None or _pool.hub is not gevent.get_hub():
        _pool = ThreadPool(IMAGE_THREADS)
    return _pool


def develop(work: Callable[..., T], *args: object) -> T:
    """Run CPU-heavy work in a native thread pool when serving under gevent."""
    if current_app.config.get("SOCKETIO_ASYNC_MODE") == "gevent":
        return _image_pool().apply(work, args)
    return work(*args)
