"""Issue 15, item 9: the afternoon at a glance for organisers, over HTTP and Socket.IO, against
hand-counted fixtures."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask

from koppelkiek.realtime import socketio
from tests.helpers import Clock, World, arezzo_world, meet, received, scored_photo

ROUND_LABELS = ["16:15", "16:20", "16:25", "16:30"]  # Arezzo's clock (UTC+2) for the buckets


def afternoon(world: World) -> None:
    """By hand: at 14:28 UTC (bucket 16:25 in Arezzo) Ann (Via Roma), Cas (Corso Italia) and Dan
    (no street) join; Ann and Cas meet and send a photo, which waits for moderation (pre).
    At 14:33 (bucket 16:30) Bea joins as "via roma " and Ann–Bea, Cas–Dan and Bea–Cas meet."""
    ann, _ = world.join("Ann", "Via Roma")
    cas, _ = world.join("Cas", "Corso Italia")
    dan, _ = world.join("Dan")
    photo = scored_photo(world, ann, cas, "DSCN0010.jpg")
    assert photo["status"] == "pending_review"
    world.clock.now = world.clock.now.replace(minute=33, second=0)
    bea, _ = world.join("Bea", "via roma ")
    meet(world, ann, bea)
    meet(world, cas, dan)
    meet(world, bea, cas)


EXPECTED = {
    "joins": [0, 0, 3, 1],
    "meetings": [0, 0, 1, 3],
    "photos": [0, 0, 1, 0],
}
STREETS = [{"name": "Via Roma", "players": 2, "across": 2},
           {"name": "Corso Italia", "players": 1, "across": 2}]


def series(body: dict[str, Any], name: str) -> list[int]:
    return [b[name] for b in body["buckets"]]


def test_the_glance_counts_per_five_minutes_the_queue_and_the_streets(
        app: Flask, clock: Clock) -> None:
    world = arezzo_world(app, clock, moderation_mode="pre")
    afternoon(world)
    org = world.organiser_client()
    res = org.get(f"/api/v1/rounds/{world.round_id}/glance")
    assert res.status_code == 200, res.get_json()
    body = res.get_json()
    assert body["bucket_seconds"] == 300
    assert [b["label"] for b in body["buckets"]] == ROUND_LABELS
    assert body["buckets"][0]["at"] == "2008-10-22T14:15:00+00:00"  # the round began 14:18
    for name, counts in EXPECTED.items():
        assert series(body, name) == counts, name
    assert body["totals"] == {"joins": 4, "meetings": 4, "photos": 1}
    assert body["queue"] == 1
    assert body["streets"] == STREETS
    assert body["phones"] == 0
    assert body["round_id"] == world.round_id and body["seq"] >= 1
    # The round page draws the same figures before any script runs.
    page = org.get(f"/organise/rounds/{world.round_id}").get_data(as_text=True)
    assert 'data-testid="glance-meetings">4<' in page and 'data-testid="glance-queue">1<' in page
    assert "<td>Via Roma</td>" in page


def test_only_the_rounds_organisers_see_the_glance(world: World) -> None:
    url = f"/api/v1/rounds/{world.round_id}/glance"
    res = world.app.test_client().get(url)
    assert res.status_code == 401 and res.get_json()["error"]["code"] == "login_required"
    phone, _ = world.join("Fatma")
    assert phone.get(url).status_code == 401
    org = world.organiser_client()
    missing = org.get(f"/api/v1/rounds/{world.round_id + 1000}/glance")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"


def test_organisers_get_the_glance_live_and_phones_never_do(app: Flask, clock: Clock) -> None:
    world = arezzo_world(app, clock, moderation_mode="pre")
    org = world.organiser_client()
    console = socketio.test_client(app, flask_test_client=org)
    console.emit("glance", {"round_id": world.round_id})
    [first] = received(console, "glance")
    assert first["totals"] == {"joins": 0, "meetings": 0, "photos": 0} and first["phones"] == 0
    assert first["queue"] == 0 and first["streets"] == []

    # A phone that asks is refused; a phone watching the round counts as connected.
    ann, body = world.join("Ann", "Via Roma")
    phone = socketio.test_client(app, auth={"token": body["token"]})
    phone.emit("glance", {"round_id": world.round_id})
    assert received(phone, "refused") == [{"code": "login_required"}]
    phone.emit("watch", {"round_id": world.round_id, "since_seq": 0, "view": "phone"})
    stranger = socketio.test_client(app)
    stranger.emit("glance", {"round_id": "1"})
    assert received(stranger, "refused") == [{"code": "bad_request"}]
    console.emit("glance", {"round_id": world.round_id + 1000})
    assert received(console, "refused") == [{"code": "not_found"}]

    glances = app.extensions["koppelkiek_glances"]
    glances.tick()
    [second] = received(console, "glance")
    assert second["phones"] == 1 and second["totals"]["joins"] == 1
    glances.tick()  # nothing changed: nothing sent
    assert received(console, "glance") == []

    clock.now += timedelta(seconds=1)
    cas, _ = world.join("Cas", "Corso Italia")
    scored_photo(world, ann, cas, "DSCN0010.jpg")
    phone.disconnect()
    glances.tick()
    [third] = received(console, "glance")
    assert third["phones"] == 0 and third["queue"] == 1
    assert third["totals"] == {"joins": 2, "meetings": 1, "photos": 1}
    assert third["streets"] == [{"name": "Corso Italia", "players": 1, "across": 1},
                                {"name": "Via Roma", "players": 1, "across": 1}]
    assert third["seq"] >= second["seq"]
    assert received(stranger, "glance") == []
    console.disconnect()
