"""/metrics in the Prometheus text format (prometheus_client), per process.

Each app process has its own registry and answers for itself: with two gunicorn processes,
Prometheus scrapes both ports (their sums are the server's figures). Only localhost may
read it directly (Prometheus on the same host scrapes each process's own port), or anyone
with the bearer token KOPPELKIEK_METRICS_TOKEN. A request that came through a proxy needs
the token, even from 127.0.0.1.
"""

from __future__ import annotations

import hmac
import ipaddress
import time
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)

from koppelkiek import darkroom, realtime
from koppelkiek.errors import Refusal
from koppelkiek.identity import bearer_token

bp = Blueprint("metrics", __name__)
KEY = "koppelkiek_metrics"
UPLOAD_ENDPOINT = "api.upload"
FORWARDED = ("X-Forwarded-For", "Forwarded", "X-Real-IP")


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        for collector in (ProcessCollector, PlatformCollector, GCCollector):
            collector(registry=self.registry)
        self.requests = Counter("koppelkiek_requests", "HTTP requests by endpoint and status",
                                ["endpoint", "method", "status"], registry=self.registry)
        self.latency = Histogram("koppelkiek_request_seconds", "Time to answer, by endpoint",
                                 ["endpoint"], registry=self.registry,
                                 buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30))
        self.photos = Counter("koppelkiek_photos", "Photo uploads by result and code",
                              ["result", "code"], registry=self.registry)
        Gauge("koppelkiek_sockets_connected", "Socket.IO clients connected to this process",
              registry=self.registry).set_function(_sockets)
        Gauge("koppelkiek_intake_queue_length", "Photos waiting for an intake process",
              registry=self.registry).set_function(darkroom.queue_length)


def _sockets() -> int:
    server = realtime.socketio.server
    return len(server.eio.sockets) if server is not None else 0


def _started() -> None:
    g.metrics_started = time.perf_counter()


def _photo(metrics: Metrics, response: Response) -> None:
    body = response.get_json(silent=True) if response.is_json else None
    body = body if isinstance(body, dict) else {}
    if response.status_code == 201:
        status = str((body.get("photo") or {}).get("status", "accepted"))
        metrics.photos.labels(status, status).inc()
    else:
        code = str((body.get("error") or {}).get("code", response.status_code))
        metrics.photos.labels("refused", code).inc()


def _finished(response: Response) -> Response:
    metrics: Metrics = current_app.extensions[KEY]
    endpoint = request.endpoint or "unmatched"
    metrics.requests.labels(endpoint, request.method, str(response.status_code)).inc()
    started = g.pop("metrics_started", None)
    if started is not None:
        metrics.latency.labels(endpoint).observe(time.perf_counter() - started)
    if endpoint == UPLOAD_ENDPOINT:
        _photo(metrics, response)
    return response


def _local() -> bool:
    if any(name in request.headers for name in FORWARDED):
        return False  # through a proxy: the caller may be anyone, so only with the token
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


def _allowed() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    given = bearer_token()
    if token and given:
        return hmac.compare_digest(token.encode(), given.encode())
    return _local()


@bp.get("/metrics")
def metrics() -> Any:
    if not _allowed():
        raise Refusal("not_found")  # nothing to see for strangers, not even that it exists
    registry = current_app.extensions[KEY].registry
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


def init_app(app: Flask) -> None:
    app.extensions[KEY] = Metrics()
    app.before_request(_started)
    app.after_request(_finished)
    app.register_blueprint(bp)
