"""Issue 5, scale past one process: two `koppelkiek serve` processes share one round.

Both processes use one PostgreSQL database (a fresh `<name>_two` database next to the test
database, so the truncating fixtures of other tests never touch it) and one Redis as the
Socket.IO message queue and the rate-limit storage. A screen watches the round on process 2;
two players join, meet and upload a photo through process 1; the screen must receive the
`standings` delta with the new seq and the points.

Without Redis or PostgreSQL the test is skipped locally and fails in CI (`need()`).
"""

from __future__ import annotations

import json
import os
import queue
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
import requests
import socketio
from sqlalchemy.engine import make_url

from tests.conftest import HOOGRAVEN, PHOTOS, ROOT, need
from tests.live_server import wait_healthy

pytestmark = [pytest.mark.redis, pytest.mark.postgres]

REDIS_URL = os.environ.get("KOPPELKIEK_TEST_REDIS_URL")
PG_URL = os.environ.get("KOPPELKIEK_TEST_DATABASE_URL")
PORTS = range(8900, 9000)  # clear of tests/live_server.py (8765..8865)
SPOT = {"lat": 52.0760, "lon": 5.1240, "accuracy": 10}  # inside HOOGRAVEN
NO_EXIF = PHOTOS / "jpg" / "xmp" / "no_exif.jpg"  # no EXIF time: the upload time counts
WAIT = 60.0  # a safety net against a hang, not a measurement


def _free_ports(count: int) -> list[int]:
    found: list[int] = []
    for port in PORTS:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        found.append(port)
        if len(found) == count:
            return found
    raise RuntimeError(f"no {count} free ports in {PORTS.start}..{PORTS.stop - 1}")


def _fresh_database(url: str) -> str:
    """Create (or re-create) `<db>_two` on the same server; returns its SQLAlchemy URL."""
    base = make_url(url)
    name = f"{base.database or 'koppelkiek'}_two"
    admin = base.set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return base.set(database=name).render_as_string(hide_password=False)


def _drop_database(url: str) -> None:
    target = make_url(url)
    admin = target.set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')


@dataclass
class Cluster:
    env: dict[str, str]
    urls: list[str]
    folder: Path

    def cli(self, *args: str, stdin: str | None = None) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "koppelkiek.cli", *args], env=self.env, cwd=ROOT,
            input=stdin, capture_output=True, text=True, timeout=120, check=False,
        )
        assert done.returncode == 0, f"koppelkiek {' '.join(args)} failed:\n{done.stderr}"
        return done.stdout

    def cli_json(self, *args: str, stdin: str | None = None) -> dict[str, Any]:
        return json.loads(self.cli(*args, "--json", stdin=stdin).strip().splitlines()[-1])

    def seq_of(self, round_id: int, kind: str) -> int:
        """The seq the database handed out for the round's (only) event of this kind."""
        url = make_url(self.env["KOPPELKIEK_DATABASE_URL"]).set(drivername="postgresql")
        with psycopg.connect(url.render_as_string(hide_password=False)) as conn:
            rows = conn.execute("SELECT seq FROM round_events WHERE round_id = %s AND kind = %s",
                                (round_id, kind)).fetchall()
        assert len(rows) == 1, rows
        return int(rows[0][0])

    def live_round(self) -> dict[str, Any]:
        self.cli_json("organiser", "create", "--email", "two@koppelkiek.test",
                      "--password-stdin", stdin="seed password 123\n")
        boundary = self.folder / "boundary.geojson"
        boundary.write_text(json.dumps(HOOGRAVEN))
        hood = self.cli_json("neighbourhood", "create", "--name", "Hoograven twee",
                             "--boundary", str(boundary), "--organiser", "two@koppelkiek.test")
        now = datetime.now().astimezone()
        rnd = self.cli_json("round", "create", "--neighbourhood", hood["slug"], "--name",
                            "Twee processen", "--starts",
                            (now - timedelta(minutes=10)).isoformat(), "--ends",
                            (now + timedelta(hours=3)).isoformat())
        self.cli("round", "start", str(rnd["id"]))
        return rnd


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    need(bool(REDIS_URL), "KOPPELKIEK_TEST_REDIS_URL is not set (no Redis)")
    need(bool(PG_URL), "KOPPELKIEK_TEST_DATABASE_URL is not set (no PostgreSQL)")
    assert REDIS_URL and PG_URL
    database_url = _fresh_database(PG_URL)
    instance = tmp_path / "instance"  # shared: both processes use the same secret key
    env = {k: v for k, v in os.environ.items() if not k.startswith("KOPPELKIEK_")}
    env |= {"KOPPELKIEK_INSTANCE": str(instance), "KOPPELKIEK_DATABASE_URL": database_url,
            "KOPPELKIEK_MESSAGE_QUEUE": REDIS_URL,
            "KOPPELKIEK_RATELIMIT_STORAGE_URI": REDIS_URL, "PYTHONUNBUFFERED": "1"}
    ports = _free_ports(2)
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    env["KOPPELKIEK_PUBLIC_URL"] = urls[0]
    found = Cluster(env=env, urls=urls, folder=tmp_path)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        found.cli("init")
        for number, (port, url) in enumerate(zip(ports, urls, strict=True), start=1):
            log = tmp_path / f"server{number}.log"
            with log.open("wb") as out:
                procs.append(subprocess.Popen(
                    [sys.executable, "-m", "koppelkiek.cli", "serve", "--host", "127.0.0.1",
                     "--port", str(port)],
                    env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT))
            wait_healthy(url, procs[-1], log)
        yield found
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        _drop_database(database_url)


def _join(http: requests.Session, url: str, join_code: str, name: str) -> dict[str, Any]:
    res = http.post(f"{url}/api/v1/join", json={"join_code": join_code, "display_name": name})
    assert res.status_code == 201, res.text
    return res.json()


def _bearer(joined: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {joined['token']}"}


def _next(received: queue.Queue[tuple[str, Any]], event: str,
          until: float) -> dict[str, Any]:
    """The next message called `event` (others are skipped), waiting at most until `until`."""
    while True:
        left = until - time.monotonic()
        assert left > 0, f"no {event!r} message arrived"
        try:
            name, data = received.get(timeout=left)
        except queue.Empty:
            continue
        if name == event:
            return data


def test_a_screen_on_process_two_sees_a_photo_uploaded_through_process_one(
        cluster: Cluster) -> None:
    one, two = cluster.urls
    rnd = cluster.live_round()

    received: queue.Queue[tuple[str, Any]] = queue.Queue()
    screen = socketio.Client(reconnection=False)
    for name in ("snapshot", "standings", "photo", "round", "refused"):
        screen.on(name, lambda data, name=name: received.put((name, data)))
    screen.connect(two, transports=["websocket"], wait_timeout=20)
    try:
        screen.emit("watch", {"round_id": rnd["id"], "since_seq": 0})
        snapshot = _next(received, "snapshot", time.monotonic() + WAIT)
        assert snapshot["round"]["state"] == "live"
        assert snapshot["standings"] == []

        http = requests.Session()
        fatma = _join(http, one, rnd["join_code"], "Fatma")
        omer = _join(http, one, rnd["join_code"], "Ömer")
        res = http.post(f"{one}/api/v1/pairing-codes", json=SPOT, headers=_bearer(fatma))
        assert res.status_code == 201, res.text
        res = http.post(f"{one}/api/v1/meetings", json={"code": res.json()["code"], **SPOT},
                        headers=_bearer(omer))
        assert res.status_code == 201, res.text
        meeting_id = res.json()["meeting"]["id"]
        with NO_EXIF.open("rb") as photo:
            res = http.post(f"{one}/api/v1/meetings/{meeting_id}/photo",
                            headers=_bearer(omer),
                            files={"photo": ("kiek.jpg", photo, "image/jpeg")},
                            data={key: str(value) for key, value in SPOT.items()})
        assert res.status_code == 201, res.text
        assert res.json()["photo"]["status"] == "accepted"
        board = http.get(f"{one}/api/v1/rounds/{rnd['id']}/standings").json()
        scored_seq = cluster.seq_of(rnd["id"], "photo_scored")

        # Joins move the standings too; the photo's delta is the one at its own seq.
        until = time.monotonic() + WAIT
        seqs = []
        while not seqs or seqs[-1] < scored_seq:
            seqs.append((delta := _next(received, "standings", until))["seq"])
    finally:
        screen.disconnect()

    assert seqs == sorted(set(seqs)) and seqs[0] > snapshot["seq"], seqs
    assert delta["seq"] == scored_seq <= board["seq"]
    points = {row["player_id"]: row["points"] for row in delta["changed"]}
    assert points == {fatma["player"]["id"]: 12, omer["player"]["id"]: 12}  # first 10 + welcome 2
    assert [row["points"] for row in delta["top"]] == [12, 12]
    assert delta["teams"] == []
    assert delta["scored"]["points"] == 12
    assert sorted(delta["scored"]["names"]) == ["Fatma", "Ömer"]
