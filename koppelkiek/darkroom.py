"""Image work off the event loop: Pillow releases the GIL, so gevent threads use both cores."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import gevent
from flask import current_app

T = TypeVar("T")


def develop(work: Callable[..., T], *args: object) -> T:
    """Run CPU-heavy work in gevent's native thread pool when serving under gevent."""
    if current_app.config.get("SOCKETIO_ASYNC_MODE") == "gevent":
        return gevent.get_hub().threadpool.apply(work, args)
    return work(*args)
