"""Issue 13, /metrics: Prometheus format, only for localhost or with the bearer token."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

from koppelkiek import create_app
from koppelkiek.db import db
from tests.helpers import INSIDE, PHOTOS, Clock, World, meet, send

TOKEN = "s3cret-for-prometheus"


def samples(client: FlaskClient, **kwargs: object) -> dict[tuple[str, tuple[tuple[str, str], ...]],
                                                             float]:
    res = client.get("/metrics", **kwargs)  # type: ignore[arg-type]
    assert res.status_code == 200, res.get_data(as_text=True)
    assert res.headers["Content-Type"].startswith("text/plain; version=")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(res.get_data(as_text=True))
            for s in family.samples}


def value(found: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str,
          **labels: str) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def tokened(database_url: str, tmp_path: Path, clock: Clock) -> Iterator[Flask]:
    app = create_app({"INSTANCE": str(tmp_path / "instance"), "DATABASE_URL": database_url,
                      "SECRET_KEY": "test-secret", "TESTING": True, "CLOCK": clock,
                      "METRICS_TOKEN": TOKEN})
    yield app
    db.engine(app).dispose()


def test_requests_by_endpoint_and_status_with_latency(client: FlaskClient) -> None:
    before = samples(client)
    client.get("/healthz")
    client.get("/healthz")
    client.get("/no-such-page")
    after = samples(client)
    ok = {"endpoint": "healthz", "method": "GET", "status": "200"}
    assert value(after, "koppelkiek_requests_total", **ok) - value(
        before, "koppelkiek_requests_total", **ok) == 2
    missing = {"endpoint": "unmatched", "method": "GET", "status": "404"}
    assert value(after, "koppelkiek_requests_total", **missing) == 1
    assert value(after, "koppelkiek_request_seconds_count", endpoint="healthz") >= 2
    assert value(after, "koppelkiek_request_seconds_bucket", endpoint="healthz", le="+Inf") >= 2
    assert ("koppelkiek_sockets_connected", ()) in after
    assert value(after, "koppelkiek_intake_queue_length") == 0
    assert ("process_resident_memory_bytes", ()) in after


def test_photos_accepted_and_refused_by_code(arezzo: World) -> None:
    a, _ = arezzo.join("Fatma")
    b, _ = arezzo.join("Ömer")
    meeting = meet(arezzo, a, b)
    data = (PHOTOS / "jpg" / "xmp" / "no_exif.jpg").read_bytes()
    assert send(b, meeting, data).status_code == 422
    assert send(b, meeting, data, **INSIDE).status_code == 201
    found = samples(arezzo.app.test_client())
    assert value(found, "koppelkiek_photos_total", result="refused", code="no_location") == 1
    assert value(found, "koppelkiek_photos_total", result="accepted", code="accepted") == 1


def test_only_localhost_may_look(client: FlaskClient) -> None:
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200
    away = client.get("/metrics", environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert away.status_code == 404
    # Through a proxy nobody told us about, 127.0.0.1 may be anyone.
    assert client.get("/metrics", headers={"X-Forwarded-For": "198.51.100.7"}).status_code == 404


def test_elsewhere_with_the_bearer_token(tokened: Flask) -> None:
    client = tokened.test_client()
    away = {"REMOTE_ADDR": "198.51.100.7"}
    assert client.get("/metrics", environ_base=away).status_code == 404
    wrong = {"Authorization": "Bearer not-the-token"}
    assert client.get("/metrics", environ_base=away, headers=wrong).status_code == 404
    right = {"Authorization": f"Bearer {TOKEN}"}
    assert "koppelkiek_requests_total" in str(samples(client, environ_base=away, headers=right))
