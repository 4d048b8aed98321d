"""Issue 5, scale past one process: two `koppelkiek serve` processes share one round.

Both processes use one PostgreSQL database (a fresh `<name>_two` database next to the test
database, so the truncating fixtures of other tests never touch it) and one Redis as the
Socket.IO message queue and the rate-limit storage. A screen watches the round on process 2;
two players join, meet and upload a photo through process 1; the screen must receive the
`standings` delta with the new seq and the points.

Without Redis or PostgreSQL the test is skipped locally and fails in CI (`need()`).
"""

from __future__ import annotations

import os
import queue
import time
from typing import Any

import pytest
import requests
import socketio

from tests.helpers import NO_EXIF, next_message
from tests.live_server import SPOT, Cluster

pytestmark = [pytest.mark.redis, pytest.mark.postgres]

REDIS_URL = os.environ.get("KOPPELKIEK_TEST_REDIS_URL")
PG_URL = os.environ.get("KOPPELKIEK_TEST_DATABASE_URL")
WAIT = 60.0  # a safety net against a hang, not a measurement


def _join(http: requests.Session, url: str, join_code: str, name: str) -> dict[str, Any]:
    res = http.post(f"{url}/api/v1/join", json={"join_code": join_code, "display_name": name})
    assert res.status_code == 201, res.text
    return res.json()


def _bearer(joined: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {joined['token']}"}


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
        snapshot = next_message(received, "snapshot", time.monotonic() + WAIT)
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
            seqs.append((delta := next_message(received, "standings", until))["seq"])
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
