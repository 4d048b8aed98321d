"""Fixtures that several web test modules use."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from tests.helpers import AREZZO, ROME_AFTERNOON, Clock, World, need
from tests.live_server import Cluster, two_processes


@pytest.fixture
def arezzo(app: Flask, clock: Clock) -> World:
    """A live round around the real GPS photos near Arezzo, at the time they were taken."""
    clock.now = ROME_AFTERNOON
    return World(app, clock).seed(boundary=AREZZO, timezone="Europe/Rome")


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    """Two `koppelkiek serve` processes on one PostgreSQL database and one Redis."""
    redis_url = os.environ.get("KOPPELKIEK_TEST_REDIS_URL")
    database_url = os.environ.get("KOPPELKIEK_TEST_DATABASE_URL")
    need(bool(redis_url), "KOPPELKIEK_TEST_REDIS_URL is not set (no Redis)")
    need(bool(database_url), "KOPPELKIEK_TEST_DATABASE_URL is not set (no PostgreSQL)")
    assert redis_url and database_url
    with two_processes(tmp_path, database_url, redis_url) as found:
        yield found
