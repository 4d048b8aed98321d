"""Issues 10 and 11: no player can stall photo intake, and a full pool answers 503, not 500.

Through the Flask test client, on SQLite and PostgreSQL (the upload slots and the refusal
count live in the database). What needs gevent and the intake workers (slow bodies, the
queue, job deadlines, dead workers) is in test_intake_live.py.
"""

from __future__ import annotations

import io
import random
import threading
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from koppelkiek import create_app
from koppelkiek.db import db
from koppelkiek.extensions import limiter
from koppelkiek.game.models import Meeting, Photo, UploadSlot
from koppelkiek.realtime import socketio
from tests.helpers import GPS, INSIDE, Clock, World, meet, send

JUNK = b"this is not a picture at all" * 20


def picture(seed: int) -> bytes:
    """A distinct photo without EXIF (sent with the browser's position)."""
    rng = random.Random(seed)
    small = Image.frombytes("RGB", (80, 60), rng.randbytes(80 * 60 * 3))
    out = io.BytesIO()
    small.resize((800, 600), Image.Resampling.BICUBIC).save(out, "JPEG", quality=85)
    return out.getvalue()


def multipart(data: bytes) -> tuple[str, bytes]:
    boundary, body = encode_multipart(MultiDict({"photo": FileStorage(io.BytesIO(data),
                                                                        "photo.jpg")}))
    return f"multipart/form-data; boundary={boundary}", body


class HeldBody(io.RawIOBase):
    """A body that arrives only when the test lets it: an upload kept in flight."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)
        self.reading = threading.Event()
        self.go = threading.Event()

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._data.seek(offset, whence)

    def tell(self) -> int:
        return self._data.tell()

    def readinto(self, buffer: Any) -> int:
        self.reading.set()
        assert self.go.wait(30)
        chunk = self._data.read(len(buffer))
        buffer[:len(chunk)] = chunk
        return len(chunk)


def test_at_most_two_uploads_in_flight_per_player(arezzo: World) -> None:
    a, _ = arezzo.join("Fatma")
    b, _ = arezzo.join("Ömer")
    c, _ = arezzo.join("Jan")
    d, _ = arezzo.join("Ans")
    meetings = [meet(arezzo, partner, b) for partner in (a, c, d)]
    arezzo.clock.advance(minutes=2)
    photos = [(GPS / name).read_bytes() for name in ("DSCN0010.jpg", "DSCN0012.jpg")]
    bodies = []
    answers: list[Any] = [None, None]

    def upload(i: int) -> None:
        content_type, data = multipart(photos[i])
        body = HeldBody(data)
        bodies.append(body)
        answers[i] = b.post(f"/api/v1/meetings/{meetings[i]}/photo", input_stream=body,
                            content_length=len(data), content_type=content_type)

    threads = []
    for i in range(2):
        thread = threading.Thread(target=upload, args=(i,))
        thread.start()
        threads.append(thread)
        while len(bodies) <= i:
            threading.Event().wait(0.01)
        assert bodies[i].reading.wait(5), answers  # its slot is taken: it reads its body
    try:
        third = send(b, meetings[2], picture(1), **INSIDE)
        assert third.status_code == 429
        assert third.get_json()["error"]["code"] == "upload_in_progress"
        assert int(third.headers["Retry-After"]) > 0
        # Another player is not affected.
        other = meet(arezzo, a, c)
        assert send(c, other, picture(2), **INSIDE).status_code == 201
    finally:
        for body in bodies:
            body.go.set()
        for thread in threads:
            thread.join(60)
    assert [answer.status_code for answer in answers] == [201, 201]
    # The slots are free again: the third photo now goes through.
    assert send(b, meetings[2], picture(1), **INSIDE).status_code == 201
    with db.sessions(arezzo.app)() as s:
        assert s.query(UploadSlot).count() == 0


def test_photo_attempts_are_rate_limited_per_player(arezzo: World) -> None:
    arezzo.app.config["PHOTO_RATE_LIMIT"] = "3 per minute"
    a, _ = arezzo.join("Fatma")
    b, _ = arezzo.join("Ömer")
    c, _ = arezzo.join("Jan")
    meeting = meet(arezzo, a, b)
    for _ in range(3):  # refusals count too
        assert send(b, meeting, JUNK).status_code == 415
    limited = send(b, meeting, (GPS / "DSCN0010.jpg").read_bytes())
    assert limited.status_code == 429
    assert limited.get_json()["error"]["code"] == "too_many_photos"
    assert 0 < int(limited.headers["Retry-After"]) <= 60
    # The neighbour has a limit of their own.
    arezzo.clock.advance(minutes=1)
    assert send(c, meet(arezzo, a, c), (GPS / "DSCN0010.jpg").read_bytes()).status_code == 201


def test_a_meeting_closes_after_five_refused_photos(arezzo: World) -> None:
    a, _ = arezzo.join("Fatma")
    b, _ = arezzo.join("Ömer")
    meeting = meet(arezzo, a, b)
    bomb = webp(7745, 7745)
    codes = [send(b, meeting, data).get_json()["error"]["code"]
             for data in (JUNK, bomb, JUNK, bomb, JUNK)]
    assert codes == ["unsupported_type", "image_too_large"] * 2 + ["unsupported_type"]
    arezzo.clock.advance(minutes=1)
    closed = send(b, meeting, (GPS / "DSCN0010.jpg").read_bytes())
    assert closed.status_code == 410
    body = closed.get_json()["error"]
    assert body["code"] == "meeting_closed" and "5" in body["message"]
    # The same two meet again: a new meeting, whose photo counts.
    again = meet(arezzo, a, b)
    assert again != meeting
    assert send(b, again, (GPS / "DSCN0010.jpg").read_bytes()).status_code == 201
    with db.sessions(arezzo.app)() as s:
        assert s.get(Meeting, meeting).photo_refusals == 5  # type: ignore[union-attr]
        assert s.query(Photo).count() == 1


@cache  # a 60 MP picture takes seconds to make
def webp(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (90, 140, 60)).save(out, "WEBP", quality=10)
    return out.getvalue()


@cache
def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (90, 140, 60)).save(out, "PNG")
    return out.getvalue()


def test_webp_and_png_bombs_are_refused_from_their_header(arezzo: World) -> None:
    a, _ = arezzo.join("Fatma")
    b, _ = arezzo.join("Ömer")
    meeting = meet(arezzo, a, b)
    # 60 MP in ~100 KB: under the general pixel cap, over the cap of formats that must be
    # decoded whole; a 4000x4000 (16 MP) one too.
    for data in (webp(7745, 7745), webp(4000, 4000), png(4000, 4000)):
        assert len(data) < 200_000
        res = send(b, meeting, data)
        assert res.status_code == 422 and res.get_json()["error"]["code"] == "image_too_large"


@pytest.fixture
def small_pool(database_url: str, tmp_path: Path, clock: Clock) -> Iterator[Flask]:
    app = create_app({
        "INSTANCE": str(tmp_path / "instance"), "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret", "TESTING": True, "CLOCK": clock,
        "DB_POOL_SIZE": 1, "DB_POOL_OVERFLOW": 0, "DB_POOL_WAIT_SECONDS": 0.2,
    })
    limiter.reset()
    yield app
    db.engine(app).dispose()


def test_an_exhausted_pool_answers_503_busy_not_500(small_pool: Flask, clock: Clock) -> None:
    world = World(small_pool, clock).seed()
    phone: FlaskClient
    phone, _ = world.join("Fatma")
    with db.engine(small_pool).connect():  # the only connection, held elsewhere
        api = phone.get("/api/v1/me")
        assert api.status_code == 503
        assert api.get_json()["error"]["code"] == "busy"
        assert int(api.headers["Retry-After"]) > 0
        page = small_pool.test_client().get(f"/r/{world.join_code}",
                                            headers={"Accept": "text/html"})
        assert page.status_code == 503 and page.mimetype == "text/html"
        assert 'data-code="busy"' in page.get_data(as_text=True)
    assert phone.get("/api/v1/me").status_code == 200


def test_an_exhausted_pool_refuses_a_socket_watch_as_busy(small_pool: Flask, clock: Clock,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    world = World(small_pool, clock).seed()
    screen = socketio.test_client(small_pool)
    screen.get_received()
    with db.engine(small_pool).connect():  # the only connection, held elsewhere
        screen.emit("watch", {"round_id": world.round_id, "since_seq": 0})
        refused = [e["args"][0] for e in screen.get_received() if e["name"] == "refused"]
        assert refused == [{"code": "busy", "retry_after": 2}]
    assert "Traceback" not in caplog.text
    screen.emit("watch", {"round_id": world.round_id, "since_seq": 0})
    assert [e["name"] for e in screen.get_received()] == ["snapshot"]
