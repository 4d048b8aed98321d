"""Issue 17, item 3 over HTTP: the album to print (organiser only, built anew on each download,
only what consent allows, erased players nowhere) and each resident's "my afternoon" page and
PNG card (own data only, no metadata)."""

from __future__ import annotations

import json
import re
import struct
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from koppelkiek import afternoon as afternoon_view
from koppelkiek.afternoon_card import CardWords
from koppelkiek.album import CHAR, SIZE, drawing
from koppelkiek.db import db
from koppelkiek.game.models import AuditEntry, Neighbourhood, Player
from koppelkiek.game.spots import add_spot
from koppelkiek.game.web import Link, MeetingWeb, Neighbour, figures_of
from tests.helpers import ROME_AFTERNOON, Clock, World, arezzo_world, scored_photo

# Real photos with EXIF GPS near Arezzo: one file per photo, as the round refuses duplicates.
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass
class Round:
    world: World
    org: FlaskClient
    players: dict[str, FlaskClient]
    wall: dict[str, Any]  # Fatma and Ömer: both said yes
    private: dict[str, Any]  # Jan and Ömer: only Jan said yes
    withdrawn: dict[str, Any]  # Fatma and Jan: both said yes, then Jan took it back
    erased: dict[str, Any]  # Ria and Ömer: both said yes, then Ria erased her data


def show(who: FlaskClient, photo: dict[str, Any], yes: bool = True) -> None:
    res = who.post(f"/api/v1/photos/{photo['id']}/consent", json={"show": yes})
    assert res.status_code == 200, res.get_json()


def play(app: Flask, clock: Clock) -> Round:
    world = arezzo_world(app, clock)
    clock.now = ROME_AFTERNOON.replace(minute=27)
    fatma, _ = world.join("Fatma", team="Everstraat")
    omer, _ = world.join("Ömer", team="Marijkeweg")
    jan, _ = world.join("Jan", team="Everstraat")
    ria, _ = world.join("Ria", team="Marijkeweg")
    wall = scored_photo(world, fatma, omer, "DSCN0010.jpg")
    show(fatma, wall), show(omer, wall)
    clock.now = ROME_AFTERNOON.replace(minute=29, second=30)
    private = scored_photo(world, jan, omer, "DSCN0012.jpg")
    show(jan, private)
    clock.now = ROME_AFTERNOON.replace(minute=38)
    withdrawn = scored_photo(world, fatma, jan, "DSCN0021.jpg")
    show(fatma, withdrawn), show(jan, withdrawn)
    clock.now = ROME_AFTERNOON.replace(minute=43)
    erased = scored_photo(world, ria, omer, "DSCN0025.jpg")
    show(ria, erased), show(omer, erased)
    with db.sessions(app)() as s:
        hood = s.scalar(select(Neighbourhood))
        assert hood is not None
        names = {p.display_name: p for p in s.scalars(select(Player))}
        told = add_spot(s, hood, "De oude pomp", "Hier haalde de hele straat water.\n\n"
                        "Tot 1952.", 43.4674, 11.8851, 30, 5)
        told.teller_id, told.teller_named = names["Fatma"].id, True
        shy = add_spot(s, hood, "Het bakhuis", "Brood voor de buurt.", 43.4680, 11.8860, 30, 5)
        shy.teller_id, shy.teller_named = names["Jan"].id, False
        s.commit()
    return Round(world, world.organiser_client(),
                 {"Fatma": fatma, "Ömer": omer, "Jan": jan, "Ria": ria},
                 wall, private, withdrawn, erased)


@pytest.fixture
def game(app: Flask, clock: Clock) -> Round:
    return play(app, clock)


def album_url(game: Round) -> str:
    return f"/organise/rounds/{game.world.round_id}/album"


def album(game: Round) -> str:
    res = game.org.get(album_url(game))
    assert res.status_code == 200, res.get_data(as_text=True)
    assert res.mimetype == "text/html" and "no-store" in res.headers["Cache-Control"]
    return res.get_data(as_text=True)


def album_photos(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-photo-id="(\d+)" data-testid="album-photo"', html)]


def images(html: str) -> set[str]:
    return set(re.findall(r'src="(/photos/[0-9a-f]+\.jpg)"', html))


def test_the_album_is_for_the_round_s_own_organisers_only(game: Round, app: Flask,
                                                          clock: Clock) -> None:
    other = World(app, clock, organiser_email="b@example.nl").seed()
    theirs = other.organiser_client()
    assert theirs.get(album_url(game)).status_code == 404
    anonymous = app.test_client().get(album_url(game))
    assert anonymous.status_code == 302 and "/organise/login" in anonymous.headers["Location"]
    for player in game.players.values():
        assert player.get(album_url(game)).status_code == 302
    assert game.org.get("/organise/rounds/99999/album").status_code == 404
    assert theirs.get(f"/organise/rounds/{other.round_id}/album").status_code == 200
    with db.sessions(app)() as s:
        printed = [json.loads(a.detail) for a in s.scalars(
            select(AuditEntry).where(AuditEntry.action == "export"))]
    assert [(d["round"], d["format"]) for d in printed] == [(other.round_id, "album_print")]


def test_the_album_holds_only_what_both_agreed_to_show(game: Round) -> None:
    first = album(game)
    on_wall = [game.wall, game.withdrawn, game.erased]
    assert album_photos(first) == [p["id"] for p in on_wall]
    assert images(first) == {p["display_url"] for p in on_wall}
    # Jan takes his yes back: the next download is read anew and leaves the photo out.
    show(game.players["Jan"], game.withdrawn, yes=False)
    html = album(game)
    assert album_photos(html) == [game.wall["id"], game.erased["id"]]
    assert images(html) == {game.wall["display_url"], game.erased["display_url"]}
    assert game.private["display_url"] not in html
    assert "Fatma" in html and "Ömer" in html
    # Jan has no photo on the wall: his name is nowhere, not in the web, not under a photo.
    # He told the bakhuis's story but did not agree to be named.
    assert "Jan" not in html
    assert "Het bakhuis" in html and "Brood voor de buurt." in html
    assert re.findall(r'data-testid="web-name">([^<]+)<', html) == ["Fatma", "Ömer", "Ria"]
    # Every download is a line in the audit log.
    with db.sessions(game.world.app)() as s:
        printed = [json.loads(a.detail) for a in s.scalars(
            select(AuditEntry).where(AuditEntry.action == "export").order_by(AuditEntry.id))]
    assert [(d["round"], d["format"], d["photos"]) for d in printed] == [
        (game.world.round_id, "album_print", 3), (game.world.round_id, "album_print", 2)]


def test_an_erased_player_is_nowhere_in_the_album(game: Round) -> None:
    before = album(game)
    assert "Ria" in before and game.erased["id"] in album_photos(before)
    assert game.players["Ria"].delete("/api/v1/me").status_code == 200
    html = album(game)
    assert game.erased["id"] not in album_photos(html)
    assert game.erased["display_url"] not in html
    assert "Ria" not in html and "Oud-speler" not in html
    # The figures count the three who are left: 3 meetings with an accepted photo, two of the
    # three pairs across streets, and every two of them one introduction apart.
    figures = dict(re.findall(r'data-figure="([a-z_]+)" dir="ltr">([^<]+)<', html))
    assert figures == {"neighbours": "3", "meetings": "3", "across_streets": "67%",
                       "longest_chain": "1"}
    assert html.count("<circle") == 3


def test_story_spots_with_their_stories_and_only_named_tellers(game: Round) -> None:
    html = album(game)
    stories = re.findall(r'<article class="story".*?</article>', html, flags=re.S)
    assert len(stories) == 2
    told = next(s for s in stories if "De oude pomp" in s)
    assert "Hier haalde de hele straat water." in told and "Tot 1952." in told
    assert re.search(r'data-testid="album-teller">verteld door <bdi>Fatma</bdi>', told)
    shy = next(s for s in stories if "Het bakhuis" in s)
    assert "album-teller" not in shy
    # A teller who erased their data is no longer named.
    assert game.players["Fatma"].delete("/api/v1/me").status_code == 200
    assert "album-teller" not in album(game)


def test_the_console_links_to_the_album(game: Round) -> None:
    page = game.org.get(f"/organise/rounds/{game.world.round_id}").get_data(as_text=True)
    assert f'href="{album_url(game)}"' in page


# ---- my afternoon ------------------------------------------------------------------------

def met_list(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", m).strip()
            for m in re.findall(r'<li data-testid="met">(.*?)</li>', html, flags=re.S)]


def test_my_afternoon_shows_my_own_day_and_names_only_from_the_wall(game: Round) -> None:
    show(game.players["Jan"], game.withdrawn, yes=False)
    res = game.players["Fatma"].get("/play/afternoon")
    assert res.status_code == 200 and "no-store" in res.headers["Cache-Control"]
    html = res.get_data(as_text=True)
    assert met_list(html) == ["Ömer", "een buur"]  # Jan took his yes back
    assert "Jan" not in html
    assert re.search(r'data-testid="afternoon-neighbours" dir="ltr">2<', html)
    assert re.search(r'data-testid="afternoon-points" dir="ltr">\d+<', html)
    assert re.search(r'data-testid="afternoon-rank" dir="ltr">\d<', html)
    # Her own photos, the one off the wall too (as on her player page), at URLs she may open.
    shown = re.findall(r'<li data-photo-id="(\d+)">', html)
    assert shown == [str(game.wall["id"]), str(game.withdrawn["id"])]
    for thumb in (game.wall["thumb_url"], game.withdrawn["thumb_url"]):
        assert thumb in html
        assert game.players["Fatma"].get(thumb).status_code == 200
    assert game.private["thumb_url"] not in html
    # Ömer met Fatma (on the wall), Jan (only Jan said yes) and Ria, who erased her data.
    assert game.players["Ria"].delete("/api/v1/me").status_code == 200
    omer = game.players["Ömer"].get("/play/afternoon").get_data(as_text=True)
    assert met_list(omer) == ["Fatma", "een buur"]
    assert "Jan" not in omer and "Ria" not in omer and "Oud-speler" not in omer


def test_my_afternoon_needs_a_joined_phone(app: Flask, game: Round) -> None:
    stranger = app.test_client()
    assert stranger.get("/play/afternoon").status_code == 401
    assert stranger.get("/play/afternoon/card.png").status_code == 401
    # An organiser is not a player: no afternoon to show.
    assert game.org.get("/play/afternoon/card.png").status_code == 401


def png_chunks(data: bytes) -> list[bytes]:
    assert data.startswith(PNG_SIGNATURE)
    chunks, at = [], len(PNG_SIGNATURE)
    while at < len(data):
        (length,) = struct.unpack(">I", data[at:at + 4])
        chunks.append(data[at + 4:at + 8])
        at += 12 + length
    return chunks


def test_the_card_is_a_png_of_my_own_figures_without_metadata(
        game: Round, monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: list[CardWords] = []
    real = afternoon_view.card_png
    monkeypatch.setattr(afternoon_view, "card_png",
                        lambda words: drawn.append(words) or real(words))
    res = game.players["Ömer"].get("/play/afternoon/card.png")
    assert res.status_code == 200 and res.mimetype == "image/png"
    assert "no-store" in res.headers["Cache-Control"]
    chunks = png_chunks(res.data)
    assert chunks[0] == b"IHDR" and chunks[-1] == b"IEND"
    assert set(chunks) <= {b"IHDR", b"IDAT", b"IEND"}, chunks  # no tEXt, iTXt, eXIf, tIME...
    width, height = struct.unpack(">II", res.data[16:24])
    assert (width, height) == (1080, 1080)
    (words,) = drawn
    points = game.players["Ömer"].get("/api/v1/me").get_json()
    figures = dict(words.figures)
    assert figures["Punten"] == str(points["points"]) and figures["Plaats"] == str(points["rank"])
    assert figures["Buren ontmoet"] == "3"
    assert words.player == "Ömer" and words.round_name == "Zomerronde"
    everything = " ".join([words.title, words.round_name, words.player, words.footer,
                           *[part for pair in words.figures for part in pair]])
    for other in ("Fatma", "Jan", "Ria"):
        assert other not in everything


def test_no_rank_on_the_page_or_the_card_while_the_board_is_hidden(
        app: Flask, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    world = arezzo_world(app, clock, leaderboard="hidden")
    clock.now = ROME_AFTERNOON.replace(minute=27)
    fatma, _ = world.join("Fatma")
    omer, _ = world.join("Ömer")
    scored_photo(world, fatma, omer, "DSCN0010.jpg")
    html = fatma.get("/play/afternoon").get_data(as_text=True)
    assert re.search(r'data-testid="afternoon-rank" dir="ltr">–<', html)
    assert re.search(r'data-testid="afternoon-points" dir="ltr">[1-9]\d*<', html)
    drawn: list[CardWords] = []
    real = afternoon_view.card_png
    monkeypatch.setattr(afternoon_view, "card_png",
                        lambda words: drawn.append(words) or real(words))
    assert fatma.get("/play/afternoon/card.png").status_code == 200
    assert dict(drawn[0].figures)["Plaats"] == "–"


def test_an_empty_round_has_an_album_too_in_the_language_asked_for(app: Flask,
                                                                     clock: Clock) -> None:
    world = arezzo_world(app, clock)
    org = world.organiser_client()
    url = f"/organise/rounds/{world.round_id}/album"
    html = org.get(url).get_data(as_text=True)
    assert '<html lang="nl" dir="ltr">' in html
    assert 'data-testid="album-photo"' not in html and 'data-testid="album-story"' not in html
    assert "<circle" not in html
    arabic = org.get(url + "?lang=ar").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in arabic and "شبكة اللقاءات" in arabic
    assert '<html lang="nl" dir="ltr">' in org.get(url + "?lang=xx").get_data(as_text=True)


def test_a_phone_draws_a_few_cards_a_minute_not_more(game: Round) -> None:
    """Drawing a card costs the server CPU: 10 a minute per phone (koppelkiek/limits.py)."""
    fatma = game.players["Fatma"]
    assert [fatma.get("/play/afternoon/card.png").status_code for _ in range(10)] == [200] * 10
    assert fatma.get("/play/afternoon/card.png").status_code == 429
    assert game.players["Jan"].get("/play/afternoon/card.png").status_code == 200


def test_the_web_leaves_room_on_the_paper_for_the_longest_names() -> None:
    """Names of 24 characters (the most a name may have) on both sides of the ring: each
    label, as wide as DejaVu Sans could make it, stays inside the drawing."""
    people = tuple(Neighbour(i, "Everstraat" if i % 2 else None) for i in range(1, 13))
    links = tuple(Link(i, i + 1, 1, ("W" * 24, "M" * 24)) for i in range(1, 12, 2))
    web = MeetingWeb(people, links, figures_of({n.id: n.team for n in people}, links))
    drawn = drawing(web)
    assert len([d for d in drawn.dots if d.label]) == 12
    for dot in drawn.dots:
        assert dot.label is not None
        width = len(dot.label) * CHAR * drawn.font + drawn.radius + 6
        reach = dot.x + width if dot.anchor == "start" else dot.x - width
        assert 0 <= reach <= SIZE, (dot, drawn.font)
    assert drawn.font >= 10  # still readable: about 5 pt on A4
