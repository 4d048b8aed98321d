"""Story spots: the console adds, imports and deletes them; phones list them; photos there score."""

from __future__ import annotations

import html
import io
import json
import re
from typing import Any

import pytest
from flask import Flask, render_template_string
from flask.testing import FlaskClient

from koppelkiek.db import db
from koppelkiek.game.models import AuditEntry, Round, ScoreEntry, StorySpot
from koppelkiek.game.neighbourhoods import create_neighbourhood
from koppelkiek.game.organisers import create_organiser
from koppelkiek.game.spots import excerpt, spots_near
from tests.helpers import (
    AREZZO,
    HOOGRAVEN,
    ROME_AFTERNOON,
    Clock,
    World,
    arezzo_world,
    csrf_from,
    scored_photo,
)

# DSCN0010.jpg was taken at 43.467448, 11.885127; DSCN0012.jpg some 38 m away.
PIAZZA = {"lat": 43.467448, "lon": 11.885127}
STORY = ("Hier stond tot 1952 de smederij van de familie Rossi. " * 10).strip()


def english(client: FlaskClient) -> FlaskClient:
    client.set_cookie("kk_lang", "en")
    return client


def spots_url(world: World) -> str:
    return f"/organise/neighbourhoods/{world.hood_slug}/spots"


def add(org: FlaskClient, world: World, **fields: Any) -> Any:
    page = org.get(spots_url(world)).get_data(as_text=True)
    data = {"name": "Oude smederij", "story": STORY, "lat": "43.4674", "lon": "11.8851",
            "radius_m": "40", "bonus": "5", "csrf_token": csrf_from(page), **fields}
    return org.post(spots_url(world), data=data)


def stored(app: Flask) -> list[StorySpot]:
    with db.sessions(app)() as s:
        return list(s.query(StorySpot).order_by(StorySpot.id))


def actions(app: Flask) -> list[str]:
    with db.sessions(app)() as s:
        return [a.action for a in s.query(AuditEntry).order_by(AuditEntry.id)]


@pytest.fixture
def arezzo(app: Flask, clock: Clock) -> World:
    return arezzo_world(app, clock)


def test_add_a_spot_and_see_it_on_the_map(arezzo: World) -> None:
    org = english(arezzo.organiser_client())
    res = add(org, arezzo, lat="43,467448", lon="11,885127")  # a decimal comma is fine
    assert res.status_code == 302, res.get_data(as_text=True)
    [spot] = stored(arezzo.app)
    assert (spot.name, spot.lat, spot.lon, spot.radius_m, spot.bonus) == (
        "Oude smederij", 43.467448, 11.885127, 40.0, 5)
    page = org.get(spots_url(arezzo)).get_data(as_text=True)
    assert "Oude smederij" in page and f'data-spot-id="{spot.id}"' in page
    [drawn] = map_spots(page)
    assert drawn == {"id": spot.id, "name": "Oude smederij", "lat": 43.467448,
                     "lon": 11.885127, "radius": 40.0}
    assert actions(arezzo.app)[-1] == "spot_add"
    # The neighbourhood page links here.
    hood_page = org.get(f"/organise/neighbourhoods/{arezzo.hood_slug}").get_data(as_text=True)
    assert spots_url(arezzo) in hood_page


def map_spots(page: str) -> list[dict[str, Any]]:
    """The spots the console's map draws (data-spots, read by console_map.js)."""
    found: list[dict[str, Any]] = json.loads(html.unescape(
        re.search(r'data-spots="([^"]*)"', page).group(1)))  # type: ignore[union-attr]
    return found


def test_the_map_carries_the_boundary_and_a_click_is_just_the_two_fields(
        arezzo: World) -> None:
    org = english(arezzo.organiser_client())
    page = org.get(spots_url(arezzo)).get_data(as_text=True)
    boundary = json.loads(html.unescape(re.search(r'data-boundary="([^"]*)"', page).group(1)))  # type: ignore[union-attr]
    assert boundary["type"] in ("Polygon", "MultiPolygon")
    assert "data-picker" in page and map_spots(page) == []
    assert 'id="lat"' in page and 'id="lon"' in page
    assert re.search(r'src="/static/spots\.[0-9a-f]+\.js"', page)  # hashed (koppelkiek/assets.py)
    # What spots.js fills in from a click on the map, as the form sends it.
    res = add(org, arezzo, lat="43.467448", lon="11.885127")
    assert res.status_code == 302
    [spot] = stored(arezzo.app)
    assert abs(spot.lat - 43.467448) < 1e-6 and abs(spot.lon - 11.885127) < 1e-6


@pytest.mark.parametrize(("fields", "words"), [
    ({"name": "  "}, "a name of 1 to 120 characters"),
    ({"name": "x" * 121}, "a name of 1 to 120 characters"),
    ({"story": "x" * 5001}, "too long (5001 characters)"),
    ({"lat": "noord"}, "not a latitude and longitude"),
    ({"lat": "95", "lon": "11.88"}, "not a latitude and longitude"),
    ({"lat": "52.0760", "lon": "5.1240"}, "outside the neighbourhood"),
    ({"radius_m": "4"}, "between 5 and 500 metres"),
    ({"radius_m": "501"}, "between 5 and 500 metres"),
    ({"radius_m": "veel"}, "between 5 and 500 metres"),
    ({"bonus": "-1"}, "from 0 to 100 points"),
    ({"bonus": "101"}, "from 0 to 100 points"),
    ({"bonus": "2.5"}, "from 0 to 100 points"),
])
def test_each_refusal_has_its_own_message(arezzo: World, fields: dict[str, str],
                                          words: str) -> None:
    org = english(arezzo.organiser_client())
    res = add(org, arezzo, **fields)
    assert res.status_code == 422
    page = res.get_data(as_text=True)
    assert 'class="refusal"' in page and words in page
    assert stored(arezzo.app) == []
    # The form keeps what was typed.
    assert "Hier stond tot 1952" in page or "story" in fields


def test_edges_of_the_ranges_are_allowed(arezzo: World) -> None:
    org = english(arezzo.organiser_client())
    assert add(org, arezzo, name="x" * 120, story="x" * 5000, radius_m="5",
               bonus="0").status_code == 302
    assert add(org, arezzo, name="Groot", story="", radius_m="500",
               bonus="100").status_code == 302
    assert [(s.radius_m, s.bonus) for s in stored(arezzo.app)] == [(5.0, 0), (500.0, 100)]


def test_a_post_without_csrf_token_fails(arezzo: World) -> None:
    org = english(arezzo.organiser_client())
    res = org.post(spots_url(arezzo), data={"name": "X", "lat": "43.4674", "lon": "11.8851",
                                            "radius_m": "40", "bonus": "5"})
    assert res.status_code == 400
    assert stored(arezzo.app) == []


def feature(lon: float, lat: float, **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": props}


def upload(org: FlaskClient, world: World, doc: Any) -> Any:
    page = org.get(spots_url(world)).get_data(as_text=True)
    text = doc if isinstance(doc, str) else json.dumps(doc)
    return org.post(f"{spots_url(world)}/import", data={
        "csrf_token": csrf_from(page), "geojson": (io.BytesIO(text.encode()), "spots.geojson")},
        content_type="multipart/form-data")


def test_import_a_feature_collection(arezzo: World) -> None:
    org = english(arezzo.organiser_client())
    doc = {"type": "FeatureCollection", "features": [
        feature(11.885127, 43.467448, name="Smederij", story=STORY, radius_m=40, bonus=7),
        feature(11.8700, 43.4600, name="Oude school", radius=25),
        feature(11.8800, 43.4700, name="Waterput"),
    ]}
    res = upload(org, arezzo, doc)
    assert res.status_code == 302, res.get_data(as_text=True)
    spots = stored(arezzo.app)
    assert [(s.name, s.radius_m, s.bonus) for s in spots] == [
        ("Smederij", 40.0, 7), ("Oude school", 25.0, 5), ("Waterput", 30.0, 5)]
    assert spots[0].story == STORY
    assert actions(arezzo.app)[-1] == "spot_import"
    page = org.get(spots_url(arezzo)).get_data(as_text=True)
    assert "Waterput" in page


@pytest.mark.parametrize(("bad", "words"), [
    (feature(5.1240, 52.0760, name="Utrecht"), "outside the neighbourhood"),
    (feature(11.87, 43.46, name="Put", bonus=500), "bonus must be"),
    (feature(11.87, 43.46, name="Put", radius_m="groot"), "radius_m"),
    ({"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[11.87, 43.46],
                                                                            [11.88, 43.47]]},
      "properties": {"name": "Straat"}}, "not a Point"),
    (feature(11.87, 43.46), "a name of 1 to"),
])
def test_a_bad_feature_imports_nothing_and_is_named(arezzo: World, bad: dict[str, Any],
                                                    words: str) -> None:
    org = english(arezzo.organiser_client())
    doc = {"type": "FeatureCollection", "features": [
        feature(11.885127, 43.467448, name="Smederij"), feature(11.87, 43.46, name="School"),
        bad]}
    res = upload(org, arezzo, doc)
    assert res.status_code == 422
    page = res.get_data(as_text=True)
    assert "Feature 2" in page and words in page.replace("&#34;", '"').replace("&#39;", "'")
    assert "Nothing was imported" in page
    assert stored(arezzo.app) == []
    assert "spot_import" not in actions(arezzo.app)


@pytest.mark.parametrize(("text", "words"), [
    ("{not json", "not valid JSON"),
    (json.dumps(AREZZO), "FeatureCollection of"),
    (json.dumps({"type": "FeatureCollection", "features": []}), "holds no spots"),
])
def test_a_bad_file_is_refused(arezzo: World, text: str, words: str) -> None:
    org = english(arezzo.organiser_client())
    res = upload(org, arezzo, text)
    assert res.status_code == 422 and words in res.get_data(as_text=True)
    assert stored(arezzo.app) == []


def test_delete_a_spot(arezzo: World) -> None:
    org = english(arezzo.organiser_client())
    add(org, arezzo)
    [spot] = stored(arezzo.app)
    page = org.get(spots_url(arezzo)).get_data(as_text=True)
    url = f"{spots_url(arezzo)}/{spot.id}/delete"
    assert org.post(url).status_code == 400  # no CSRF token
    res = org.post(url, data={"csrf_token": csrf_from(page)})
    assert res.status_code == 302
    assert stored(arezzo.app) == []
    assert actions(arezzo.app)[-1] == "spot_delete"
    assert org.post(url, data={"csrf_token": csrf_from(page)}).status_code == 404


def test_another_organiser_gets_404(arezzo: World) -> None:
    org = english(arezzo.organiser_client())
    add(org, arezzo)
    [spot] = stored(arezzo.app)
    with db.sessions(arezzo.app)() as s:
        other = create_organiser(s, "ander@example.nl", "another long password", arezzo.clock())
        create_neighbourhood(s, name="Lunetten", boundary=json.dumps(HOOGRAVEN),
                             now=arezzo.clock(), organiser=other)
        s.commit()
    intruder = World(arezzo.app, arezzo.clock, organiser_email="ander@example.nl",
                     organiser_password="another long password").organiser_client()
    english(intruder)
    token = csrf_from(intruder.get("/organise/neighbourhoods/lunetten/spots")
                      .get_data(as_text=True))
    assert intruder.get(spots_url(arezzo)).status_code == 404
    assert add(intruder, World(arezzo.app, arezzo.clock, hood_slug="lunetten"),
               lat="52.0760", lon="5.1240").status_code == 302  # their own is fine
    assert intruder.post(spots_url(arezzo), data={
        "csrf_token": token, "name": "X", "lat": "43.4674", "lon": "11.8851",
        "radius_m": "40", "bonus": "5"}).status_code == 404
    assert intruder.post(f"{spots_url(arezzo)}/{spot.id}/delete",
                         data={"csrf_token": token}).status_code == 404
    assert intruder.post(f"{spots_url(arezzo)}/import",
                         data={"csrf_token": token}).status_code == 404
    # Nor can they delete it through their own neighbourhood.
    assert intruder.post(f"/organise/neighbourhoods/lunetten/spots/{spot.id}/delete",
                         data={"csrf_token": token}).status_code == 404
    assert [s.name for s in stored(arezzo.app)] == ["Oude smederij", "Oude smederij"]
    assert arezzo.app.test_client().get(spots_url(arezzo)).status_code == 302  # to the login


def test_api_lists_the_rounds_spots_nearest_first(arezzo: World) -> None:
    org = english(arezzo.organiser_client())
    add(org, arezzo, name="Smederij", lat="43.467448", lon="11.885127")
    add(org, arezzo, name="Oude school", lat="43.4600", lon="11.8700")
    add(org, arezzo, name="Waterput", lat="43.4700", lon="11.8800")
    fatma, _ = arezzo.join("Fatma")
    plain = fatma.get("/api/v1/spots").get_json()
    assert plain["round_id"] == arezzo.round_id
    assert [s["name"] for s in plain["spots"]] == ["Oude school", "Smederij", "Waterput"]
    assert "distance_m" not in plain["spots"][0]
    near = fatma.get("/api/v1/spots?lat=43.4674&lon=11.8851").get_json()["spots"]
    assert [s["name"] for s in near] == ["Smederij", "Waterput", "Oude school"]
    distances = [s["distance_m"] for s in near]
    assert distances == sorted(distances) and distances[0] < 10
    assert [s["inside"] for s in near] == [True, False, False]
    assert near[0]["excerpt"] == excerpt(STORY) and len(near[0]["excerpt"]) <= 200
    assert fatma.get("/api/v1/spots?lat=43.4").status_code == 422
    assert fatma.get("/api/v1/spots?lat=abc&lon=11").get_json()["error"]["code"] == (
        "field_invalid")
    assert arezzo.app.test_client().get("/api/v1/spots").status_code == 401
    # The player page snippet lists them for the phone to fill in.
    with arezzo.app.test_request_context(), db.sessions(arezzo.app)() as s:
        rnd = s.get(Round, arezzo.round_id)
        html = render_template_string('{% include "_spots.html" %}', rnd=rnd)
    assert html.count("data-spot-id=") == 3
    assert re.search(r'src="/static/player_spots\.[0-9a-f]+\.js"', html)
    assert "data-spot-distance" in html and "/api/v1/spots" in html


def test_spots_near_sorts_by_distance() -> None:
    a = StorySpot(id=1, name="a", story="", lat=43.4700, lon=11.8800, radius_m=30, bonus=5)
    b = StorySpot(id=2, name="b", story="", lat=43.4675, lon=11.8851, radius_m=30, bonus=5)
    near = spots_near([a, b], 43.467448, 11.885127)
    assert [n.spot.id for n in near] == [2, 1]
    assert 0 < near[0].distance_m < 10 < near[1].distance_m
    assert excerpt("kort") == "kort"
    long = excerpt("woord " * 100)
    assert len(long) <= 200 and long.endswith("…")


def test_a_photo_at_a_spot_earns_its_bonus_once_and_shows_the_story(
        app: Flask, clock: Clock) -> None:
    world = arezzo_world(app, clock)
    org = english(world.organiser_client())
    res = add(org, world, name="Smederij", lat=str(PIAZZA["lat"]), lon=str(PIAZZA["lon"]),
              radius_m="60", bonus="7")
    assert res.status_code == 302
    [spot] = stored(app)
    clock.now = ROME_AFTERNOON.replace(minute=27)
    fatma, _ = world.join("Fatma")
    omer, _ = world.join("Ömer")
    photo = scored_photo(world, fatma, omer, "DSCN0010.jpg")  # at the smithy
    # 10 first meeting + 2 welcome + 7 spot bonus.
    assert fatma.get("/api/v1/me").get_json()["points"] == 10 + 2 + 7
    assert omer.get("/api/v1/me").get_json()["points"] == 10 + 2 + 7
    clock.now = ROME_AFTERNOON.replace(minute=29, second=30)
    jan, _ = world.join("Jan")
    scored_photo(world, jan, omer, "DSCN0012.jpg")  # 38 m away: the same spot again
    assert jan.get("/api/v1/me").get_json()["points"] == 10 + 7
    # Ömer had this spot's bonus already: only the meeting and the welcome.
    assert omer.get("/api/v1/me").get_json()["points"] == 19 + 10 + 2
    with db.sessions(app)() as s:
        bonuses = s.query(ScoreEntry).filter(ScoreEntry.reason == "story_spot").all()
        assert sorted((e.points, e.spot_id) for e in bonuses) == [(7, spot.id)] * 3
    result = app.test_cli_runner().invoke(args=["check", str(world.round_id)])
    assert result.exit_code == 0, result.output
    # On the wall, after both said yes, with the story's start.
    wall_url = f"/api/v1/rounds/{world.round_id}/photos"
    consent = f"/api/v1/photos/{photo['id']}/consent"
    assert fatma.post(consent, json={"show": True}).status_code == 200
    assert app.test_client().get(wall_url).get_json()["photos"] == []
    assert omer.post(consent, json={"show": True}).status_code == 200
    [item] = app.test_client().get(wall_url).get_json()["photos"]
    assert item["id"] == photo["id"]
    assert item["spot"] == {"id": spot.id, "name": "Smederij", "excerpt": excerpt(STORY)}
    assert 0 < len(item["spot"]["excerpt"]) <= 200 and STORY.startswith(
        item["spot"]["excerpt"].rstrip("…"))


def test_adding_and_deleting_a_spot_rescores_photos_already_taken(
        app: Flask, clock: Clock) -> None:
    world = arezzo_world(app, clock)
    clock.now = ROME_AFTERNOON.replace(minute=27)
    fatma, _ = world.join("Fatma")
    omer, _ = world.join("Ömer")
    scored_photo(world, fatma, omer, "DSCN0010.jpg")
    assert fatma.get("/api/v1/me").get_json()["points"] == 12
    org = english(world.organiser_client())
    add(org, world, name="Smederij", lat=str(PIAZZA["lat"]), lon=str(PIAZZA["lon"]),
        radius_m="60", bonus="7")
    assert fatma.get("/api/v1/me").get_json()["points"] == 19
    [spot] = stored(app)
    page = org.get(spots_url(world)).get_data(as_text=True)
    org.post(f"{spots_url(world)}/{spot.id}/delete", data={"csrf_token": csrf_from(page)})
    assert fatma.get("/api/v1/me").get_json()["points"] == 12
    result = app.test_cli_runner().invoke(args=["check", str(world.round_id)])
    assert result.exit_code == 0, result.output

