"""Running a game: moderation, player care, delete-my-data and purge, through HTTP and sockets."""

from __future__ import annotations

import json

from flask import Flask
from flask.testing import FlaskClient

from koppelkiek.db import db
from koppelkiek.game.models import AuditEntry, Photo, ScoreEntry
from koppelkiek.realtime import socketio
from tests.helpers import (
    Clock,
    World,
    arezzo_world,
    console_post,
    csrf_from,
    received,
    scored_photo,
)


def points(client: FlaskClient) -> int:
    return int(client.get("/api/v1/me").get_json()["points"])


def check(app: Flask, round_id: int) -> int:
    return app.test_cli_runner().invoke(args=["check", str(round_id)]).exit_code


def test_reject_reverses_points_live_and_undo_restores(app: Flask, clock: Clock) -> None:
    world = arezzo_world(app, clock)
    fatma, body = world.join("Fatma")
    omer, _ = world.join("Ömer")
    photo = scored_photo(world, fatma, omer, "DSCN0010.jpg")
    org = world.organiser_client()
    queue = f"/organise/rounds/{world.round_id}/photos"
    page = org.get(queue).get_data(as_text=True)
    assert f'id="photo-{photo["id"]}"' in page and 'class="flag"' in page
    screen = socketio.test_client(app)
    screen.emit("watch", {"round_id": world.round_id, "since_seq": 0})
    screen.get_received()
    phone = socketio.test_client(app, auth={"token": body["token"]})
    phone.get_received()
    decide_url = f"{queue}/{photo['id']}/decision"
    res = console_post(org, decide_url, queue, decision="reject", reason="blurry", note="")
    assert res.status_code == 302
    assert points(fatma) == 0 and points(omer) == 0
    assert check(app, world.round_id) == 0
    delta = received(screen, "standings")
    assert {r["display_name"]: r["points"] for r in delta[-1]["changed"]} == {"Fatma": 0,
                                                                             "Ömer": 0}
    notice = [n for n in received(phone, "notice") if n["kind"] == "moderation"]
    assert notice and notice[0]["status"] == "rejected" and notice[0]["reason"]
    with db.sessions(app)() as s:
        # History is never edited: the reversal is new entries.
        assert s.query(ScoreEntry).filter(ScoreEntry.points < 0).count() >= 2
        assert s.query(AuditEntry).filter_by(action="photo_reject").count() == 1
    res = console_post(org, decide_url, queue, decision="approve")
    assert res.status_code == 302
    assert points(fatma) == 12 and check(app, world.round_id) == 0


def test_pre_moderation_awards_points_on_approval(app: Flask, clock: Clock) -> None:
    world = arezzo_world(app, clock, moderation_mode="pre")
    fatma, _ = world.join("Fatma")
    omer, _ = world.join("Ömer")
    photo = scored_photo(world, fatma, omer, "DSCN0010.jpg")
    assert photo["status"] == "pending_review" and points(fatma) == 0
    org = world.organiser_client()
    queue = f"/organise/rounds/{world.round_id}/photos"
    org_sock = socketio.test_client(app, flask_test_client=org)
    org_sock.emit("watch", {"round_id": world.round_id, "since_seq": 0})
    org_sock.get_received()
    console_post(org, f"{queue}/{photo['id']}/decision", queue, decision="approve")
    assert points(fatma) == 12
    assert [q["photo_id"] for q in received(org_sock, "queue")] == [photo["id"]]


def test_another_organiser_cannot_moderate(app: Flask, clock: Clock) -> None:
    world = arezzo_world(app, clock)
    fatma, _ = world.join("Fatma")
    omer, _ = world.join("Ömer")
    photo = scored_photo(world, fatma, omer, "DSCN0010.jpg")
    other = World(app, clock, organiser_email="b@example.nl").seed()
    org = other.organiser_client()
    queue = f"/organise/rounds/{world.round_id}/photos"
    assert org.get(queue).status_code == 404
    res = console_post(org, f"{queue}/{photo['id']}/decision", "/organise/", decision="reject")
    assert res.status_code == 404
    assert org.get(photo["thumb_url"]).status_code == 404
    assert world.organiser_client().get(photo["thumb_url"]).status_code == 200
    no_token = world.organiser_client().post(f"{queue}/{photo['id']}/decision",
                                             data={"decision": "reject"})
    assert no_token.status_code == 400


def test_rename_shows_live_everywhere(app: Flask, clock: Clock) -> None:
    world = arezzo_world(app, clock)
    fatma, body = world.join("Fatma")
    world.join("Ömer")
    org = world.organiser_client()
    screen = socketio.test_client(app)
    screen.emit("watch", {"round_id": world.round_id, "since_seq": 0})
    screen.get_received()
    players = f"/organise/rounds/{world.round_id}/players"
    res = console_post(org, f"{players}/{body['player']['id']}/rename", players,
                       display_name="Buurvrouw")
    assert res.status_code == 302
    assert [r["display_name"] for r in received(screen, "standings")[0]["changed"]] == [
        "Buurvrouw"]
    taken = console_post(org, f"{players}/{body['player']['id']}/rename", players,
                         display_name="ömer")
    assert taken.status_code == 409


def test_ban_keeps_or_reverses_points_and_can_be_undone(app: Flask, clock: Clock) -> None:
    world = arezzo_world(app, clock)
    fatma, body = world.join("Fatma")
    omer, _ = world.join("Ömer")
    jan, _ = world.join("Jan")
    scored_photo(world, fatma, omer, "DSCN0010.jpg")
    org = world.organiser_client()
    players = f"/organise/rounds/{world.round_id}/players"
    pid = body["player"]["id"]
    console_post(org, f"{players}/{pid}/ban", players, reverse_points="y")
    assert points(fatma) == 0 and points(omer) == 12  # only the banned player loses
    assert check(app, world.round_id) == 0
    # Their codes stop working, and so do new claims and photos.
    assert fatma.post("/api/v1/pairing-codes", json={}).status_code == 403
    here = {"lat": 43.467, "lon": 11.885, "accuracy": 10}
    code = jan.post("/api/v1/pairing-codes", json=here).get_json()["code"]
    assert fatma.post("/api/v1/meetings", json={"code": code, **here}).get_json()["error"]["code"] \
        == "not_in_round"
    console_post(org, f"{players}/{pid}/unban", players)
    assert points(fatma) == 12 and check(app, world.round_id) == 0
    console_post(org, f"{players}/{pid}/ban", players)  # points stay this time
    assert points(fatma) == 12


def test_new_recovery_code_signs_out_the_old_phone(app: Flask, clock: Clock) -> None:
    world = arezzo_world(app, clock)
    old, body = world.join("Fatma")
    org = world.organiser_client()
    players = f"/organise/rounds/{world.round_id}/players"
    console_post(org, f"{players}/{body['player']['id']}/recovery", players)
    page = org.get(players).get_data(as_text=True)
    code = page.split('class="mono">')[1].split("<")[0]
    assert old.get("/api/v1/me").status_code == 401
    assert org.get(players).get_data(as_text=True).count('data-testid="new-recovery"') == 0
    new = app.test_client()
    form = new.get("/recover").get_data(as_text=True)
    res = new.post("/recover", data={"recovery_code": code, "csrf_token": csrf_from(form)})
    assert res.status_code == 302 and points(new) == 0


def test_delete_my_data_keeps_partners_points(app: Flask, clock: Clock) -> None:
    world = arezzo_world(app, clock)
    fatma, body = world.join("Fatma")
    omer, _ = world.join("Ömer")
    photo = scored_photo(world, fatma, omer, "DSCN0010.jpg")
    fatma.post(f"/api/v1/photos/{photo['id']}/consent", json={"show": True})
    omer.post(f"/api/v1/photos/{photo['id']}/consent", json={"show": True})
    screen = socketio.test_client(app)
    screen.emit("watch", {"round_id": world.round_id, "since_seq": 0})
    assert len(received(screen, "snapshot")[0]["photos"]) == 1
    data = fatma.get("/api/v1/me/data")
    assert data.status_code == 200 and "attachment" in data.headers["Content-Disposition"]
    mine = data.get_json()
    assert mine["player"]["display_name"] == "Fatma" and mine["photos"][0]["id"] == photo["id"]
    assert mine["rounds"][0]["points"] == 12
    res = fatma.delete("/api/v1/me")
    assert res.status_code == 200
    assert fatma.get("/api/v1/me").status_code == 401
    events = screen.get_received()
    assert [e["args"][0]["on_wall"] for e in events if e["name"] == "photo"] == [False]
    standings = [e["args"][0] for e in events if e["name"] == "standings"]
    assert "Oud-speler" in [r["display_name"] for r in standings[-1]["changed"]]
    assert points(omer) == 12 and check(app, world.round_id) == 0
    assert omer.get(photo["display_url"]).status_code == 404
    with db.sessions(app)() as s:
        row = s.get(Photo, photo["id"])
        assert row is not None and row.lat is None and row.images == []
    board = app.test_client().get(f"/api/v1/rounds/{world.round_id}/standings").get_json()
    assert {r["display_name"]: r["points"] for r in board["standings"]} == {
        "Oud-speler": 12, "Ömer": 12}
    assert json.dumps(board).count("Fatma") == 0


def test_purge_an_ended_round(app: Flask, clock: Clock) -> None:
    world = arezzo_world(app, clock)
    fatma, _ = world.join("Fatma")
    omer, _ = world.join("Ömer")
    photo = scored_photo(world, fatma, omer, "DSCN0010.jpg")
    org = world.organiser_client()
    round_page = f"/organise/rounds/{world.round_id}"
    early = console_post(org, f"{round_page}/purge", round_page)
    assert early.status_code == 409
    console_post(org, f"{round_page}/state", round_page, action="end")
    res = console_post(org, f"{round_page}/purge", round_page)
    assert res.status_code == 302
    assert fatma.get(photo["display_url"]).status_code == 404
    assert points(fatma) == 12 and check(app, world.round_id) == 0


def test_the_consent_question_waits_on_the_player_page(app: Flask, clock: Clock) -> None:
    world = arezzo_world(app, clock)
    fatma, _ = world.join("Fatma")
    omer, _ = world.join("Ömer")
    photo = scored_photo(world, fatma, omer, "DSCN0010.jpg")
    for phone in (fatma, omer):
        page = phone.get("/play").get_data(as_text=True)
        ask = page.split('data-testid="consent-ask"')[1].split(">")[0]
        assert f'data-photo-id="{photo["id"]}"' in ask and "hidden" not in ask
    fatma.post(f"/api/v1/photos/{photo['id']}/consent", json={"show": False})
    answered = fatma.get("/play").get_data(as_text=True)
    assert "hidden" in answered.split('data-testid="consent-ask"')[1].split(">")[0]
    with db.sessions(app)() as s:
        meeting_id = s.get(Photo, photo["id"]).meeting_id  # type: ignore[union-attr]
    meeting_page = omer.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert 'id="consent-ask"' in meeting_page
