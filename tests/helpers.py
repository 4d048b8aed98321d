"""What several test modules share: places, the clock, a seeded world, photos and the steps
players take through the test client. Fixtures stay in the conftest files; the real server in
a subprocess is tests/live_server.py (which also holds ROOT and HOOGRAVEN, as the benchmarks
import it without the app).

Licence of the real photos: CC BY-SA 4.0 / Wikimedia Commons (see tests/data/photos/README.md).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import queue
import random
import re
import struct
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from koppelkiek.db import db
from koppelkiek.game.neighbourhoods import create_neighbourhood
from koppelkiek.game.organisers import create_organiser
from koppelkiek.game.rounds import RoundSpec, change_state, create_round
from koppelkiek.game.standings import set_leaderboard
from koppelkiek.uploads import DerivedImages, Intake, PhotoFacts
from tests.live_server import HOOGRAVEN, ROOT

PHOTOS = ROOT / "tests" / "data" / "photos"
IN_CI = os.environ.get("CI", "").lower() == "true"


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


# A boundary around the real GPS photos near Arezzo (HOOGRAVEN: tests/live_server.py).
AREZZO = {
    "type": "Polygon",
    "coordinates": [[[11.86, 43.45], [11.90, 43.45], [11.90, 43.48], [11.86, 43.48],
                     [11.86, 43.45]]],
}


# Where players stand and when: Hoograven (NEAR_A, NEAR_B) and Arezzo's camera photos.
NEAR_A = {"lat": 52.07600, "lon": 5.12400, "accuracy": 10}
NEAR_B = {"lat": 52.07605, "lon": 5.12405, "accuracy": 10}
INSIDE = {"lat": "43.4670", "lon": "11.8850", "accuracy": "10"}
ROME_AFTERNOON = datetime(2008, 10, 22, 14, 28, tzinfo=UTC)  # 16:28 in Arezzo


# The real photos (tests/data/photos).
GPS = PHOTOS / "jpg" / "gps"
NO_EXIF = PHOTOS / "jpg" / "xmp" / "no_exif.jpg"  # no EXIF time: the upload time counts
GPS_PHOTO = PHOTOS / "jpg" / "gps" / "DSCN0010.jpg"


def real_photos() -> list[Path]:
    return sorted(p for p in PHOTOS.rglob("*") if p.is_file() and p.name != "README.md")


def rel(path: Path) -> str:
    return path.relative_to(PHOTOS).as_posix()


def noisy_image(size: tuple[int, int], mode: str = "RGB", seed: int = 1) -> Image.Image:
    """A gradient with noise: compresses like a photo, not like a flat test card."""
    width, height = size
    gradient = Image.linear_gradient("L").resize(size)
    noise = Image.effect_noise(size, 40).point(lambda v: v // 2)
    red = Image.blend(gradient, noise, 0.3)
    green = gradient.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    blue = Image.radial_gradient("L").resize(size)
    image = Image.merge("RGB", (red, green, blue))
    rng = random.Random(seed)
    for _ in range(8):  # a few blocks so near-duplicate checks have structure to see
        x, y = rng.randrange(width), rng.randrange(height)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        image.paste(colour, (x, y, min(width, x + width // 5), min(height, y + height // 5)))
    return image.convert(mode) if mode != "RGB" else image


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def fake_intake(n: int) -> Intake:
    digest = hashlib.sha256(f"photo {n}".encode()).digest()
    facts = PhotoFacts(kind="jpeg", width=800, height=600, taken_at=None, exif_position=None,
                       sha256=digest.hex(), dhash=int.from_bytes(digest[:8], "big"))
    return Intake(facts, DerivedImages(b"display-%d" % n, b"thumb-%d" % n, (800, 600),
                                       (400, 300)))


def with_app1(data: bytes, payload: bytes) -> bytes:
    """Insert an APP1 segment right after SOI (before the camera's own EXIF)."""
    segment = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    return data[:2] + segment + data[2:]


# A 60 kB APP1 of noise (fixed seed), as a hostile phone or camera might write.
_rng = random.Random(60)
GARBAGE = bytes(_rng.randrange(256) for _ in range(60_000))


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
            board_mode = rules.pop("leaderboard", None)
            rnd = create_round(s, hood, RoundSpec("Zomerronde", now - timedelta(minutes=10),
                                                  now + timedelta(hours=3)), now, rules)
            if board_mode:  # only this path keeps a frozen board
                set_leaderboard(s, rnd, board_mode, now)
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


def meet(world: World, a: FlaskClient, b: FlaskClient) -> int:
    code = a.post("/api/v1/pairing-codes", json=INSIDE).get_json()["code"]
    res = b.post("/api/v1/meetings", json={"code": code, **INSIDE})
    assert res.status_code in (200, 201), res.get_json()
    return int(res.get_json()["meeting"]["id"])


def send(client: FlaskClient, meeting_id: int, data: bytes, name: str = "photo.jpg",
         key: str | None = None, **fields: str) -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    # Encoded in memory: the test client's own encoder leaves a temporary file open.
    boundary, body = encode_multipart(
        MultiDict({"photo": FileStorage(io.BytesIO(data), name), **fields}))
    return client.post(f"/api/v1/meetings/{meeting_id}/photo", headers=headers, data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def arezzo_world(app, clock, **rules: Any) -> World:  # type: ignore[no-untyped-def]
    clock.now = ROME_AFTERNOON
    return World(app, clock).seed(boundary=AREZZO, timezone="Europe/Rome", **rules)


def scored_photo(world: World, a: FlaskClient, b: FlaskClient, name: str) -> dict[str, Any]:
    meeting = meet(world, a, b)
    world.clock.advance(seconds=30)
    res = send(b, meeting, (GPS / name).read_bytes())
    assert res.status_code == 201, res.get_json()
    return res.get_json()["photo"]


def received(sock: Any, name: str) -> list[dict[str, Any]]:
    return [e["args"][0] for e in sock.get_received() if e["name"] == name]


def console_post(org: FlaskClient, url: str, page: str, **data: Any) -> Any:
    token = csrf_from(org.get(page).get_data(as_text=True))
    return org.post(url, data={**data, "csrf_token": token})


def code_for(client: FlaskClient, **position: Any) -> dict[str, Any]:
    """A code, issued with a position (NEAR_A unless given; `lat=None` for none)."""
    position = {k: v for k, v in {**NEAR_A, **position}.items() if v is not None}
    res = client.post("/api/v1/pairing-codes", json=position)
    assert res.status_code == 201, res.get_json()
    return res.get_json()


def claim(client: FlaskClient, code: str, **position: Any) -> Any:
    """Claim with a position (NEAR_B unless given; `lat=None` for none)."""
    position = {k: v for k, v in {**NEAR_B, **position}.items() if v is not None}
    return client.post("/api/v1/meetings", json={"code": code, **position})


def next_message(received: queue.Queue[tuple[str, Any]], event: str,
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
