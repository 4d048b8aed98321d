"""The organiser console: login, boundary upload, rounds and their states, poster, access."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from koppelkiek.db import db
from koppelkiek.game.models import AuditEntry, Neighbourhood, Round
from tests.helpers import AREZZO, HOOGRAVEN, World, csrf_from


def upload(org: FlaskClient, name: str, boundary: Any, timezone: str = "Europe/Amsterdam") -> Any:
    page = org.get("/organise/neighbourhoods/new").get_data(as_text=True)
    data = boundary if isinstance(boundary, bytes) else json.dumps(boundary).encode()
    return org.post("/organise/neighbourhoods/new", data={
        "name": name, "timezone": timezone, "csrf_token": csrf_from(page),
        "boundary": (io.BytesIO(data), "buurt.geojson")}, content_type="multipart/form-data")


def test_login_logout_and_session_end(world: World) -> None:
    anon = world.app.test_client()
    assert anon.get("/organise/").status_code == 302
    org = world.organiser_client()
    assert org.get("/organise/").status_code == 200
    # A copy of the session cookie, as if stolen, stops working once its owner logs out.
    copy = world.app.test_client()
    cookie = org.get_cookie("session")
    assert cookie is not None
    copy.set_cookie("session", cookie.value)
    assert copy.get("/organise/").status_code == 200
    page = org.get("/organise/").get_data(as_text=True)
    assert org.post("/organise/logout", data={"csrf_token": csrf_from(page)}).status_code == 302
    assert org.get("/organise/").status_code == 302
    assert copy.get("/organise/").status_code == 302


def test_wrong_password_and_rate_limit(world: World) -> None:
    client = world.app.test_client()
    page = client.get("/organise/login").get_data(as_text=True)
    token = csrf_from(page)
    statuses = [
        client.post("/organise/login", data={"email": world.organiser_email,
                                             "password": "wrong", "csrf_token": token}).status_code
        for _ in range(6)
    ]
    assert statuses == [401] * 5 + [429]


def test_post_without_csrf_token_fails(world: World) -> None:
    org = world.organiser_client()
    res = org.post(f"/organise/rounds/{world.round_id}/state", data={"action": "pause"})
    assert res.status_code == 400
    assert 'data-code="csrf_failed"' in res.get_data(as_text=True)
    with db.sessions(world.app)() as s:
        assert s.get(Round, world.round_id).state == "live"  # type: ignore[union-attr]


def test_upload_boundary_shows_outline(world: World) -> None:
    org = world.organiser_client()
    res = upload(org, "Arezzo centro", {"type": "Feature", "properties": {}, "geometry": AREZZO})
    assert res.status_code == 302
    page = org.get(res.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="outline"' in page
    assert "<path d=\"M" in page
    with db.sessions(world.app)() as s:
        hood = s.query(Neighbourhood).filter_by(slug="arezzo-centro").one()
        assert hood.timezone == "Europe/Amsterdam"
        assert s.query(AuditEntry).filter_by(action="neighbourhood_create").count() == 1


BAD_BOUNDARIES: dict[str, tuple[bytes | dict[str, Any], str]] = {
    "not json": (b"{nope", "boundary_not_json"),
    "a point": ({"type": "Point", "coordinates": [5.1, 52.0]}, "boundary_wrong_type"),
    "line in a feature": ({"type": "Feature", "geometry": {"type": "LineString",
                                                          "coordinates": [[5, 52], [5.1, 52]]}},
                          "boundary_wrong_type"),
    "empty collection": ({"type": "FeatureCollection", "features": []}, "boundary_empty"),
    "strings": ({"type": "Polygon", "coordinates": [[["a", "b"]]]}, "boundary_bad_coordinates"),
    "RD coordinates": ({"type": "Polygon", "coordinates": [[[136000, 455000], [137000, 455000],
                                                            [137000, 456000], [136000, 455000]]]},
                       "boundary_out_of_range"),
    "open ring": ({"type": "Polygon", "coordinates": [[[5.115, 52.072], [5.133, 52.072],
                                                       [5.133, 52.08], [5.115, 52.08]]]},
                  "boundary_not_closed"),
    "two points": ({"type": "Polygon", "coordinates": [[[5.115, 52.072], [5.115, 52.072]]]},
                   "boundary_too_few_points"),
    "bow tie": ({"type": "Polygon", "coordinates": [[[5.115, 52.072], [5.133, 52.08],
                                                     [5.133, 52.072], [5.115, 52.08],
                                                     [5.115, 52.072]]]},
                "boundary_self_intersecting"),
    "a doormat": ({"type": "Polygon", "coordinates": [[[5.115, 52.072], [5.1151, 52.072],
                                                       [5.1151, 52.0721], [5.115, 52.0721],
                                                       [5.115, 52.072]]]}, "boundary_too_small"),
    "a country": ({"type": "Polygon", "coordinates": [[[3.3, 50.7], [7.2, 50.7], [7.2, 53.6],
                                                       [3.3, 53.6], [3.3, 50.7]]]},
                  "boundary_too_large"),
}


@pytest.mark.parametrize("case", list(BAD_BOUNDARIES))
def test_each_boundary_mistake_has_its_own_message(world: World, case: str) -> None:
    boundary, code = BAD_BOUNDARIES[case]
    org = world.organiser_client()
    res = upload(org, "Foute buurt", boundary)
    assert res.status_code == 422
    html = res.get_data(as_text=True)
    assert f'data-code="{code}"' in html
    with db.sessions(world.app)() as s:
        assert s.query(Neighbourhood).filter_by(name="Foute buurt").count() == 0


def test_unknown_timezone(world: World) -> None:
    res = upload(world.organiser_client(), "Buurt", HOOGRAVEN, timezone="Mars/Olympus")
    assert res.status_code == 422
    assert 'data-code="timezone_unknown"' in res.get_data(as_text=True)


def test_create_round_start_pause_end_and_poster(world: World) -> None:
    org = world.organiser_client()
    page = org.get(f"/organise/neighbourhoods/{world.hood_slug}").get_data(as_text=True)
    res = org.post(f"/organise/neighbourhoods/{world.hood_slug}/rounds", data={
        "name": "Najaarsronde", "starts": "2026-06-13T15:00", "ends": "2026-06-13T18:00",
        "meeting_minutes": "20", "moderation_mode": "pre", "leaderboard": "visible",
        "require_location": "y", "csrf_token": csrf_from(page)})
    assert res.status_code == 302, res.get_data(as_text=True)
    round_url = res.headers["Location"]
    round_id = int(round_url.rstrip("/").split("/")[-1])
    with db.sessions(world.app)() as s:
        rnd = s.get(Round, round_id)
        assert rnd is not None
        assert rnd.state == "draft" and rnd.meeting_minutes == 20 and rnd.moderation_mode == "pre"
        # 15:00 in Amsterdam summer time is 13:00 UTC.
        assert rnd.starts_at.hour == 13 and rnd.points_first_meeting == 10
    for action, state in [("start", "live"), ("pause", "paused"), ("start", "live"),
                          ("end", "ended")]:
        page = org.get(round_url).get_data(as_text=True)
        res = org.post(f"/organise/rounds/{round_id}/state",
                       data={"action": action, "csrf_token": csrf_from(page)})
        assert res.status_code == 302
        assert f'data-testid="round-state">{ {"live": "bezig", "paused": "gepauzeerd", "ended": "afgelopen"}[state] }' in org.get(round_url).get_data(as_text=True)  # noqa: E501
    page = org.get(round_url).get_data(as_text=True)
    again = org.post(f"/organise/rounds/{round_id}/state",
                     data={"action": "start", "csrf_token": csrf_from(page)})
    assert again.status_code == 409
    poster = org.get(f"/organise/rounds/{round_id}/poster", headers={"Accept-Language": "en"})
    html = poster.get_data(as_text=True)
    assert poster.status_code == 200
    assert "Najaarsronde" in html and "<svg" in html
    assert "Scan de QR-code met de camera van je telefoon" in html  # always Dutch


def test_round_with_end_before_start(world: World) -> None:
    org = world.organiser_client()
    page = org.get(f"/organise/neighbourhoods/{world.hood_slug}").get_data(as_text=True)
    res = org.post(f"/organise/neighbourhoods/{world.hood_slug}/rounds", data={
        "name": "Achterstevoren", "starts": "2026-06-13T18:00", "ends": "2026-06-13T15:00",
        "csrf_token": csrf_from(page)})
    assert res.status_code == 422
    assert 'data-code="round_ends_before_start"' in res.get_data(as_text=True)


def test_rules_can_be_changed_and_are_audited(world: World) -> None:
    org = world.organiser_client()
    url = f"/organise/rounds/{world.round_id}"
    page = org.get(url).get_data(as_text=True)
    res = org.post(f"{url}/rules", data={
        "name": "Zomerronde", "starts": "2026-06-13T14:50", "ends": "2026-06-13T18:00",
        "points_first_meeting": "12", "moderation_mode": "post", "leaderboard": "hidden",
        "csrf_token": csrf_from(page)})
    assert res.status_code == 302
    with db.sessions(world.app)() as s:
        rnd = s.get(Round, world.round_id)
        assert rnd is not None and rnd.points_first_meeting == 12 and rnd.leaderboard == "hidden"
        entry = s.query(AuditEntry).filter_by(action="round_rules").one()
        assert json.loads(entry.detail)["changed"]["points_first_meeting"] == [10, 12]


def test_an_organiser_sees_only_their_own_neighbourhoods(app, clock) -> None:  # type: ignore[no-untyped-def]
    mine = World(app, clock).seed()
    theirs = World(app, clock, organiser_email="b@example.nl").seed()
    org = mine.organiser_client()
    assert org.get(f"/organise/rounds/{mine.round_id}").status_code == 200
    for url in (f"/organise/rounds/{theirs.round_id}",
                f"/organise/rounds/{theirs.round_id}/poster",
                f"/organise/neighbourhoods/{theirs.hood_slug}"):
        assert org.get(url).status_code == 404
    page = org.get(f"/organise/rounds/{mine.round_id}").get_data(as_text=True)
    res = org.post(f"/organise/rounds/{theirs.round_id}/state",
                   data={"action": "pause", "csrf_token": csrf_from(page)})
    assert res.status_code == 404


def test_audit_log_is_visible_and_sessions_expire(world: World) -> None:
    org = world.organiser_client()
    page = org.get(f"/organise/rounds/{world.round_id}").get_data(as_text=True)
    org.post(f"/organise/rounds/{world.round_id}/state",
             data={"action": "pause", "csrf_token": csrf_from(page)})
    log = org.get("/organise/audit").get_data(as_text=True)
    assert "round_pause" in log and world.organiser_email in log
    world.app.config["ORGANISER_SESSION_HOURS"] = 0
    assert org.get("/organise/").status_code == 302
