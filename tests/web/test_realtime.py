"""Socket.IO: rooms are decided by the server; notices reach exactly the right player."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from koppelkiek.realtime import socketio
from tests.helpers import World, csrf_from

HERE = {"lat": 52.076, "lon": 5.124, "accuracy": 10}  # both phones, side by side


def events(sock: Any, name: str) -> list[dict[str, Any]]:
    return [e["args"][0] for e in sock.get_received() if e["name"] == name]


def socket_for(world: World, token: str | None = None, flask_client: FlaskClient | None = None):  # type: ignore[no-untyped-def]
    return socketio.test_client(world.app, auth={"token": token} if token else None,
                                flask_test_client=flask_client)


def test_a_notice_reaches_exactly_the_right_player(world: World) -> None:
    a, body_a = world.join("Fatma")
    b, body_b = world.join("Ömer")
    c, body_c = world.join("Jan")
    sock_a = socket_for(world, body_a["token"])
    sock_b = socket_for(world, body_b["token"])
    sock_c = socket_for(world, body_c["token"])
    screen = socket_for(world)
    for sock in (sock_a, sock_b, sock_c, screen):
        sock.get_received()
    code = a.post("/api/v1/pairing-codes", json=HERE).get_json()["code"]
    assert b.post("/api/v1/meetings", json={"code": code, **HERE}).status_code == 201
    to_a = events(sock_a, "notice")
    to_b = events(sock_b, "notice")
    assert [n["partner"] for n in to_a] == ["Ömer"]
    assert [n["partner"] for n in to_b] == ["Fatma"]
    assert events(sock_c, "notice") == []
    assert events(screen, "notice") == []


def test_cookie_identifies_the_socket(world: World) -> None:
    a, body_a = world.join("Fatma")
    b, _ = world.join("Ömer")
    phone = world.app.test_client()
    phone.set_cookie("kk_player", body_a["token"])
    sock = socket_for(world, flask_client=phone)
    code = a.post("/api/v1/pairing-codes", json=HERE).get_json()["code"]
    b.post("/api/v1/meetings", json={"code": code, **HERE})
    assert [n["kind"] for n in events(sock, "notice")] == ["meeting"]


def test_watch_gives_a_snapshot_then_round_deltas(world: World) -> None:
    screen = socket_for(world)
    screen.emit("watch", {"round_id": world.round_id, "since_seq": 0})
    snap = events(screen, "snapshot")[0]
    assert snap["round"]["state"] == "live"
    assert snap["seq"] == 1  # the start of the round
    assert {"seq", "round", "standings", "teams", "photos"} <= set(snap)
    org = world.organiser_client()
    page = org.get(f"/organise/rounds/{world.round_id}").get_data(as_text=True)
    org.post(f"/organise/rounds/{world.round_id}/state",
             data={"action": "pause", "csrf_token": csrf_from(page)})
    deltas = events(screen, "round")
    assert [(d["seq"], d["state"]) for d in deltas] == [(2, "paused")]


def test_a_draft_round_cannot_be_watched_by_strangers(app, clock) -> None:  # type: ignore[no-untyped-def]
    world = World(app, clock).seed(state="draft")
    screen = socket_for(world)
    screen.emit("watch", {"round_id": world.round_id, "since_seq": 0})
    received = screen.get_received()
    assert [e["name"] for e in received] == ["refused"]
    screen.emit("watch", {"round_id": "1; DROP"})
    assert [e["name"] for e in screen.get_received()] == ["refused"]
    # Its organiser may watch it.
    org = world.organiser_client()
    sock = socket_for(world, flask_client=org)
    sock.emit("watch", {"round_id": world.round_id, "since_seq": 0})
    assert [e["name"] for e in sock.get_received()] == ["snapshot"]


def test_a_player_of_another_round_cannot_watch_a_draft(app, clock) -> None:  # type: ignore[no-untyped-def]
    live = World(app, clock).seed()
    draft = World(app, clock, organiser_email="two@example.nl").seed(state="draft")
    _, body = live.join("Fatma")
    sock = socket_for(live, body["token"])
    sock.emit("watch", {"round_id": draft.round_id, "since_seq": 0})
    assert [e["name"] for e in sock.get_received()] == ["refused"]
