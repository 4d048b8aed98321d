"""The organiser's own words in several languages (issue 16, item 3): round names and story spots
carry translations from the console; phones get the resident's language, falling back to the
original; the screen gets every chosen language; the poster is printed in one or two."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from koppelkiek import organise
from koppelkiek.db import db
from koppelkiek.game.models import AuditEntry, Round, StorySpot
from koppelkiek.game.spots import excerpt
from koppelkiek.realtime import socketio
from tests.helpers import ROME_AFTERNOON, Clock, World, arezzo_world, csrf_from, scored_photo

STORY_NL = "Hier stond tot 1952 de smederij van de familie Rossi."
STORY_EN = "Until 1952 the smithy of the Rossi family stood here."
PIAZZA = {"lat": "43.467448", "lon": "11.885127"}  # where DSCN0010.jpg was taken


def speaking(client: FlaskClient, lang: str) -> FlaskClient:
    client.set_cookie("kk_lang", lang)
    return client


def round_url(world: World) -> str:
    return f"/organise/rounds/{world.round_id}"


def save_round(org: FlaskClient, world: World, **fields: Any) -> Any:
    """The round form as the console sends it, with the round's own values unless given."""
    page = org.get(round_url(world)).get_data(as_text=True)
    data: dict[str, Any] = {
        "name": "Zomerronde", "starts": "2026-06-13T14:00", "ends": "2026-06-13T19:00",
        "moderation_mode": "post", "browser_only_photos": "accept", "leaderboard": "visible",
        "require_location": "y", "screen_seconds": "15", "csrf_token": csrf_from(page),
    }
    data.update(fields)
    return org.post(f"{round_url(world)}/rules", data=data)


def the_round(app: Flask, world: World) -> Round:
    with db.sessions(app)() as s:
        rnd = s.get(Round, world.round_id)
        assert rnd is not None
        s.expunge(rnd)
        return rnd


def spots(app: Flask) -> list[StorySpot]:
    with db.sessions(app)() as s:
        found = list(s.query(StorySpot).order_by(StorySpot.id))
        for spot in found:
            s.expunge(spot)
        return found


def add_spot(org: FlaskClient, world: World, **fields: str) -> Any:
    url = f"/organise/neighbourhoods/{world.hood_slug}/spots"
    page = org.get(url).get_data(as_text=True)
    return org.post(url, data={"name": "Oude smederij", "story": STORY_NL, **PIAZZA,
                               "radius_m": "60", "bonus": "5", "csrf_token": csrf_from(page),
                               **fields})


def test_the_round_form_saves_a_translated_name_and_the_screen_languages(
        world: World) -> None:
    org = world.organiser_client()
    page = org.get(round_url(world)).get_data(as_text=True)
    # The console offers the languages other than the neighbourhood's own, in their own names.
    assert 'name="name_en"' in page and 'name="name_nl"' not in page
    assert "English" in page and 'value="nl"' in page and 'value="en"' in page
    res = save_round(org, world, name_en="  Summer   round ", screen_languages=["nl", "en"],
                     screen_seconds="8")
    assert res.status_code == 302, res.get_data(as_text=True)
    rnd = the_round(world.app, world)
    assert rnd.name == "Zomerronde"
    assert rnd.words == {"en": {"name": "Summer round"}}  # cleaned as the name is
    assert (rnd.screen_languages, rnd.screen_seconds) == ("nl,en", 8)
    page = org.get(round_url(world)).get_data(as_text=True)
    assert 'value="Summer round"' in page
    with db.sessions(world.app)() as s:
        assert s.query(AuditEntry).order_by(AuditEntry.id.desc()).first().action == "round_words"
    # A blank field takes the translation away again.
    assert save_round(org, world, name_en=" ").status_code == 302
    rnd = the_round(world.app, world)
    assert rnd.words is None and rnd.screen_languages == ""


def test_a_new_round_gets_its_translation_from_the_same_form(world: World) -> None:
    org = world.organiser_client()
    page = org.get(f"/organise/neighbourhoods/{world.hood_slug}").get_data(as_text=True)
    assert 'name="name_en"' in page
    res = org.post(f"/organise/neighbourhoods/{world.hood_slug}/rounds", data={
        "name": "Najaarsronde", "name_en": "Autumn round", "starts": "2026-10-13T15:00",
        "ends": "2026-10-13T18:00", "leaderboard": "visible", "screen_languages": "en",
        "csrf_token": csrf_from(page)})
    assert res.status_code == 302, res.get_data(as_text=True)
    round_id = int(res.headers["Location"].rstrip("/").split("/")[-1])
    with db.sessions(world.app)() as s:
        rnd = s.get(Round, round_id)
        assert rnd is not None
        assert (rnd.words, rnd.screen_languages) == ({"en": {"name": "Autumn round"}}, "en")


@pytest.mark.parametrize(("fields", "code"), [
    ({"name_en": "x" * 121}, "round_name_invalid"),
    ({"screen_languages": ["nl", "xx"]}, "language_unknown"),
    ({"screen_seconds": "2"}, "rule_out_of_range"),
    ({"screen_seconds": "601"}, "rule_out_of_range"),
])
def test_a_bad_translation_or_screen_setting_is_refused_and_nothing_changes(
        world: World, fields: dict[str, Any], code: str) -> None:
    org = speaking(world.organiser_client(), "en")
    res = save_round(org, world, name="Nieuwe naam", **fields)
    assert res.status_code == 422
    assert f'data-code="{code}"' in res.get_data(as_text=True)
    rnd = the_round(world.app, world)
    assert (rnd.name, rnd.words, rnd.screen_languages, rnd.screen_seconds) == (
        "Zomerronde", None, "", 15)


def test_phones_see_the_round_in_their_language_and_the_original_otherwise(
        world: World) -> None:
    org = world.organiser_client()
    assert save_round(org, world, name_en="Summer round").status_code == 302
    dutch, _ = world.join("Fatma")
    english, _ = world.join("Ömer")
    speaking(english, "en")
    assert english.get("/api/v1/me").get_json()["round"]["name"] == "Summer round"
    assert dutch.get("/api/v1/me").get_json()["round"]["name"] == "Zomerronde"
    english_page = english.get("/play").get_data(as_text=True)
    assert "Summer round" in english_page and "Zomerronde" not in english_page
    assert "Zomerronde" in dutch.get("/play").get_data(as_text=True)
    join_page = speaking(world.app.test_client(), "en").get(f"/r/{world.join_code}")
    assert "Join <bdi>Summer round</bdi>" in join_page.get_data(as_text=True)
    # A language without a translation falls back to the organiser's words.
    assert save_round(org, world, name_en="").status_code == 302
    assert english.get("/api/v1/me").get_json()["round"]["name"] == "Zomerronde"


def test_a_phones_snapshot_names_the_round_in_the_players_language(world: World) -> None:
    assert save_round(world.organiser_client(), world, name_en="Summer round").status_code == 302
    english = speaking(world.app.test_client(), "en")
    body = english.post("/api/v1/join", json={"join_code": world.join_code,
                                              "display_name": "Jan"}).get_json()
    english.set_cookie("kk_player", body["token"])
    english.delete_cookie("kk_lang")  # the player's own language, chosen when joining
    names = {}
    for who, flask_client in (("en", english), ("screen", world.app.test_client())):
        sock = socketio.test_client(world.app, flask_test_client=flask_client)
        sock.emit("watch", {"round_id": world.round_id,
                            **({"view": "phone"} if who == "en" else {})})
        [snap] = [e["args"][0] for e in sock.get_received() if e["name"] == "snapshot"]
        names[who] = snap["round"]["name"]
        sock.disconnect()
    assert names == {"en": "Summer round", "screen": "Zomerronde"}


def test_a_spot_carries_its_translation_to_phones(arezzo: World) -> None:
    org = arezzo.organiser_client()
    page = org.get(f"/organise/neighbourhoods/{arezzo.hood_slug}/spots").get_data(as_text=True)
    assert 'name="name_en"' in page and 'name="story_en"' in page
    res = add_spot(org, arezzo, name_en="Old smithy", story_en=STORY_EN)
    assert res.status_code == 302, res.get_data(as_text=True)
    add_spot(org, arezzo, name="Waterput", lat="43.4700", lon="11.8800")  # not translated
    [smithy, well] = spots(arezzo.app)
    assert smithy.words == {"en": {"name": "Old smithy", "story": STORY_EN}}
    assert well.words is None
    dutch, _ = arezzo.join("Fatma")
    english, _ = arezzo.join("Ömer")
    speaking(english, "en")
    listed = {s["id"]: s for s in english.get("/api/v1/spots").get_json()["spots"]}
    assert (listed[smithy.id]["name"], listed[smithy.id]["story"],
            listed[smithy.id]["excerpt"]) == ("Old smithy", STORY_EN, STORY_EN)
    assert listed[well.id]["name"] == "Waterput"  # the original where there is none
    assert [s["name"] for s in dutch.get("/api/v1/spots").get_json()["spots"]] == [
        "Oude smederij", "Waterput"]
    english_page = english.get("/play").get_data(as_text=True)
    assert "Old smithy" in english_page and STORY_EN in english_page
    assert "Oude smederij" not in english_page
    assert "Oude smederij" in dutch.get("/play").get_data(as_text=True)


def test_an_existing_spot_gets_its_translations_and_a_bad_one_changes_nothing(
        arezzo: World) -> None:
    org = speaking(arezzo.organiser_client(), "en")
    assert add_spot(org, arezzo).status_code == 302
    [spot] = spots(arezzo.app)
    url = f"/organise/neighbourhoods/{arezzo.hood_slug}/spots/{spot.id}/words"
    page = org.get(f"/organise/neighbourhoods/{arezzo.hood_slug}/spots").get_data(as_text=True)
    token = csrf_from(page)
    res = org.post(url, data={"name_en": "Old smithy", "story_en": "x" * 5001,
                              "csrf_token": token})
    assert res.status_code == 422
    assert "English: The story is too long" in res.get_data(as_text=True)
    assert spots(arezzo.app)[0].words is None
    res = org.post(url, data={"name_en": "Old smithy", "story_en": STORY_EN, "csrf_token": token})
    assert res.status_code == 302
    assert spots(arezzo.app)[0].words == {"en": {"name": "Old smithy", "story": STORY_EN}}
    page = org.get(f"/organise/neighbourhoods/{arezzo.hood_slug}/spots").get_data(as_text=True)
    assert 'value="Old smithy"' in page and STORY_EN in page
    # The neighbourhood's own language is not a translation; no token, no change.
    assert org.post(url, data={"name_nl": "Smidse", "csrf_token": token}).status_code == 422
    assert org.post(url, data={"name_en": "Forge"}).status_code == 400
    assert spots(arezzo.app)[0].words == {"en": {"name": "Old smithy", "story": STORY_EN}}


def import_file(org: FlaskClient, world: World, features: list[dict[str, Any]]) -> Any:
    url = f"/organise/neighbourhoods/{world.hood_slug}/spots"
    page = org.get(url).get_data(as_text=True)
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
         "properties": props} for lon, lat, props in features]}
    return org.post(f"{url}/import", data={
        "csrf_token": csrf_from(page),
        "geojson": (io.BytesIO(json.dumps(doc).encode()), "spots.geojson")},
        content_type="multipart/form-data")


def test_imported_spots_bring_their_translations(arezzo: World) -> None:
    org = speaking(arezzo.organiser_client(), "en")
    bad = import_file(org, arezzo, [
        (11.885127, 43.467448, {"name": "Smederij", "name_en": "Smithy"}),
        (11.8800, 43.4700, {"name": "Waterput", "story_en": ["not", "text"]})])
    assert bad.status_code == 422 and "story_en" in bad.get_data(as_text=True)
    too_long = import_file(org, arezzo, [(11.8800, 43.4700, {"name": "Put",
                                                             "name_en": "x" * 121})])
    assert too_long.status_code == 422 and "Feature 0" in too_long.get_data(as_text=True)
    assert spots(arezzo.app) == []
    res = import_file(org, arezzo, [
        (11.885127, 43.467448, {"name": "Smederij", "story": STORY_NL, "name_en": "Smithy",
                                "story_en": STORY_EN, "name_xx": "ignored"}),
        (11.8800, 43.4700, {"name": "Waterput"})])
    assert res.status_code == 302, res.get_data(as_text=True)
    assert [spot.words for spot in spots(arezzo.app)] == [
        {"en": {"name": "Smithy", "story": STORY_EN}}, None]


def test_a_bad_translation_on_the_new_spot_form_adds_nothing(arezzo: World) -> None:
    org = speaking(arezzo.organiser_client(), "en")
    res = add_spot(org, arezzo, name_en="x" * 121)
    assert res.status_code == 422
    assert "English: Give the story spot a name" in res.get_data(as_text=True)
    assert spots(arezzo.app) == []


def test_the_wall_names_the_spot_in_the_askers_language(app: Flask, clock: Clock) -> None:
    world = arezzo_world(app, clock)
    org = world.organiser_client()
    assert add_spot(org, world, name_en="Old smithy", story_en=STORY_EN).status_code == 302
    [spot] = spots(app)
    clock.now = ROME_AFTERNOON.replace(minute=27)
    fatma, _ = world.join("Fatma")
    omer, _ = world.join("Ömer")
    photo = scored_photo(world, fatma, omer, "DSCN0010.jpg")
    for phone in (fatma, omer):
        assert phone.post(f"/api/v1/photos/{photo['id']}/consent",
                          json={"show": True}).status_code == 200
    wall_url = f"/api/v1/rounds/{world.round_id}/photos"
    [dutch] = speaking(app.test_client(), "nl").get(wall_url).get_json()["photos"]
    [english] = speaking(app.test_client(), "en").get(wall_url).get_json()["photos"]
    assert dutch["spot"] == {"id": spot.id, "name": "Oude smederij", "excerpt": excerpt(STORY_NL)}
    assert english["spot"] == {"id": spot.id, "name": "Old smithy", "excerpt": STORY_EN}


def screen_words(html: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="screen-languages">(.*?)</script>',
                      html, re.S)
    assert found, "the screen page carries no languages"
    words: dict[str, Any] = json.loads(found.group(1))
    return words


def test_the_screen_page_carries_every_chosen_language(arezzo: World) -> None:
    org = arezzo.organiser_client()
    assert add_spot(org, arezzo, name_en="Old smithy", story_en=STORY_EN).status_code == 302
    [spot] = spots(arezzo.app)
    page = org.get(f"/organise/rounds/{arezzo.round_id}").get_data(as_text=True)
    res = org.post(f"/organise/rounds/{arezzo.round_id}/rules", data={
        "name": "Zomerronde", "name_en": "Summer round", "starts": "2026-06-13T14:00",
        "ends": "2026-06-13T19:00", "leaderboard": "visible", "require_location": "y",
        "screen_languages": ["en", "nl"], "screen_seconds": "6", "csrf_token": csrf_from(page)})
    assert res.status_code == 302, res.get_data(as_text=True)
    html = arezzo.app.test_client().get(f"/screen/{arezzo.round_id}").get_data(as_text=True)
    words = screen_words(html)
    assert words["languages"] == ["nl", "en"] and words["seconds"] == 6
    assert words["texts"]["nl"]["round-name"] == "Zomerronde"
    assert words["texts"]["en"]["round-name"] == "Summer round"
    assert (words["texts"]["nl"]["leaderboard"], words["texts"]["en"]["leaderboard"]) == (
        "Stand", "Leaderboard")
    assert words["messages"]["en"]["hidden"] == "Scores are revealed at __TIME__"
    assert words["spots"][str(spot.id)] == {
        "nl": {"name": "Oude smederij", "excerpt": excerpt(STORY_NL)},
        "en": {"name": "Old smithy", "excerpt": STORY_EN}}
    assert 'data-kk-text="leaderboard"' in html and re.search(
        r'src="/static/screen_languages\.[0-9a-f]+\.js"', html)
    # Without a setting the screen speaks its own language, and nothing alternates.
    save = org.post(f"/organise/rounds/{arezzo.round_id}/rules", data={
        "name": "Zomerronde", "starts": "2026-06-13T14:00", "ends": "2026-06-13T19:00",
        "leaderboard": "visible", "csrf_token": csrf_from(page)})
    assert save.status_code == 302
    own = speaking(arezzo.app.test_client(), "en").get(f"/screen/{arezzo.round_id}")
    assert screen_words(own.get_data(as_text=True))["languages"] == ["en"]


def test_the_poster_in_one_language_or_two(world: World) -> None:
    org = world.organiser_client()
    assert save_round(org, world, name_en="Summer round").status_code == 302
    poster = f"/organise/rounds/{world.round_id}/poster"
    dutch = org.get(poster, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="nl" dir="ltr">' in dutch  # the street's language, not the browser's
    assert "Scan de QR-code" in dutch and "Zomerronde" in dutch and "Summer round" not in dutch
    english = org.get(f"{poster}?lang=en").get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in english
    assert "Scan the QR code" in english and "Summer round" in english
    assert "Zomerronde" not in english and "Scan de QR-code" not in english
    both = org.get(f"{poster}?lang=nl&also=en").get_data(as_text=True)
    assert 'class="poster bilingual"' in both
    nl_block = both.index('data-testid="poster-words-nl"')
    en_block = both.index('data-testid="poster-words-en"')
    assert nl_block < en_block
    assert both.index("Scan de QR-code") < en_block < both.index("Scan the QR code")
    assert '<h2 lang="nl" dir="ltr">Zomerronde</h2>' in both
    assert '<h2 lang="en" dir="ltr">Summer round</h2>' in both
    assert both.count("<svg") == 1  # one QR code for both
    for bad in ("?lang=xx", "?lang=nl&also=xx"):
        res = org.get(poster + bad, headers={"Accept": "application/json"})
        assert res.status_code == 422 and res.get_json()["error"]["code"] == "language_unknown"


def test_a_right_to_left_second_language_gets_its_own_direction(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Arabic comes with its catalogue (another part of issue 16); any language in the list that
    is written right to left gets dir="rtl" for its block, from Babel's locale data."""
    monkeypatch.setattr(organise, "LANGUAGES", (*organise.LANGUAGES, "ar"))
    org = world.organiser_client()
    both = org.get(f"/organise/rounds/{world.round_id}/poster?lang=nl&also=ar")
    html = both.get_data(as_text=True)
    assert both.status_code == 200
    assert '<html lang="nl" dir="ltr">' in html
    assert re.search(r'<section class="words second" lang="ar" dir="rtl"', html)
    assert '<strong dir="ltr">' in html  # the join code stays readable
