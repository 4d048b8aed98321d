"""Photos through the API with real camera files.

The real photos carry 2008 timestamps, so these tests set the injected clock to that
afternoon in Arezzo: the round and the meeting happen in the photos' own past.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from PIL import Image

from koppelkiek.db import db
from koppelkiek.game.models import Photo, PhotoImage, UploadAttempt
from tests.helpers import AREZZO, GPS, INSIDE, PHOTOS, ROME_AFTERNOON, Clock, World, meet, send


def counts(app: Flask) -> tuple[int, int]:
    with db.sessions(app)() as s:
        return s.query(Photo).count(), s.query(PhotoImage).count()


def test_a_real_gps_photo_is_accepted_with_its_facts(arezzo: World) -> None:
    a, _ = arezzo.join("Fatma")
    b, _ = arezzo.join("Ömer")
    meeting = meet(arezzo, a, b)
    arezzo.clock.advance(minutes=2)
    original = (GPS / "DSCN0010.jpg").read_bytes()
    res = send(b, meeting, original)
    assert res.status_code == 201, res.get_json()
    photo = res.get_json()["photo"]
    assert photo["status"] == "accepted"
    assert photo["location_source"] == "exif"
    assert photo["taken_at"] == "2008-10-22T14:28:39+00:00"  # EXIF wall time read in Rome
    with db.sessions(arezzo.app)() as s:
        row = s.get(Photo, photo["id"])
        assert row is not None
        assert abs(row.lat - 43.467448) < 1e-5 and abs(row.lon - 11.885127) < 1e-5  # type: ignore[operator]
        assert row.time_source == "exif" and row.flags == "new_player"
        blobs = [i.data for i in row.images]
        assert original not in blobs and all(original[:2000] not in b for b in blobs)
    stranger, _ = arezzo.join("Jan")
    for url in (photo["thumb_url"], photo["display_url"]):
        for viewer in (a, b):
            got = viewer.get(url)
            assert got.status_code == 200 and got.mimetype == "image/jpeg"
            assert "immutable" in got.headers["Cache-Control"]
            assert got.headers["Cache-Control"].startswith("private")
            etag = got.headers["ETag"]
            assert viewer.get(url, headers={"If-None-Match": etag}).status_code == 304
        image = Image.open(io.BytesIO(a.get(url).data))
        assert "exif" not in image.info and "icc_profile" not in image.info
        assert b"Exif" not in a.get(url).data and b"GPS" not in a.get(url).data
        assert image.width > image.height
        # Others see it only once it is on the public wall.
        assert arezzo.app.test_client().get(url).status_code == 404
        assert stranger.get(url).status_code == 404


def test_a_retry_with_the_same_key_returns_the_first_photo(arezzo: World) -> None:
    a, _ = arezzo.join("Fatma")
    b, _ = arezzo.join("Ömer")
    meeting = meet(arezzo, a, b)
    data = (GPS / "DSCN0012.jpg").read_bytes()
    arezzo.clock.advance(minutes=2)
    first = send(b, meeting, data, key="attempt-1")
    again = send(b, meeting, data, key="attempt-1")
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json()
    other_key = send(b, meeting, data, key="attempt-2")
    assert other_key.status_code == 409
    assert other_key.get_json()["error"]["code"] == "meeting_has_photo"
    with db.sessions(arezzo.app)() as s:
        assert s.query(Photo).count() == 1 and s.query(UploadAttempt).count() == 1


def test_exact_and_near_duplicates_anywhere_in_the_round(arezzo: World) -> None:
    a, _ = arezzo.join("Fatma")
    b, _ = arezzo.join("Ömer")
    c, _ = arezzo.join("Jan")
    data = (GPS / "DSCN0010.jpg").read_bytes()
    arezzo.clock.advance(minutes=1)
    assert send(b, meet(arezzo, a, b), data).status_code == 201
    exact = send(c, meet(arezzo, a, c), data)
    assert exact.status_code == 409 and exact.get_json()["error"]["code"] == "duplicate_photo"
    # Re-saved smaller and at another quality, with its EXIF kept: still the same picture.
    resaved = io.BytesIO()
    source = Image.open(io.BytesIO(data))
    source.resize((560, 420)).save(resaved, "JPEG", quality=60, exif=source.info["exif"])
    d, _ = arezzo.join("Kees")
    near = send(d, meet(arezzo, a, d), resaved.getvalue())
    assert near.status_code == 409 and near.get_json()["error"]["code"] == "duplicate_photo"
    assert counts(arezzo.app) == (1, 2)


def test_browser_location_when_the_photo_has_none(arezzo: World) -> None:
    a, _ = arezzo.join("Fatma")
    b, _ = arezzo.join("Ömer")
    meeting = meet(arezzo, a, b)
    data = (PHOTOS / "jpg" / "xmp" / "no_exif.jpg").read_bytes()
    vague = send(b, meeting, data, **{**INSIDE, "accuracy": "300"})
    assert vague.status_code == 422 and vague.get_json()["error"]["code"] == "no_location"
    none = send(b, meeting, data)
    assert none.get_json()["error"]["code"] == "no_location"
    assert "Sta locatie toe" in none.get_json()["error"]["message"]
    ok = send(b, meeting, data, **INSIDE)
    assert ok.status_code == 201
    photo = ok.get_json()["photo"]
    assert photo["location_source"] == "browser"
    assert photo["taken_at"] == arezzo.clock().isoformat()  # no EXIF time: the upload time
    with db.sessions(arezzo.app)() as s:
        assert "browser_location" in s.get(Photo, photo["id"]).flags  # type: ignore[union-attr]


def test_exif_and_browser_far_apart_is_flagged(arezzo: World) -> None:
    a, _ = arezzo.join("Fatma")
    b, _ = arezzo.join("Ömer")
    meeting = meet(arezzo, a, b)
    arezzo.clock.advance(minutes=2)
    far = {"lat": "43.4550", "lon": "11.8700", "accuracy": "10"}  # ~1.9 km from the EXIF GPS
    res = send(b, meeting, (GPS / "DSCN0010.jpg").read_bytes(), **far)
    assert res.status_code == 201
    with db.sessions(arezzo.app)() as s:
        flags = s.get(Photo, res.get_json()["photo"]["id"]).flags  # type: ignore[union-attr]
        assert "positions_disagree" in flags


REFUSALS: list[tuple[str, Any, dict[str, str], int, str]] = [
    ("outside the boundary (Madrid)", PHOTOS / "jpg/hdr/iphone_hdr_NO.jpg", {}, 422,
     "outside_neighbourhood"),
    ("no location", PHOTOS / "jpg/mobile/jolla.jpg", {}, 422, "no_location"),
    ("taken later than now", GPS / "DSCN0042.jpg", {}, 422, "photo_not_from_meeting"),
    ("taken in 2014", PHOTOS / "jpg/mobile/jolla.jpg", INSIDE, 422, "photo_not_from_meeting"),
    ("too small", PHOTOS / "jpg/Canon_40D.jpg", INSIDE, 422, "image_too_small"),
    ("text named .jpg", b"hello, this is not a photo\n" * 20, {}, 415, "unsupported_type"),
    ("svg", b'<svg xmlns="http://www.w3.org/2000/svg" width="900" height="900"/>', {}, 415,
     "unsupported_type"),
    ("zero bytes", b"", {}, 415, "unsupported_type"),
    ("gif", b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00"
     b"\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;", {}, 415,
     "unsupported_type"),
    ("truncated", "truncate", INSIDE, 422, "image_broken"),
    ("decompression bomb", "bomb", INSIDE, 422, "image_too_large"),
]


def _bytes(spec: Any) -> bytes:
    if isinstance(spec, Path):
        return spec.read_bytes()
    if spec == "truncate":
        return (GPS / "DSCN0021.jpg").read_bytes()[:30_000]
    if spec == "bomb":
        out = io.BytesIO()
        Image.new("1", (12_000, 12_000)).save(out, "PNG")  # 144 MP in a few KB
        return out.getvalue()
    assert isinstance(spec, bytes)
    return spec


@pytest.mark.parametrize("case", REFUSALS, ids=[r[0] for r in REFUSALS])
def test_refusals_leave_nothing_behind(arezzo: World, case: Any) -> None:
    _label, spec, fields, status, code = case
    a, _ = arezzo.join("Fatma")
    b, _ = arezzo.join("Ömer")
    meeting = meet(arezzo, a, b)
    arezzo.clock.advance(minutes=2)
    res = send(b, meeting, _bytes(spec), **fields)
    assert res.status_code == status, res.get_json()
    assert res.get_json()["error"]["code"] == code
    assert res.get_json()["error"]["message"]
    assert counts(arezzo.app) == (0, 0)


def test_meeting_rules_for_photos(arezzo: World) -> None:
    a, _ = arezzo.join("Fatma")
    b, _ = arezzo.join("Ömer")
    c, _ = arezzo.join("Jan")
    meeting = meet(arezzo, a, b)
    data = (GPS / "DSCN0010.jpg").read_bytes()
    outsider = send(c, meeting, data)
    assert outsider.status_code == 403
    assert outsider.get_json()["error"]["code"] == "not_your_meeting"
    missing = b.post(f"/api/v1/meetings/{meeting}/photo", data={},
                     content_type="multipart/form-data")
    assert missing.status_code == 422 and missing.get_json()["error"]["code"] == "photo_missing"
    assert send(b, 99999, data).status_code == 404
    arezzo.clock.advance(minutes=16)
    late = send(a, meeting, data)
    assert late.status_code == 410 and late.get_json()["error"]["code"] == "meeting_expired"


def test_oversized_upload_is_refused_before_reading(arezzo: World) -> None:
    a, _ = arezzo.join("Fatma")
    b, _ = arezzo.join("Ömer")
    meeting = meet(arezzo, a, b)
    arezzo.app.config["MAX_CONTENT_LENGTH"] = 50_000
    res = send(b, meeting, (GPS / "DSCN0010.jpg").read_bytes() * 3)
    assert res.status_code == 413
    assert res.get_json()["error"]["code"] == "photo_too_large"


def test_pre_moderation_holds_the_photo(app: Flask, clock: Clock) -> None:
    clock.now = ROME_AFTERNOON
    world = World(app, clock).seed(boundary=AREZZO, timezone="Europe/Rome",
                                   moderation_mode="pre")
    a, _ = world.join("Fatma")
    b, _ = world.join("Ömer")
    meeting = meet(world, a, b)
    clock.advance(minutes=1)
    res = send(b, meeting, (GPS / "DSCN0010.jpg").read_bytes())
    assert res.status_code == 201 and res.get_json()["photo"]["status"] == "pending_review"


def test_iphone_heic_is_accepted_without_gps(app: Flask, clock: Clock) -> None:
    clock.now = datetime(2022, 2, 16, 11, 50, tzinfo=UTC)  # the photo: 12:55:41+01:00
    world = World(app, clock).seed(boundary=AREZZO, timezone="Europe/Rome")
    a, _ = world.join("Fatma")
    b, _ = world.join("Ömer")
    meeting = meet(world, a, b)
    clock.advance(minutes=7)
    data = (PHOTOS / "heic" / "mobile" / "iphone_13_pro_max.HEIC").read_bytes()
    res = send(b, meeting, data, name="IMG_0001.HEIC", **INSIDE)
    assert res.status_code == 201, res.get_json()
    photo = res.get_json()["photo"]
    assert photo["location_source"] == "browser"
    assert photo["taken_at"] == "2022-02-16T11:55:41+00:00"
    display = Image.open(io.BytesIO(a.get(photo["display_url"]).data))
    assert display.format == "JPEG" and display.height > display.width  # upright portrait
    assert max(display.size) <= 1600


def test_socket_notice_for_an_accepted_photo(arezzo: World) -> None:
    from koppelkiek.realtime import socketio

    a, body_a = arezzo.join("Fatma")
    b, _ = arezzo.join("Ömer")
    meeting = meet(arezzo, a, b)
    sock = socketio.test_client(arezzo.app, auth={"token": body_a["token"]})
    sock.get_received()
    arezzo.clock.advance(minutes=1)
    res = send(b, meeting, (GPS / "DSCN0010.jpg").read_bytes())
    notices = [e["args"][0] for e in sock.get_received() if e["name"] == "notice"]
    photo_id = res.get_json()["photo"]["id"]
    assert [n["kind"] for n in notices] == ["photo", "points", "consent"]
    assert notices[0] == {"kind": "photo", "photo_id": photo_id, "meeting_id": meeting,
                          "status": "accepted"}
    # First meeting 10, plus the welcome for meeting a newcomer: 12 for Fatma.
    assert notices[1]["points"] == 12
    assert {b["reason"] for b in notices[1]["breakdown"]} == {"first_meeting", "welcome"}
    assert notices[2]["kind"] == "consent" and notices[2]["photo_id"] == photo_id
    assert a.get(f"/photos/{notices[2]['image']}.jpg").status_code == 200


def test_the_same_picture_may_be_played_in_another_round(app: Flask, clock: Clock) -> None:
    clock.now = ROME_AFTERNOON
    first = World(app, clock).seed(boundary=AREZZO, timezone="Europe/Rome")
    second = World(app, clock, organiser_email="b@example.nl").seed(boundary=AREZZO,
                                                                    timezone="Europe/Rome")
    data = (GPS / "DSCN0010.jpg").read_bytes()
    answers = []
    for world in (first, second):
        a, _ = world.join("Fatma")
        b, _ = world.join("Ömer")
        res = send(b, meet(world, a, b), data)
        assert res.status_code == 201, res.get_json()
        answers.append((b, res.get_json()["photo"]))
    # Same bytes, same URL; each round's players can see it.
    assert answers[0][1]["display_url"] == answers[1][1]["display_url"]
    for client, photo in answers:
        assert client.get(photo["display_url"]).status_code == 200


def test_a_refusal_comes_before_the_body_is_read_and_nul_in_a_field_is_no_500(
        arezzo: World) -> None:
    a, _ = arezzo.join("Fatma")
    b, _ = arezzo.join("Ömer")
    c, _ = arezzo.join("Sanne")
    meeting = meet(arezzo, a, b)
    # The upload view reads its own body after its checks (@reads_own_body) ...
    outsider = send(c, meeting, (GPS / "DSCN0010.jpg").read_bytes())
    assert outsider.status_code == 403
    assert outsider.get_json()["error"]["code"] == "not_your_meeting"
    # ... so the NUL check at the door does not see its fields: a NUL there is no position.
    nul = send(b, meeting, (PHOTOS / "jpg/mobile/jolla.jpg").read_bytes(),
               lat="43.4670\x00", lon="11.8850", accuracy="10")
    assert nul.status_code == 422 and nul.get_json()["error"]["code"] == "no_location"
    assert counts(arezzo.app) == (0, 0)
