"""Exports after a real game: tables as CSV and JSON, the album, access, audit and the CLI."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from koppelkiek.db import db
from koppelkiek.game.models import AuditEntry, Player
from tests.helpers import ROME_AFTERNOON, Clock, World, arezzo_world, meet, scored_photo

# DSCN0010.jpg's GPS position; neither number may leave without locations=1.
LAT, LON = "43.4674", "11.8851"


@dataclass
class Game:
    world: World
    org: FlaskClient
    players: dict[str, FlaskClient]
    wall: dict[str, Any]  # accepted, both said yes
    private: dict[str, Any]  # accepted, only one yes
    unphotographed: int  # a meeting without a photo


def play(app: Flask, clock: Clock) -> Game:
    world = arezzo_world(app, clock)
    clock.now = ROME_AFTERNOON.replace(minute=27)
    fatma, _ = world.join("Fatma", team="Everstraat")
    omer, _ = world.join("Ömer", team="Marijkeweg")
    jan, _ = world.join("Jan", team="Everstraat")
    wall = scored_photo(world, fatma, omer, "DSCN0010.jpg")  # 16:28:39 in Arezzo
    for who in (fatma, omer):
        assert who.post(f"/api/v1/photos/{wall['id']}/consent",
                        json={"show": True}).status_code == 200
    clock.now = ROME_AFTERNOON.replace(minute=29, second=30)
    private = scored_photo(world, jan, omer, "DSCN0012.jpg")
    assert jan.post(f"/api/v1/photos/{private['id']}/consent",
                    json={"show": True}).status_code == 200
    clock.advance(minutes=1)
    unphotographed = meet(world, fatma, jan)
    return Game(world, world.organiser_client(), {"Fatma": fatma, "Ömer": omer, "Jan": jan},
                wall, private, unphotographed)


@pytest.fixture
def game(app: Flask, clock: Clock) -> Game:
    return play(app, clock)


def url(game: Game, tail: str) -> str:
    return f"/organise/rounds/{game.world.round_id}/{tail}"


def get_json(game: Game, query: str = "") -> dict[str, Any]:
    res = game.org.get(url(game, f"export.json{query}"))
    assert res.status_code == 200, res.get_data(as_text=True)
    assert res.mimetype == "application/json"
    return json.loads(res.get_data(as_text=True))


def get_csv(game: Game, query: str = "") -> dict[str, list[dict[str, str]]]:
    res = game.org.get(url(game, f"export.csv{query}"))
    assert res.status_code == 200 and res.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(res.data)) as zf:
        assert sorted(zf.namelist()) == ["meetings.csv", "photos.csv", "standings.csv",
                                         "teams.csv"]
        found = {}
        for name in zf.namelist():
            raw = zf.read(name)
            assert not raw.startswith(b"\xef\xbb\xbf")  # UTF-8 without a byte order mark
            found[name.removesuffix(".csv")] = list(csv.DictReader(io.StringIO(
                raw.decode("utf-8"), newline="")))
    return found


def test_json_has_the_four_tables_of_the_game(game: Game) -> None:
    res = game.org.get(url(game, "export.json"))
    assert res.headers["Content-Disposition"] == (
        f'attachment; filename="round-{game.world.round_id}-export.json"')
    assert "no-store" in res.headers["Cache-Control"]
    data = get_json(game)
    assert data["round"]["name"] == "Zomerronde" and data["with_locations"] is False
    assert [(r["rank"], r["display_name"], r["team"], r["points"], r["meetings"])
            for r in data["standings"]] == [
        (1, "Ömer", "Marijkeweg", 30, 2), (2, "Fatma", "Everstraat", 15, 1),
        (3, "Jan", "Everstraat", 13, 1)]
    assert data["teams"] == [
        {"rank": 1, "team": "Marijkeweg", "members": 1, "points": 30},
        {"rank": 2, "team": "Everstraat", "members": 2, "points": 28}]
    meetings = data["meetings"]
    assert [(m["player_a"], m["player_b"], m["has_photo"], m["photo_status"])
            for m in meetings] == [
        ("Fatma", "Ömer", True, "accepted"), ("Jan", "Ömer", True, "accepted"),
        ("Fatma", "Jan", False, None)]
    assert meetings[0]["met_at"] == "2008-10-22T14:27:00+00:00"
    assert meetings[0]["met_at_local"] == "2008-10-22T16:27:00+02:00"  # Arezzo, summer time
    assert meetings[0]["photo_id"] == game.wall["id"]
    assert meetings[2]["id"] == game.unphotographed and meetings[2]["photo_id"] is None
    photos = {p["id"]: p for p in data["photos"]}
    wall, private = photos[game.wall["id"]], photos[game.private["id"]]
    assert (wall["player_a"], wall["player_b"]) == ("Fatma", "Ömer")
    assert wall["taken_at"] == "2008-10-22T14:28:39+00:00"
    assert wall["taken_at_local"] == "2008-10-22T16:28:39+02:00"
    assert (wall["status"], wall["location_source"], wall["time_source"]) == (
        "accepted", "exif", "exif")
    assert (wall["consent_a"], wall["consent_b"], wall["on_wall"]) == (True, True, True)
    assert (private["player_a"], private["consent_a"], private["consent_b"],
            private["on_wall"]) == ("Jan", True, None, False)


def test_csv_is_a_zip_of_four_tables(game: Game) -> None:
    res = game.org.get(url(game, "export.csv"))
    assert res.headers["Content-Disposition"] == (
        f'attachment; filename="round-{game.world.round_id}-export.zip"')
    tables = get_csv(game)
    assert [(r["rank"], r["display_name"], r["points"]) for r in tables["standings"]] == [
        ("1", "Ömer", "30"), ("2", "Fatma", "15"), ("3", "Jan", "13")]
    assert [(r["team"], r["members"], r["points"]) for r in tables["teams"]] == [
        ("Marijkeweg", "1", "30"), ("Everstraat", "2", "28")]
    assert [(r["player_a"], r["player_b"], r["has_photo"], r["photo_status"])
            for r in tables["meetings"]] == [
        ("Fatma", "Ömer", "true", "accepted"), ("Jan", "Ömer", "true", "accepted"),
        ("Fatma", "Jan", "false", "")]
    assert tables["meetings"][0]["met_at_local"] == "2008-10-22T16:27:00+02:00"
    wall = next(r for r in tables["photos"] if r["id"] == str(game.wall["id"]))
    assert (wall["consent_a"], wall["consent_b"], wall["on_wall"]) == ("true", "true", "true")
    assert wall["location_source"] == "exif" and wall["taken_at"] == "2008-10-22T14:28:39+00:00"


def _location_keys(tables: dict[str, list[dict[str, Any]]]) -> set[str]:
    return {k for name in ("meetings", "photos") for row in tables[name] for k in row
            if re.search(r"lat|lon|accuracy", k)}


def test_exact_locations_only_when_asked(game: Game) -> None:
    for query in ("", "?locations=0"):
        data = get_json(game, query)
        text = json.dumps(data)
        assert LAT not in text and LON not in text
        assert _location_keys(data) == set()
        tables = get_csv(game, query)
        assert _location_keys(tables) == set()
        assert LAT not in json.dumps(tables) and LON not in json.dumps(tables)
        # Not even as empty columns.
        raw = game.org.get(url(game, f"export.csv{query}")).data
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            headers = {n: zf.read(n).decode().splitlines()[0] for n in zf.namelist()}
        assert not any(re.search(r"lat|lon|accuracy", h) for h in headers.values())
    data = get_json(game, "?locations=1")
    assert data["with_locations"] is True
    wall = next(p for p in data["photos"] if p["id"] == game.wall["id"])
    assert abs(wall["lat"] - 43.467448) < 1e-5 and abs(wall["lon"] - 11.885127) < 1e-5
    assert "accuracy_m" in wall and "a_lat" in data["meetings"][0]
    tables = get_csv(game, "?locations=1")
    wall_row = next(r for r in tables["photos"] if r["id"] == str(game.wall["id"]))
    assert wall_row["lat"].startswith(LAT) and wall_row["lon"].startswith(LON)
    res = game.org.get(url(game, "export.csv?locations=1"))
    assert res.headers["Content-Disposition"] == (
        f'attachment; filename="round-{game.world.round_id}-export-locations.zip"')


def test_album_holds_only_the_wall(game: Game) -> None:
    res = game.org.get(url(game, "album.zip"))
    assert res.status_code == 200 and res.mimetype == "application/zip"
    assert res.headers["Content-Disposition"] == (
        f'attachment; filename="round-{game.world.round_id}-album.zip"')
    with zipfile.ZipFile(io.BytesIO(res.data)) as zf:
        assert sorted(zf.namelist()) == ["index.html", f"photos/{game.wall['id']}.jpg"]
        image = zf.read(f"photos/{game.wall['id']}.jpg")
        index = zf.read("index.html").decode("utf-8")
    # The display JPEG itself: the same bytes the wall shows.
    assert image == game.players["Fatma"].get(game.wall["display_url"]).data
    assert image.startswith(b"\xff\xd8") and b"GPS" not in image
    assert "Zomerronde" in index and "Hoograven" in index and "2008" in index
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", index)
    assert len(captions) == 1
    assert "Fatma" in captions[0] and "Ömer" in captions[0] and "16:28" in captions[0]
    assert "Jan" not in index
    assert f'src="photos/{game.wall["id"]}.jpg"' in index
    # Self-contained: nothing is fetched from anywhere.
    assert not re.search(r"https?:|//|<script|<link|@import", index)
    assert re.findall(r'src="([^"]+)"', index) == [f"photos/{game.wall['id']}.jpg"]


def test_album_escapes_names(game: Game) -> None:
    with db.sessions(game.world.app)() as s:
        fatma = s.scalar(select(Player).where(Player.display_name == "Fatma"))
        assert fatma is not None
        fatma.display_name = 'Fa<b onload="x">&'
        s.commit()
    with zipfile.ZipFile(io.BytesIO(game.org.get(url(game, "album.zip")).data)) as zf:
        index = zf.read("index.html").decode("utf-8")
    assert "<b onload" not in index
    assert "Fa&lt;b onload=&quot;x&quot;&gt;&amp;" in index


def test_an_empty_album_says_so(app: Flask, clock: Clock) -> None:
    world = arezzo_world(app, clock)
    res = world.organiser_client().get(f"/organise/rounds/{world.round_id}/album.zip")
    with zipfile.ZipFile(io.BytesIO(res.data)) as zf:
        assert zf.namelist() == ["index.html"]
        assert "<figure" not in zf.read("index.html").decode()


def test_other_organisers_and_strangers_get_nothing(game: Game, app: Flask,
                                                    clock: Clock) -> None:
    other = World(app, clock, organiser_email="b@example.nl").seed()
    theirs = other.organiser_client()
    for tail in ("export.csv", "export.json", "export.json?locations=1", "album.zip"):
        assert theirs.get(url(game, tail)).status_code == 404
        anonymous = app.test_client().get(url(game, tail))
        assert anonymous.status_code == 302 and "/organise/login" in anonymous.headers["Location"]
        assert game.players["Fatma"].get(url(game, tail)).status_code == 302
    assert game.org.get(url(game, "export.xml")).status_code == 404
    assert game.org.get("/organise/rounds/99999/export.json").status_code == 404
    # Their own round works for them.
    assert theirs.get(f"/organise/rounds/{other.round_id}/export.json").status_code == 200
    with db.sessions(app)() as s:
        exported = [json.loads(a.detail) for a in s.scalars(
            select(AuditEntry).where(AuditEntry.action == "export"))]
    assert [d["round"] for d in exported] == [other.round_id]  # a 404 leaves no trace


def test_every_export_is_audited(game: Game) -> None:
    game.org.get(url(game, "export.json"))
    game.org.get(url(game, "export.csv?locations=1"))
    game.org.get(url(game, "album.zip"))
    with db.sessions(game.world.app)() as s:
        entries = list(s.scalars(select(AuditEntry).where(AuditEntry.action == "export")
                                 .order_by(AuditEntry.id)))
        hood_id = s.scalar(select(Player.neighbourhood_id).limit(1))
    assert [(e.neighbourhood_id, e.organiser_id is not None) for e in entries] == [
        (hood_id, True)] * 3
    details = [json.loads(e.detail) for e in entries]
    assert [(d["round"], d["format"], d["locations"]) for d in details] == [
        (game.world.round_id, "json", False), (game.world.round_id, "csv", True),
        (game.world.round_id, "album", False)]
    assert entries[0].at == game.world.clock()
    log = game.org.get("/organise/").get_data(as_text=True)
    assert "export" in log


def test_cli_export_json_and_csv(game: Game, tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    runner = game.world.app.test_cli_runner()
    rid = str(game.world.round_id)
    res = runner.invoke(args=["export", rid, "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert [r["display_name"] for r in data["standings"]] == ["Ömer", "Fatma", "Jan"]
    assert len(data["meetings"]) == 3 and len(data["photos"]) == 2
    assert LAT not in res.output and data["with_locations"] is False
    located = runner.invoke(args=["export", rid, "--locations"])  # JSON is the default
    assert located.exit_code == 0 and LAT in located.output
    target = tmp_path / "out.zip"
    res = runner.invoke(args=["export", rid, "--format", "csv", "--output", str(target)])
    assert res.exit_code == 0, res.output
    assert str(target) in res.output
    with zipfile.ZipFile(target) as zf:
        standings = list(csv.DictReader(io.StringIO(zf.read("standings.csv").decode())))
        assert [r["points"] for r in standings] == ["30", "15", "13"]
        assert LAT not in zf.read("photos.csv").decode()
    monkeypatch.chdir(tmp_path)
    res = runner.invoke(args=["export", rid, "--format", "csv"])
    assert res.exit_code == 0, res.output
    assert zipfile.ZipFile(tmp_path / f"round-{rid}-export.zip").namelist()
    missing = runner.invoke(args=["export", "99999"])
    assert missing.exit_code != 0 and "no round 99999" in missing.output
    with db.sessions(game.world.app)() as s:
        via_cli = [json.loads(a.detail) for a in s.scalars(
            select(AuditEntry).where(AuditEntry.action == "export"))]
    assert [(d["format"], d["locations"], d["via"]) for d in via_cli] == [
        ("json", False, "cli"), ("json", True, "cli"), ("csv", False, "cli"),
        ("csv", False, "cli")]
