"""Issue 4, concurrency: socket messages keep flowing while a burst of uploads is processed.

The real server runs in a subprocess exactly as `koppelkiek serve` starts it (gevent, SQLite in a
temporary instance folder), so image work goes to gevent's native thread pool. A Socket.IO
client (websocket transport) does `watch` -> `snapshot` round trips over and over while eight
players upload a 12 MP photo each at the same moment.

No timing thresholds: the project forbids timed assertions. The test only compares the order
of events on one clock (time.monotonic in this process): how many socket round trips finished
while the uploads were in flight, and that round trips finished between upload answers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio

from tests.live_server import Server, join, live_server, meet, phone_photo

pytestmark = pytest.mark.slow

UPLOADS = 8
# Round trips that must finish while the burst is in flight. If image work ran on the event
# loop, at most about one round trip could slip in per photo processed, so this asks for more
# than one per upload. Measured on 2 cores: image work inline on the loop 2; on gevent's default
# pool of 10 threads (a GIL-starved loop) 4..14; on the darkroom's own pool of 2 threads 21..68
# (21 with the machine at load 6). An idle round trip takes about 3 ms.
MIN_ROUND_TRIPS = UPLOADS + 1


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with live_server(tmp_path_factory.mktemp("event-loop-instance")) as srv:
        yield srv


class RoundTrips:
    """`watch` -> `snapshot`, again and again, on a websocket; notes when each reply arrives."""

    def __init__(self, url: str, round_id: int, token: str) -> None:
        self.round_id = round_id
        self.replies: list[float] = []
        self.snapshots: list[dict[str, Any]] = []
        self.refused: list[Any] = []
        self._got = threading.Event()
        self._stop = threading.Event()
        self._sio = socketio.Client(reconnection=False)
        self._sio.on("snapshot", self._on_snapshot)
        self._sio.on("refused", self.refused.append)
        self._sio.connect(url, transports=["websocket"], auth={"token": token}, wait_timeout=10)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.error: BaseException | None = None

    def _on_snapshot(self, data: dict[str, Any]) -> None:
        self.snapshots.append(data)
        self._got.set()

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                self._got.clear()
                self._sio.emit("watch", {"round_id": self.round_id, "since_seq": 0})
                # A safety net against a hang, not a measurement.
                assert self._got.wait(60), "no snapshot came back"
                self.replies.append(time.monotonic())
        except BaseException as exc:  # reported by stop()
            self.error = exc

    def start(self) -> None:
        self._thread.start()
        while not self.replies and self.error is None:  # the loop is up and running
            time.sleep(0.01)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(60)
        self._sio.disconnect()  # the sync client may take a few seconds here
        assert self.error is None, self.error
        assert not self.refused, self.refused


def test_socket_round_trips_keep_flowing_during_a_burst_of_uploads(
    server: Server, tmp_path: Path,
) -> None:
    rnd = server.live_round("Hoograven", tmp_path)
    url = server.url
    with requests.Session() as http:
        host = join(http, url, rnd["join_code"], "Fatma")
        guests = [join(http, url, rnd["join_code"], f"Buur {n}") for n in range(UPLOADS)]
        meetings = [meet(http, url, host, guest) for guest in guests]
    photos = [phone_photo(seed) for seed in range(UPLOADS)]
    assert all(len(p) > 2_000_000 for p in photos)

    token = host["Authorization"].removeprefix("Bearer ")
    trips = RoundTrips(url, rnd["id"], token)
    trips.start()

    starts: list[float] = [0.0] * UPLOADS
    finishes: list[float] = [0.0] * UPLOADS
    answers: list[tuple[int, dict[str, Any]]] = [(0, {})] * UPLOADS
    ready = threading.Barrier(UPLOADS)

    def upload(i: int) -> None:
        with requests.Session() as http:
            ready.wait()
            starts[i] = time.monotonic()
            while True:
                res = http.post(
                    f"{url}/api/v1/meetings/{meetings[i]}/photo", headers=guests[i] | {
                        "Idempotency-Key": f"burst-{i}"},
                    files={"photo": (f"burst-{i}.jpg", photos[i], "image/jpeg")},
                )
                if res.status_code != 503:
                    break
                # 503 busy: no worker within a few seconds (a loaded machine); as the phone
                # does, the same attempt again after Retry-After.
                time.sleep(float(res.headers["Retry-After"]))
            finishes[i] = time.monotonic()
            answers[i] = (res.status_code, res.json())

    threads = [threading.Thread(target=upload, args=(i,)) for i in range(UPLOADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    trips.stop()

    assert [status for status, _ in answers] == [201] * UPLOADS, answers
    assert {body["photo"]["status"] for _, body in answers} == {"accepted"}
    assert {body["photo"]["location_source"] for _, body in answers} == {"exif"}
    assert all(s["round"]["id"] == rnd["id"] for s in trips.snapshots)

    first_start, last_finish = min(starts), max(finishes)
    first_finish = min(finishes)
    during = [t for t in trips.replies if first_start < t < last_finish]
    between_answers = [t for t in trips.replies if first_finish < t < last_finish]
    assert len(during) >= MIN_ROUND_TRIPS, (
        f"only {len(during)} socket round trips finished while {UPLOADS} uploads were in flight"
    )
    # ...and not only before the first answer: they kept coming while answers went out.
    assert between_answers, "no socket round trip finished between the first and last answer"
