"""Issue 12, honest meetings: the API table of the four new refusals, in Dutch and English,
and the rule for photos whose place only the browser vouches for."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import delete

from koppelkiek.db import db
from koppelkiek.game.models import PairMeeting
from tests.helpers import PHOTOS, Clock, World, send

HERE = {"lat": 52.0760, "lon": 5.1240, "accuracy": 10}  # inside HOOGRAVEN
BROWSER = {k: str(v) for k, v in HERE.items()}
NO_EXIF = (PHOTOS / "jpg" / "xmp" / "no_exif.jpg").read_bytes()  # no GPS, no time
# What each message says in each language, so a missing translation shows.
WORDS = {
    "position_required": {"nl": "locatie", "en": "location"},
    "photo_location_required": {"nl": "GPS", "en": "GPS"},
    "already_joined": {"nl": "Deze telefoon speelt al", "en": "This phone already plays"},
    "idempotency_key_reused": {"nl": "andere ontmoeting", "en": "another meeting"},
}


def phone(world: World, name: str, lang: str) -> FlaskClient:
    client = world.app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    res = client.post("/api/v1/join", json={"join_code": world.join_code, "display_name": name})
    assert res.status_code == 201, res.get_json()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {res.get_json()['token']}"
    return client


def met(a: FlaskClient, b: FlaskClient) -> int:
    code = a.post("/api/v1/pairing-codes", json=HERE).get_json()["code"]
    res = b.post("/api/v1/meetings", json={"code": code, **HERE})
    assert res.status_code == 201, res.get_json()
    return int(res.get_json()["meeting"]["id"])


def claim_without_my_position(world: World, lang: str) -> Any:
    a, b = phone(world, f"Fatma {lang}", lang), phone(world, f"Omer {lang}", lang)
    code = a.post("/api/v1/pairing-codes", json=HERE).get_json()["code"]
    return b.post("/api/v1/meetings", json={"code": code})


def claim_without_their_position(world: World, lang: str) -> Any:
    a, b = phone(world, f"Fatma {lang}", lang), phone(world, f"Omer {lang}", lang)
    code = a.post("/api/v1/pairing-codes", json={}).get_json()["code"]
    return b.post("/api/v1/meetings", json={"code": code, **HERE})


def photo_placed_by_the_browser(world: World, lang: str) -> Any:
    a, b = phone(world, f"Fatma {lang}", lang), phone(world, f"Omer {lang}", lang)
    return send(b, met(a, b), NO_EXIF, **BROWSER)


def second_name_on_one_phone(world: World, lang: str) -> Any:
    a = phone(world, f"Fatma {lang}", lang)
    return a.post("/api/v1/join", json={"join_code": world.join_code,
                                        "display_name": f"Fatma twee {lang}"})


def one_key_for_two_meetings(world: World, lang: str) -> Any:
    a, b = phone(world, f"Fatma {lang}", lang), phone(world, f"Omer {lang}", lang)
    c = phone(world, f"Jan {lang}", lang)
    first = send(b, met(a, b), NO_EXIF, key="kiek-1", **BROWSER)
    assert first.status_code == 201, first.get_json()
    return send(b, met(c, b), NO_EXIF, key="kiek-1", **BROWSER)


TABLE: list[tuple[Callable[[World, str], Any], dict[str, Any], int, str]] = [
    (claim_without_my_position, {}, 422, "position_required"),
    (claim_without_their_position, {}, 422, "position_required"),
    (photo_placed_by_the_browser, {"browser_only_photos": "refuse"}, 422,
     "photo_location_required"),
    (second_name_on_one_phone, {}, 409, "already_joined"),
    (one_key_for_two_meetings, {}, 422, "idempotency_key_reused"),
]


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize(("case", "rules", "status", "code"), TABLE,
                         ids=[row[0].__name__ for row in TABLE])
def test_refusals(app: Flask, clock: Clock, case: Callable[[World, str], Any],
                  rules: dict[str, Any], status: int, code: str, lang: str) -> None:
    world = World(app, clock).seed(**rules)
    res = case(world, lang)
    assert res.status_code == status, res.get_json()
    error = res.get_json()["error"]
    assert error["code"] == code
    assert WORDS[code][lang] in error["message"], error["message"]


def test_already_joined_links_to_the_player_page(world: World) -> None:
    a = phone(world, "Fatma", "nl")
    res = a.post("/api/v1/join", json={"join_code": world.join_code, "display_name": "Anna"})
    message = res.get_json()["error"]["message"]
    assert "Fatma" in message and "http://kiek.test/play" in message
    # Without the identity the same phone is just a new player: a shared family phone
    # can hand over, but only by leaving.
    fresh = world.app.test_client().post("/api/v1/join", json={"join_code": world.join_code,
                                                               "display_name": "Anna"})
    assert fresh.status_code == 201


def test_the_same_key_for_the_same_meeting_is_still_a_retry(world: World) -> None:
    a, b = phone(world, "Fatma", "nl"), phone(world, "Omer", "nl")
    meeting = met(a, b)
    first = send(b, meeting, NO_EXIF, key="kiek-1", **BROWSER)
    again = send(b, meeting, NO_EXIF, key="kiek-1", **BROWSER)
    assert first.status_code == again.status_code == 201
    assert first.get_json()["photo"]["id"] == again.get_json()["photo"]["id"]


@pytest.mark.parametrize(("rule", "status"), [("accept", "accepted"),
                                              ("review", "pending_review")])
def test_browser_only_photos_accept_or_wait_for_review(app: Flask, clock: Clock, rule: str,
                                                       status: str) -> None:
    world = World(app, clock).seed(browser_only_photos=rule)
    a, b = phone(world, "Fatma", "nl"), phone(world, "Omer", "nl")
    res = send(b, met(a, b), NO_EXIF, **BROWSER)
    assert res.status_code == 201, res.get_json()
    assert res.get_json()["photo"]["status"] == status
    assert res.get_json()["photo"]["location_source"] == "browser"
    board = a.get(f"/api/v1/rounds/{world.round_id}/standings").get_json()
    assert sum(row["points"] for row in board["standings"]) == (24 if rule == "accept" else 0)
    if rule == "review":  # in the organiser's queue, as with pre-moderation
        org = world.organiser_client()
        queue = org.get(f"/organise/rounds/{world.round_id}/photos").get_data(as_text=True)
        photo_id = res.get_json()["photo"]["id"]
        assert f'data-photo-id="{photo_id}" data-status="pending_review"' in queue


def test_the_console_sets_the_rule(world: World) -> None:
    org = world.organiser_client()
    page = org.get(f"/organise/rounds/{world.round_id}").get_data(as_text=True)
    assert 'name="browser_only_photos"' in page


def test_check_sees_a_wrong_scoring_state_and_rescore_rebuilds_it(world: World) -> None:
    a, b = phone(world, "Fatma", "nl"), phone(world, "Omer", "nl")
    assert send(b, met(a, b), NO_EXIF, **BROWSER).status_code == 201
    runner = world.app.test_cli_runner()
    assert runner.invoke(args=["check", str(world.round_id)]).exit_code == 0
    with db.sessions(world.app)() as s:  # the pair "forgets" it met: its next photo would
        s.execute(delete(PairMeeting))  # score as a first meeting again
        s.commit()
    failed = runner.invoke(args=["check", str(world.round_id)])
    assert failed.exit_code == 1 and "scoring state" in failed.output
    assert runner.invoke(args=["round", "rescore", str(world.round_id)]).exit_code == 0
    assert runner.invoke(args=["check", str(world.round_id)]).exit_code == 0
    world.clock.advance(minutes=16)  # the first meeting's photo window has closed
    second = send(b, met(a, b), another_picture(), **BROWSER)
    assert second.status_code == 201, second.get_json()
    # 10 for the first meeting and 2 welcome, then 2 for a repeat: the pair is known again.
    assert a.get("/api/v1/me").get_json()["points"] == 14
    assert runner.invoke(args=["check", str(world.round_id)]).exit_code == 0


def another_picture() -> bytes:
    """A camera-sized JPEG without EXIF, unlike the sample photo (a random grid's dHash)."""
    grid = Image.frombytes("L", (9, 8), bytes((i * 97) % 256 for i in range(72)))
    out = io.BytesIO()
    grid.resize((720, 640), Image.Resampling.NEAREST).convert("RGB").save(out, "JPEG")
    return out.getvalue()
