"""Shared fixtures: app, client, database (SQLite, and PostgreSQL when configured) and the clock."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from game.models import Base
from game.neighbourhoods import create_neighbourhood
from game.organisers import create_organiser
from game.rounds import RoundSpec, change_state, create_round
from koppelkiek import create_app
from koppelkiek.db import db, upgrade
from koppelkiek.extensions import limiter

ROOT = Path(__file__).resolve().parents[1]
PHOTOS = ROOT / "tests" / "data" / "photos"
IN_CI = os.environ.get("CI", "").lower() == "true"
PG_URL = os.environ.get("KOPPELKIEK_TEST_DATABASE_URL")


def need(ok: bool, reason: str) -> None:
    """Skip with a reason locally; in CI a missing part is a failure, never a skip."""
    if not ok:
        if IN_CI:
            pytest.fail(f"CI requires this test to run: {reason}")
        pytest.skip(reason)


@dataclass
class Clock:
    """Injected time: tests move it on, nothing is frozen."""

    now: datetime = field(default_factory=lambda: datetime(2026, 6, 13, 13, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


# A boundary around Utrecht's Hoograven, and one around the real GPS photos near Arezzo.
HOOGRAVEN = {
    "type": "Polygon",
    "coordinates": [[[5.1150, 52.0720], [5.1330, 52.0720], [5.1330, 52.0800],
                     [5.1150, 52.0800], [5.1150, 52.0720]]],
}
AREZZO = {
    "type": "Polygon",
    "coordinates": [[[11.86, 43.45], [11.90, 43.45], [11.90, 43.48], [11.86, 43.48],
                     [11.86, 43.45]]],
}


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate once; each test copies the file."""
    path = tmp_path_factory.mktemp("template") / "koppelkiek.db"
    engine = create_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_migrated() -> str:
    need(bool(PG_URL), "KOPPELKIEK_TEST_DATABASE_URL is not set (no PostgreSQL)")
    assert PG_URL
    engine = create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    engine.dispose()
    return PG_URL


def _truncate(url: str) -> None:
    engine = create_engine(url)
    names = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        target = tmp_path / "koppelkiek.db"
        shutil.copy(template, target)
        yield f"sqlite:///{target}"
    else:
        url = request.getfixturevalue("pg_migrated")
        _truncate(url)
        yield url


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(database_url: str, tmp_path: Path, clock: Clock) -> Iterator[Flask]:
    app = create_app({
        "INSTANCE": str(tmp_path / "instance"),
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "TESTING": True,
        "CLOCK": clock,
        "PUBLIC_URL": "http://kiek.test",
    })
    limiter.reset()
    yield app
    db.engine(app).dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    with db.sessions(app)() as s:
        yield s


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf-token" content="([^"]+)"', html
    )
    assert match, "no CSRF token on the page"
    return match.group(1)


@dataclass
class World:
    """A neighbourhood with an organiser and a live round, made through the game's own use cases."""

    app: Flask
    clock: Clock
    organiser_email: str = "org@example.nl"
    organiser_password: str = "correct horse battery"
    hood_slug: str = ""
    round_id: int = 0
    join_code: str = ""

    def seed(self, boundary: dict[str, Any] = HOOGRAVEN, state: str = "live",
             timezone: str = "Europe/Amsterdam", **rules: Any) -> World:
        now = self.clock()
        with db.sessions(self.app)() as s:
            org = create_organiser(s, self.organiser_email, self.organiser_password, now)
            hood = create_neighbourhood(s, name="Hoograven", boundary=json.dumps(boundary),
                                        now=now, organiser=org, timezone=timezone)
            rnd = create_round(s, hood, RoundSpec("Zomerronde", now - timedelta(minutes=10),
                                                  now + timedelta(hours=3)), now, rules)
            if state in ("live", "paused", "ended"):
                change_state(s, rnd, "start", now)
            if state in ("paused",):
                change_state(s, rnd, "pause", now)
            if state == "ended":
                change_state(s, rnd, "end", now)
            s.commit()
            self.hood_slug, self.round_id, self.join_code = hood.slug, rnd.id, rnd.join_code
        return self

    def join(self, name: str, team: str | None = None) -> tuple[FlaskClient, dict[str, Any]]:
        """A new phone joins through the API; returns its client (with cookie) and the answer."""
        client = self.app.test_client()
        res = client.post("/api/v1/join", json={"join_code": self.join_code,
                                                 "display_name": name, "team": team})
        assert res.status_code == 201, res.get_json()
        body = res.get_json()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {body['token']}"
        return client, body

    def organiser_client(self) -> FlaskClient:
        client = self.app.test_client()
        page = client.get("/organise/login").get_data(as_text=True)
        res = client.post("/organise/login", data={
            "email": self.organiser_email, "password": self.organiser_password,
            "csrf_token": csrf_from(page)})
        assert res.status_code == 302, res.get_data(as_text=True)
        return client


@pytest.fixture
def world(app: Flask, clock: Clock) -> World:
    return World(app, clock).seed()


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: Any) -> None:
    """In CI nothing may be skipped: a skipped browser, PostgreSQL or Redis test is a failure."""
    skipped = terminalreporter.stats.get("skipped", [])
    if IN_CI and skipped:
        terminalreporter.write_line(f"CI: {len(skipped)} tests were skipped; that fails the run.",
                                    red=True)
        terminalreporter._session.exitstatus = 1
