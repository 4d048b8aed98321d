"""Issue 13, client addresses behind proxies (KOPPELKIEK_TRUSTED_PROXIES, koppelkiek/proxies.py)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from koppelkiek import create_app
from koppelkiek.db import db
from koppelkiek.extensions import limiter
from tests.helpers import Clock, World, csrf_from


@pytest.fixture
def proxied(database_url: str, tmp_path: Path, clock: Clock) -> Iterator[Flask]:
    """The app as it runs behind one nginx."""
    app = create_app({"INSTANCE": str(tmp_path / "instance"), "DATABASE_URL": database_url,
                      "SECRET_KEY": "test-secret", "TESTING": True, "CLOCK": clock,
                      "TRUSTED_PROXIES": 1, "PUBLIC_URL": None})
    limiter.reset()
    yield app
    db.engine(app).dispose()


def _recover_from(app: Flask, forwarded_for: str) -> int:
    client = app.test_client()  # every request arrives from the proxy, 127.0.0.1
    headers = {"X-Forwarded-For": forwarded_for}
    token = csrf_from(client.get("/recover", headers=headers).get_data(as_text=True))
    return client.post("/recover", headers=headers, data={
        "recovery_code": "ABCD-EFGH-JKMN", "csrf_token": token}).status_code


def test_the_scheme_and_host_come_from_the_proxy(proxied: Flask, clock: Clock) -> None:
    """Without KOPPELKIEK_PUBLIC_URL the QR code carries the address the phone asked for."""
    world = World(proxied, clock).seed()
    phone, _ = world.join("Fatma")
    res = phone.post("/api/v1/pairing-codes", json={}, headers={
        "X-Forwarded-Proto": "https", "X-Forwarded-Host": "kiek.example.nl",
        "X-Forwarded-For": "198.51.100.7"})
    assert res.status_code == 201
    assert res.get_json()["url"] == f"https://kiek.example.nl/m/{res.get_json()['code']}"


def test_the_limiter_counts_each_forwarded_address(proxied: Flask) -> None:
    assert [_recover_from(proxied, "198.51.100.7") for _ in range(21)][-1] == 429
    assert _recover_from(proxied, "203.0.113.9") == 404
    # Only the address our proxy added counts: one the client made up in front does not help.
    assert _recover_from(proxied, "203.0.113.50, 198.51.100.7") == 429


def test_without_trusted_proxies_forwarded_addresses_are_ignored_and_warned_once(
        app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="koppelkiek"):
        assert [_recover_from(app, "198.51.100.7") for _ in range(21)][-1] == 429
        assert _recover_from(app, "203.0.113.9") == 429  # all one client: the proxy
    warnings = [r for r in caplog.records if "KOPPELKIEK_TRUSTED_PROXIES" in r.getMessage()]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING


def test_no_warning_without_forwarded_headers(app: Flask,
                                              caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="koppelkiek"):
        app.test_client().get("/healthz")
    assert not [r for r in caplog.records if "TRUSTED_PROXIES" in r.getMessage()]
