"""Points and the live leaderboard through HTTP and Socket.IO; consent and the public wall."""

from __future__ import annotations

from flask.testing import FlaskClient

from koppelkiek.db import db
from koppelkiek.game.models import Round, Standing
from koppelkiek.realtime import socketio
from tests.helpers import ROME_AFTERNOON, World, arezzo_world, csrf_from, received, scored_photo


def test_points_ranks_and_teams(app, clock) -> None:  # type: ignore[no-untyped-def]
    world = arezzo_world(app, clock)
    clock.now = ROME_AFTERNOON.replace(minute=27)
    fatma, _ = world.join("Fatma", team="Everstraat")
    omer, _ = world.join("Ömer", team="Marijkeweg")
    jan, _ = world.join("Jan", team="Everstraat")
    world.join("Sanne")
    scored_photo(world, fatma, omer, "DSCN0010.jpg")  # 16:28:39
    url = f"/api/v1/rounds/{world.round_id}/standings"
    board = world.app.test_client().get(url).get_json()
    rows = [(r["rank"], r["display_name"], r["points"], r["meetings"]) for r in board["standings"]]
    # 10 first meeting + 3 across teams + 2 welcome each; equal points and time: join order.
    assert rows == [(1, "Fatma", 15, 1), (2, "Ömer", 15, 1), (3, "Jan", 0, 0),
                    (4, "Sanne", 0, 0)]
    assert [(t["team"], t["points"], t["members"]) for t in board["teams"]] == [
        ("Everstraat", 15, 2), ("Marijkeweg", 15, 1)]
    clock.now = ROME_AFTERNOON.replace(minute=29, second=30)
    scored_photo(world, jan, omer, "DSCN0012.jpg")  # 16:29:49; Jan is new, Ömer welcomes him
    me = jan.get("/api/v1/me").get_json()
    assert (me["points"], me["rank"], me["meetings"]) == (13, 3, 1)
    assert omer.get("/api/v1/me").get_json()["points"] == 15 + 13 + 2
    board = jan.get(f"/api/v1/rounds/{world.round_id}/standings").get_json()
    assert [r["display_name"] for r in board["standings"]] == ["Ömer", "Fatma", "Jan", "Sanne"]
    assert [(t["team"], t["points"]) for t in board["teams"]] == [
        ("Marijkeweg", 30), ("Everstraat", 28)]
    assert board["seq"] == 7  # start, four joins and two photos
    result = world.app.test_cli_runner().invoke(args=["check", str(world.round_id)])
    assert result.exit_code == 0, result.output


def test_check_fails_on_a_difference_and_rescore_applies_new_rules(app, clock) -> None:  # type: ignore[no-untyped-def]
    world = arezzo_world(app, clock)
    fatma, _ = world.join("Fatma")
    omer, _ = world.join("Ömer")
    scored_photo(world, fatma, omer, "DSCN0010.jpg")
    with db.sessions(app)() as s:
        rnd = s.get(Round, world.round_id)
        assert rnd is not None
        rnd.points_first_meeting = 20
        s.commit()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["check", str(world.round_id)]).exit_code == 1
    assert runner.invoke(args=["round", "rescore", str(world.round_id)]).exit_code == 0
    assert runner.invoke(args=["check", str(world.round_id)]).exit_code == 0
    assert fatma.get("/api/v1/me").get_json()["points"] == 22
    with db.sessions(app)() as s:
        s.query(Standing).filter_by(points=22).first().points = 99  # type: ignore[union-attr]
        s.commit()
    failed = runner.invoke(args=["check", str(world.round_id)])
    assert failed.exit_code == 1 and "standing 99, ledger 22, replay 22" in failed.output


def test_live_deltas_follow_the_snapshot(app, clock) -> None:  # type: ignore[no-untyped-def]
    world = arezzo_world(app, clock)
    fatma, body = world.join("Fatma")
    omer, _ = world.join("Ömer")
    screen = socketio.test_client(app)
    screen.emit("watch", {"round_id": world.round_id, "since_seq": 0})
    snap = received(screen, "snapshot")[0]
    assert snap["seq"] == 3 and [r["points"] for r in snap["standings"]] == [0, 0]  # start, 2 joins
    world.join("Jan")  # a newcomer is a change of the board too
    joined = received(screen, "standings")
    assert [(d["seq"], [r["display_name"] for r in d["changed"]]) for d in joined] == [
        (4, ["Jan"])]
    snap = {"seq": 4}
    scored_photo(world, fatma, omer, "DSCN0010.jpg")
    events = screen.get_received()
    deltas = [e["args"][0] for e in events if e["name"] == "standings"]
    assert len(deltas) == 1
    delta = deltas[0]
    assert delta["seq"] == snap["seq"] + 1
    assert {r["display_name"]: r["points"] for r in delta["changed"]} == {"Fatma": 12,
                                                                         "Ömer": 12}
    assert delta["scored"]["names"] == ["Fatma", "Ömer"] and delta["scored"]["points"] == 12
    assert [r["display_name"] for r in delta["top"]] == ["Fatma", "Ömer", "Jan"]
    # A client that missed something watches again with its last seq and gets what it missed
    # (tests/web/test_read_side.py); one that names no seq gets a full snapshot.
    screen.emit("watch", {"round_id": world.round_id, "since_seq": snap["seq"]})
    assert received(screen, "standings") == [delta]
    screen.emit("watch", {"round_id": world.round_id})
    again = received(screen, "snapshot")[0]
    assert again["seq"] == delta["seq"] and again["standings"][0]["points"] == 12
    # Private notices stayed private.
    assert [e["name"] for e in events if e["name"] == "notice"] == []
    assert body["player"]["display_name"] == "Fatma"


def test_hidden_leaderboard_shows_only_to_organisers(app, clock) -> None:  # type: ignore[no-untyped-def]
    world = arezzo_world(app, clock, leaderboard="hidden")
    fatma, _ = world.join("Fatma")
    omer, _ = world.join("Ömer")
    screen = socketio.test_client(app)
    screen.emit("watch", {"round_id": world.round_id, "since_seq": 0})
    assert received(screen, "snapshot")[0]["hidden"] is True
    scored_photo(world, fatma, omer, "DSCN0010.jpg")
    delta = received(screen, "standings")[0]
    assert delta["hidden"] is True and delta["changed"] == [] and delta["scored"] == {}
    public = app.test_client().get(f"/api/v1/rounds/{world.round_id}/standings").get_json()
    assert public["standings"] == [] and public["reveal_at"] == "2008-10-22T17:28:00+00:00"
    me = fatma.get("/api/v1/me").get_json()
    assert me["points"] == 12 and me["rank"] is None
    org = world.organiser_client()
    full = org.get(f"/api/v1/rounds/{world.round_id}/standings").get_json()
    assert [r["points"] for r in full["standings"]] == [12, 12]


def test_consent_both_yes_then_withdrawn(app, clock) -> None:  # type: ignore[no-untyped-def]
    world = arezzo_world(app, clock)
    fatma, _ = world.join("Fatma")
    omer, _ = world.join("Ömer")
    photo = scored_photo(world, fatma, omer, "DSCN0010.jpg")
    screen = socketio.test_client(app)
    screen.emit("watch", {"round_id": world.round_id, "since_seq": 0})
    assert received(screen, "snapshot")[0]["photos"] == []
    wall_url = f"/api/v1/rounds/{world.round_id}/photos"
    consent = f"/api/v1/photos/{photo['id']}/consent"
    assert fatma.post(consent, json={"show": True}).status_code == 200
    assert app.test_client().get(wall_url).get_json()["photos"] == []
    assert received(screen, "photo") == []
    assert app.test_client().get(photo["display_url"]).status_code == 404
    res = omer.post(consent, json={"show": True})
    assert res.status_code == 200 and res.get_json()["photo"]["on_wall"] is True
    shown = received(screen, "photo")
    assert [(p["on_wall"], p["id"], p["names"]) for p in shown] == [
        (True, photo["id"], ["Fatma", "Ömer"])]
    wall = app.test_client().get(wall_url).get_json()["photos"]
    assert [p["id"] for p in wall] == [photo["id"]]
    public = app.test_client().get(photo["display_url"])
    assert public.status_code == 200 and public.headers["Cache-Control"].startswith("public")
    assert omer.post(consent, json={"show": False}).status_code == 200
    gone = received(screen, "photo")
    assert [(p["on_wall"], p["id"]) for p in gone] == [(False, photo["id"])]
    assert gone[0]["seq"] == shown[0]["seq"] + 1
    assert app.test_client().get(wall_url).get_json()["photos"] == []
    # Points never depend on consent.
    assert fatma.get("/api/v1/me").get_json()["points"] == 12
    stranger, _ = world.join("Jan")
    assert stranger.post(consent, json={"show": True}).status_code == 404
    assert fatma.post(consent, json={"show": "misschien"}).status_code == 422


def test_standings_of_a_draft_round_are_not_public(app, clock) -> None:  # type: ignore[no-untyped-def]
    world = World(app, clock).seed(state="draft")
    assert app.test_client().get(f"/api/v1/rounds/{world.round_id}/standings").status_code == 404
    org = world.organiser_client()
    assert org.get(f"/api/v1/rounds/{world.round_id}/standings").status_code == 200
    page = org.get("/organise/").get_data(as_text=True)
    assert csrf_from(page)


def _save_rules(world: World, org: FlaskClient, **fields: str) -> None:
    url = f"/organise/rounds/{world.round_id}"
    page = org.get(url).get_data(as_text=True)
    data = {"name": "Zomerronde", "starts": "2008-10-22T16:10", "ends": "2008-10-22T19:20",
            "moderation_mode": "post", "leaderboard": "visible", "require_location": "y",
            "csrf_token": csrf_from(page), **fields}
    assert org.post(f"{url}/rules", data=data).status_code == 302


def test_console_freezes_hides_and_rescores_live(app, clock) -> None:  # type: ignore[no-untyped-def]
    world = arezzo_world(app, clock)
    fatma, _ = world.join("Fatma")
    omer, _ = world.join("Ömer")
    jan, _ = world.join("Jan")
    scored_photo(world, fatma, omer, "DSCN0010.jpg")
    org = world.organiser_client()
    screen = socketio.test_client(app)
    screen.emit("watch", {"round_id": world.round_id, "since_seq": 0})
    seq = received(screen, "snapshot")[0]["seq"]
    _save_rules(world, org, leaderboard="frozen")
    frozen = received(screen, "standings")
    assert [d["seq"] for d in frozen] == [seq + 1]
    scored_photo(world, jan, omer, "DSCN0012.jpg")
    public = app.test_client().get(f"/api/v1/rounds/{world.round_id}/standings").get_json()
    assert public["frozen"] is True
    assert [r["points"] for r in public["standings"]] == [12, 12, 0]  # as it was when frozen
    # Changing the numbers rescores at once, through compensating entries.
    _save_rules(world, org, leaderboard="visible", points_first_meeting="20")
    board = app.test_client().get(f"/api/v1/rounds/{world.round_id}/standings").get_json()
    assert {r["display_name"]: r["points"] for r in board["standings"]} == {
        "Ömer": 44, "Fatma": 22, "Jan": 20}
    assert app.test_cli_runner().invoke(args=["check", str(world.round_id)]).exit_code == 0
