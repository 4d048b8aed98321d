"""WSGI entry for gunicorn (see README): one gevent worker per process, with WebSockets."""

from gevent import monkey

monkey.patch_all()

from koppelkiek import create_app  # noqa: E402  (after patching, by necessity)
from koppelkiek.serving import settle_the_heap  # noqa: E402

app = create_app({"SOCKETIO_ASYNC_MODE": "gevent"})
settle_the_heap()
