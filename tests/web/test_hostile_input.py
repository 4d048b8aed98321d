"""Hostile and unlucky traffic (issue 11): no 500 for any input, through HTTP and Socket.IO."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from koppelkiek.db import db
from koppelkiek.game.models import PairingCode, Photo
from koppelkiek.realtime import socketio
from tests.helpers import (
    GPS,
    Clock,
    World,
    arezzo_world,
    console_post,
    csrf_from,
    meet,
    scored_photo,
    send,
)

HUGE = "99999999999999999999"  # > 2**64
OVER = str(1 << 63)  # one past the largest signed 64-bit id


def post_file(client: FlaskClient, url: str, page: str, field: str, data: bytes,
              **fields: str) -> Any:
    """A form with a file, encoded in memory: the test client's own encoder leaves a
    temporary file open for large bodies."""
    token = csrf_from(client.get(page).get_data(as_text=True))
    boundary, body = encode_multipart(MultiDict({
        **fields, "csrf_token": token, field: FileStorage(io.BytesIO(data), "f.geojson")}))
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def upload(org: FlaskClient, name: str, boundary: bytes | dict[str, Any]) -> Any:
    data = boundary if isinstance(boundary, bytes) else json.dumps(boundary).encode()
    new = "/organise/neighbourhoods/new"
    return post_file(org, new, new, "boundary", data, name=name, timezone="Europe/Amsterdam")


def refused(res: Any, status: int, code: str) -> None:
    assert res.status_code == status, (res.status_code, res.get_data(as_text=True)[:300])
    assert res.get_json()["error"]["code"] == code


# --- photos that were removed ------------------------------------------------------------

@pytest.fixture
def erased_photo(app: Flask, clock: Clock) -> tuple[World, FlaskClient, dict[str, Any], str]:
    """Ömer sent a photo (with an idempotency key) of his meeting with Fatma; she erased her
    data, so the photo's images are gone."""
    world = arezzo_world(app, clock)
    fatma, _ = world.join("Fatma")
    omer, _ = world.join("Ömer")
    meeting = meet(world, fatma, omer)
    clock.advance(seconds=30)
    res = send(omer, meeting, (GPS / "DSCN0010.jpg").read_bytes(), key="try-1")
    assert res.status_code == 201, res.get_json()
    assert fatma.delete("/api/v1/me").status_code == 200
    return world, omer, {**res.get_json()["photo"], "meeting_id": meeting}, "try-1"


def test_meeting_page_says_the_photo_was_removed(erased_photo: Any) -> None:
    _world, omer, photo, _key = erased_photo
    res = omer.get(f"/meetings/{photo['meeting_id']}")
    assert res.status_code == 200
    assert 'data-code="photo_removed"' in res.get_data(as_text=True)


def test_consent_on_a_removed_photo_is_refused_and_not_saved(erased_photo: Any) -> None:
    world, omer, photo, _key = erased_photo
    refused(omer.post(f"/api/v1/photos/{photo['id']}/consent", json={"show": True}), 410,
            "photo_removed")
    with db.sessions(world.app)() as s:
        row = s.get(Photo, photo["id"])
        assert row is not None and row.consent_b is None


def test_an_idempotent_retry_says_the_photo_was_removed(erased_photo: Any) -> None:
    _world, omer, photo, key = erased_photo
    res = send(omer, photo["meeting_id"], (GPS / "DSCN0010.jpg").read_bytes(), key=key)
    refused(res, 410, "photo_removed")


def test_purged_round_photo_on_the_meeting_page_and_consent(app: Flask, clock: Clock) -> None:
    world = arezzo_world(app, clock)
    fatma, _ = world.join("Fatma")
    omer, _ = world.join("Ömer")
    photo = scored_photo(world, fatma, omer, "DSCN0010.jpg")
    org = world.organiser_client()
    page = f"/organise/rounds/{world.round_id}"
    console_post(org, f"{page}/state", page, action="end")
    assert console_post(org, f"{page}/purge", page).status_code == 302
    refused(fatma.post(f"/api/v1/photos/{photo['id']}/consent", json={"show": False}), 410,
            "photo_removed")
    meetings = fatma.get("/play")
    assert meetings.status_code == 200


# --- ids and tokens beyond 64 bits --------------------------------------------------------

@pytest.mark.parametrize("big", [HUGE, OVER])
def test_ids_beyond_64_bits_are_not_found_in_every_route(world: World, big: str) -> None:
    phone, _ = world.join("Fatma")
    org = world.organiser_client()
    for client, method, path in [
        (phone, "GET", f"/api/v1/rounds/{big}/standings"),
        (phone, "GET", f"/api/v1/rounds/{big}/photos"),
        (phone, "GET", f"/meetings/{big}"),
        (phone, "GET", f"/screen/{big}"),
        (phone, "POST", f"/api/v1/photos/{big}/consent"),
        (phone, "POST", f"/api/v1/meetings/{big}/photo"),
        (org, "GET", f"/organise/rounds/{big}"),
    ]:
        res = client.open(path, method=method, json={"show": True})
        assert res.status_code == 404, (path, res.status_code)


def test_a_token_beyond_64_bits_is_not_joined(world: World) -> None:
    bearer = world.app.test_client()
    refused(bearer.get("/api/v1/me", headers={"Authorization": f"Bearer {HUGE}.x"}), 401,
            "not_joined")
    cookie = world.app.test_client()
    cookie.set_cookie("kk_player", f"{HUGE}.x")
    for path in ("/", "/play", "/meet", "/how-to-score", f"/r/{world.join_code}"):
        assert cookie.get(path).status_code < 500, path
    refused(cookie.get("/api/v1/me"), 401, "not_joined")
    sock = socketio.test_client(world.app, auth={"token": f"{HUGE}.x"})
    assert sock.is_connected()


@pytest.mark.parametrize("round_id", [1 << 63, 10**20, -1, 0, "1", None, 1.5])
def test_a_socket_watch_with_a_bad_id_is_refused(world: World, round_id: Any) -> None:
    sock = socketio.test_client(world.app)
    sock.emit("watch", {"round_id": round_id, "since_seq": 0})
    names = [e["name"] for e in sock.get_received()]
    assert names == ["refused"]


# --- deep JSON and malformed GeoJSON ------------------------------------------------------

def deep(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_deeply_nested_json_is_invalid_json(world: World) -> None:
    phone, _ = world.join("Fatma")
    body = '{"a": ' + deep(5000) + "}"
    for path in ("/api/v1/join", "/api/v1/meetings", "/api/v1/pairing-codes",
                 "/api/v1/photos/1/consent"):
        res = phone.post(path, data=body, content_type="application/json")
        refused(res, 400, "invalid_json")


def nested_features(n: int) -> dict[str, Any]:
    doc: dict[str, Any] = {"type": "Polygon", "coordinates": []}
    for _ in range(n):
        doc = {"type": "Feature", "geometry": doc}
    return doc


SQUARE = [[5.115, 52.072], [5.133, 52.072], [5.133, 52.08], [5.115, 52.08], [5.115, 52.072]]
MALFORMED_GEOJSON: dict[str, tuple[bytes | dict[str, Any], str]] = {
    "nested 100k deep": (("[" * 100_000 + "]" * 100_000).encode(), "geojson_too_deep"),
    "objects nested 100k deep": (('{"a":' * 100_000 + "1" + "}" * 100_000).encode(),
                                 "geojson_too_deep"),
    "a feature in a feature": (nested_features(2), "boundary_wrong_type"),
    "a collection of collections": ({"type": "FeatureCollection", "features": [
        {"type": "FeatureCollection", "features": []}]}, "boundary_wrong_type"),
    "a position with a string": ({"type": "Polygon", "coordinates": [
        [[5.115, 52.072, 5, "x"], *SQUARE[1:]]]}, "boundary_bad_coordinates"),
    "a position of four numbers": ({"type": "Polygon", "coordinates": [
        [[5.115, 52.072, 5, 6], *SQUARE[1:]]]}, "boundary_bad_coordinates"),
    "a position in a list": ({"type": "Polygon", "coordinates": [[[[5.115, 52.072]],
                                                                 *SQUARE[1:]]]},
                             "boundary_bad_coordinates"),
    "a boolean latitude": ({"type": "Polygon", "coordinates": [[[5.115, True], *SQUARE[1:]]]},
                           "boundary_bad_coordinates"),
    "a hole that is a number": ({"type": "Polygon", "coordinates": [SQUARE, 5]},
                                "boundary_bad_coordinates"),
    "a multipolygon of numbers": ({"type": "MultiPolygon", "coordinates": [1, 2]},
                                  "boundary_bad_coordinates"),
}


def _nested_features_text(n: int) -> bytes:
    """3,000 Features, each the geometry of the next: written out, as json.dumps cannot."""
    inner = json.dumps({"type": "Polygon", "coordinates": [SQUARE]})
    return ('{"type": "Feature", "geometry": ' * n + inner + "}" * n).encode()


MALFORMED_GEOJSON["3,000 nested features"] = (_nested_features_text(3000), "geojson_too_deep")


@pytest.mark.parametrize("case", list(MALFORMED_GEOJSON))
def test_malformed_geojson_gets_its_own_code(world: World, case: str) -> None:
    boundary, code = MALFORMED_GEOJSON[case]
    org = world.organiser_client()
    res = upload(org, "Foute buurt", boundary)
    assert res.status_code == 422, res.status_code
    assert f'data-code="{code}"' in res.get_data(as_text=True)


def test_a_three_number_position_is_an_altitude(world: World) -> None:
    org = world.organiser_client()
    res = upload(org, "Hoge buurt", {"type": "Polygon", "coordinates": [
        [[x, y, 3.5] for x, y in SQUARE]]})
    assert res.status_code == 302, res.get_data(as_text=True)[:300]


def test_deeply_nested_spots_file_is_refused(world: World) -> None:
    org = world.organiser_client()
    page = f"/organise/neighbourhoods/{world.hood_slug}/spots"
    res = post_file(org, f"{page}/import", page, "geojson",
                    ("[" * 100_000 + "]" * 100_000).encode())
    assert res.status_code == 422
    assert "te diep genest" in res.get_data(as_text=True)  # the Dutch of geojson_too_deep


# --- unexpected errors carry a request id; refusals are one log line ---------------------

def test_an_unexpected_error_is_logged_with_a_request_id(app: Flask, caplog: Any) -> None:
    def broken() -> str:
        raise RuntimeError("a bug")

    app.add_url_rule("/api/v1/broken", view_func=broken)
    app.add_url_rule("/broken", view_func=broken)
    client = app.test_client()
    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        res = client.get("/api/v1/broken")
    assert res.status_code == 500
    error = res.get_json()["error"]
    rid = error["request_id"]
    assert error["code"] == "internal_error" and rid in error["message"]
    assert res.headers["X-Request-ID"] == rid
    logged = [r for r in caplog.records if rid in r.getMessage()]
    assert logged and logged[0].exc_info and "a bug" in str(logged[0].exc_info[1])
    page = client.get("/broken", headers={"Accept": "text/html"})
    assert page.status_code == 500 and page.mimetype == "text/html"
    assert page.headers["X-Request-ID"] in page.get_data(as_text=True)


def test_a_refusal_is_one_line_without_traceback(world: World, caplog: Any) -> None:
    phone, _ = world.join("Fatma")
    with caplog.at_level(logging.INFO, logger=world.app.logger.name):
        phone.post("/api/v1/meetings", json={"code": "ABCDEF"})
    lines = [r for r in caplog.records if "pairing_code_unknown" in r.getMessage()]
    assert len(lines) == 1
    assert lines[0].getMessage() == "refused POST /api/v1/meetings -> 404 pairing_code_unknown"
    assert lines[0].exc_info is None


# --- redirects stay on this site -----------------------------------------------------------

EVIL_TARGETS = ["/\t/evil.example", "/\n/evil.example", "//evil.example", "/\\evil.example",
                "\\\\evil.example", "https://evil.example/", "http:/evil.example",
                "javascript:alert(1)", "/\x7f/evil.example", "evil.example", "/\u2028/evil"]


@pytest.mark.parametrize("target", EVIL_TARGETS)
def test_language_next_stays_on_site(client: FlaskClient, target: str) -> None:
    res = client.get("/language/en", query_string={"next": target})
    assert res.status_code == 302
    assert res.headers["Location"] == "/"


def test_language_next_raw_tab(client: FlaskClient) -> None:
    res = client.get("/language/en?next=/%09/evil.example")
    assert res.headers["Location"] == "/"
    assert client.get("/language/en?next=/how-to-score").headers["Location"] == "/how-to-score"


@pytest.mark.parametrize("target", EVIL_TARGETS)
def test_join_then_stays_on_site(world: World, target: str) -> None:
    phone, _ = world.join("Fatma")
    res = phone.get(f"/r/{world.join_code}", query_string={"then": target})
    assert res.status_code == 302
    assert res.headers["Location"] == "/play"


def test_join_then_raw_tab_and_a_good_path(world: World) -> None:
    phone, _ = world.join("Fatma")
    res = phone.get(f"/r/{world.join_code}?then=/%09/evil.example")
    assert res.headers["Location"] == "/play"
    assert phone.get(f"/r/{world.join_code}?then=/m/ABCDEF").headers["Location"] == "/m/ABCDEF"


def test_login_next_stays_in_the_console(world: World) -> None:
    client = world.app.test_client()
    page = client.get("/organise/login").get_data(as_text=True)
    res = client.post("/organise/login", data={
        "email": world.organiser_email, "password": world.organiser_password,
        "csrf_token": csrf_from(page), "next": "/organise\t/../evil"})
    assert res.headers["Location"] == "/organise/"


# --- pairing codes leak nothing -----------------------------------------------------------

HERE = {"lat": 52.076, "lon": 5.124, "accuracy": 10}  # both phones side by side (Hoograven)

def _codes(world: World) -> tuple[str, str, str]:
    """A used code and an expired code of Fatma's, and a code that never existed."""
    fatma, _ = world.join("Fatma")
    omer, _ = world.join("Ömer")
    used = fatma.post("/api/v1/pairing-codes", json=HERE).get_json()["code"]
    assert omer.post("/api/v1/meetings", json={"code": used, **HERE}).status_code == 201
    expired = fatma.post("/api/v1/pairing-codes", json=HERE).get_json()["code"]
    world.clock.advance(seconds=61)
    unknown = "ABCDEF" if "ABCDEF" not in (used, expired) else "ABCDEG"
    return used, expired, unknown


def test_m_code_answers_the_same_for_unknown_used_and_expired(world: World) -> None:
    codes = _codes(world)
    stranger = world.app.test_client()  # one browser, so one CSRF token on every page
    answers = []
    for code in codes:
        res = stranger.get(f"/m/{code}")
        answers.append((res.status_code, res.headers.get("Location"),
                        res.get_data(as_text=True).replace(code, "CODE")))
    assert answers[0][0] == 404
    assert answers[0] == answers[1] == answers[2]


def test_only_a_player_of_the_round_learns_why_a_code_is_dead(app: Flask, clock: Clock) -> None:
    world = World(app, clock).seed()
    used, expired, unknown = _codes(world)
    other = World(app, clock, organiser_email="ander@example.nl").seed()
    outsider, _ = other.join("Bram")
    for code in (used, expired, unknown):
        refused(outsider.post("/api/v1/meetings", json={"code": code, **HERE}), 404,
                "pairing_code_unknown")
    insider, _ = world.join("Jan")
    refused(insider.post("/api/v1/meetings", json={"code": used, **HERE}), 410, "pairing_code_used")
    refused(insider.post("/api/v1/meetings", json={"code": expired, **HERE}), 410,
            "pairing_code_expired")


def test_expired_codes_are_deleted_after_their_grace(world: World, clock: Clock) -> None:
    fatma, _ = world.join("Fatma")
    old = fatma.post("/api/v1/pairing-codes", json={}).get_json()["code"]
    clock.advance(minutes=10)
    fatma.post("/api/v1/pairing-codes", json={})
    with db.sessions(world.app)() as s:
        assert s.query(PairingCode).filter_by(code=old).count() == 1  # still in its grace
    clock.advance(minutes=10)
    fatma.post("/api/v1/pairing-codes", json={})
    with db.sessions(world.app)() as s:
        assert s.query(PairingCode).filter_by(code=old).count() == 0
    jan, _ = world.join("Jan")
    refused(jan.post("/api/v1/meetings", json={"code": old}), 404, "pairing_code_unknown")


# --- a draft round's screen ---------------------------------------------------------------

def test_a_draft_screen_shows_nothing_of_the_round(app: Flask, clock: Clock) -> None:
    world = World(app, clock).seed(state="draft")
    page = app.test_client().get(f"/screen/{world.round_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Zomerronde" not in html and world.join_code not in html
    assert "data-closed" in html
    sock = socketio.test_client(app)
    sock.emit("watch", {"round_id": world.round_id, "since_seq": 0})
    got = sock.get_received()
    assert [e["name"] for e in got] == ["refused"] and "Zomerronde" not in json.dumps(got)
    org = world.organiser_client()
    html = org.get(f"/screen/{world.round_id}").get_data(as_text=True)
    assert "Zomerronde" in html and world.join_code in html and "data-closed" not in html


def test_another_organiser_sees_a_closed_draft_screen(app: Flask, clock: Clock) -> None:
    world = World(app, clock).seed(state="draft")
    other = World(app, clock, organiser_email="ander@example.nl").seed()
    html = other.organiser_client().get(f"/screen/{world.round_id}").get_data(as_text=True)
    assert world.join_code not in html and "data-closed" in html


# --- names ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["\u200d", "\u3164", "\u2800", "\u115f", "\u1160", "\uffa0",
                                  "\u200b", "\u3164\u3164 \u2800", "Ali\u3164", "An\u200dna",
                                  "Jo\u2060", "\u0301", "...", "😀", "\u200dAli\u0000",
                                  "Ali\ufe0f"])
def test_names_without_anything_visible_are_refused(world: World, name: str) -> None:
    res = world.app.test_client().post("/api/v1/join", json={
        "join_code": world.join_code, "display_name": name})
    refused(res, 422, "display_name_invalid")


@pytest.mark.parametrize("name", ["क्\u200dष", "می\u200cخواهم", "Ömer", "Jan 2", "7",
                                  "Anne-Marie", "Zoë ❤", "Zoë ❤\ufe0f"])
def test_names_that_need_their_joiners_are_kept(world: World, name: str) -> None:
    _phone, body = world.join(name)
    assert body["player"]["display_name"] == name


@pytest.mark.parametrize("look_alike", ["Fаtma", "Fatma\u200d", "FATMA", "Fatrna",
                                        "Fatma\u3164", "Ｆａｔｍａ"])
def test_look_alikes_of_a_playing_name_are_taken(world: World, look_alike: str) -> None:
    world.join("Fatma")
    res = world.app.test_client().post("/api/v1/join", json={
        "join_code": world.join_code, "display_name": look_alike})
    refused(res, 409, "display_name_taken")


def test_a_rename_to_a_look_alike_is_taken(world: World) -> None:
    world.join("Fatma")
    _phone, body = world.join("Jan")
    org = world.organiser_client()
    page = f"/organise/rounds/{world.round_id}/players"
    res = console_post(org, f"{page}/{body['player']['id']}/rename", page,
                       display_name="Fаtma")
    assert res.status_code == 409
