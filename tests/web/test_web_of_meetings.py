"""Issue 17: the web of meetings on the screens' live protocol.

The snapshot holds the web; screens (never phones) then get `web` deltas: new and changed links
and nodes whole, gone ones by key, the figures whole. Names ride on a link only when the pair's
photo is on the public wall (both agreed); an erased player leaves the web. Web messages make a
chain of their own: each `from_seq` is one past the previous web message's `seq`.

The feed is ticked by hand (`LIVE_FEED=manual`), as in test_live_feed.py, whose helpers record
photos through the game's use case and publish them as the web layer does.
"""

from __future__ import annotations

import itertools
import random
import time
from typing import Any

import pytest
from flask import Flask

from koppelkiek.db import db
from koppelkiek.feed import WEB_EVERY
from koppelkiek.game.models import Round, StorySpot
from koppelkiek.game.web import meeting_web
from koppelkiek.realtime import socketio
from tests.helpers import Clock, World
from tests.web.test_live_feed import Photos, feed_of, named, paced, received, round_seq
from tests.web.test_words import round_url, save_round, speaking, the_round

__all__ = ["paced"]  # the fixture, shared with test_live_feed.py


def joined(world: World, *people: tuple[str, str]) -> dict[str, tuple[Any, int]]:
    """Each (name, street) joins; name -> (its client, its player id)."""
    found = {}
    for name, team in people:
        client, body = world.join(name, team)
        found[name] = (client, body["player"]["id"])
    return found


def watching_screen(app: Flask, round_id: int) -> tuple[Any, dict[str, Any]]:
    screen = socketio.test_client(app)
    screen.emit("watch", {"round_id": round_id, "since_seq": 0})
    return screen, named(received(screen), "snapshot")[0]


def applied(web: dict[str, Any], delta: dict[str, Any]) -> dict[str, Any]:
    """A web as a screen holds it, after one delta (what screen.js does)."""
    nodes = {n["id"]: n for n in web["nodes"]}
    links = {(link["a"], link["b"]): link for link in web["links"]}
    for pid in delta["gone"]:
        nodes.pop(pid, None)
    for key in delta["unlinked"]:
        links.pop(tuple(key), None)
    nodes.update({n["id"]: n for n in delta["nodes"]})
    links.update({(link["a"], link["b"]): link for link in delta["links"]})
    assert delta["totals"] == {"nodes": len(nodes), "links": len(links)}
    return {"nodes": sorted(nodes.values(), key=lambda n: n["id"]),
            "links": [links[k] for k in sorted(links)], "figures": delta["figures"]}


_turns = itertools.count(1)


def later() -> float:
    """A tick's clock, a web's turn (WEB_EVERY) after the one before: each tick may send it."""
    return time.monotonic() + next(_turns) * WEB_EVERY


def web_now(app: Flask, round_id: int) -> dict[str, Any]:
    with db.sessions(app)() as s:
        return meeting_web(s, round_id).as_json()


def test_the_snapshot_holds_the_web_and_a_scored_photo_adds_an_anonymous_link(
        paced: Flask, clock: Clock) -> None:
    world = World(paced, clock).seed()
    people = joined(world, ("Jan", "Kerkstraat"), ("Fatma", "Kerkstraat"),
                    ("Ömer", "Molenweg"))
    jan, fatma, omer = (people[n][1] for n in ("Jan", "Fatma", "Ömer"))
    photos = Photos(world)
    photos.score(jan, fatma)
    screen, snap = watching_screen(paced, world.round_id)
    phone = socketio.test_client(paced, auth={"token": people["Jan"][0].environ_base[
        "HTTP_AUTHORIZATION"].split()[1]})
    phone.emit("watch", {"round_id": world.round_id, "since_seq": 0, "view": "phone"})
    assert "web" not in named(received(phone), "snapshot")[0]
    assert [n["id"] for n in snap["web"]["nodes"]] == sorted([jan, fatma, omer])
    assert {n["id"]: n["team"] for n in snap["web"]["nodes"]}[omer] == "Molenweg"
    assert snap["web"]["links"] == [{"a": min(jan, fatma), "b": max(jan, fatma),
                                     "meetings": 1, "names": None}]
    assert snap["web"]["figures"] == {"neighbours": 3, "meetings": 1, "across_streets": 0.0,
                                      "longest_chain": 1}

    photos.score(fatma, omer)
    feed_of(paced).tick(later())
    webs = named(received(screen), "web")
    assert len(webs) == 1
    delta = webs[0]
    assert (delta["from_seq"], delta["seq"]) == (snap["seq"] + 1, round_seq(paced,
                                                                            world.round_id))
    assert delta["links"] == [{"a": min(fatma, omer), "b": max(fatma, omer), "meetings": 1,
                               "names": None}]
    assert delta["gone"] == [] and delta["unlinked"] == [] and delta["nodes"] == []
    assert delta["figures"] == {"neighbours": 3, "meetings": 2, "across_streets": 0.5,
                                "longest_chain": 2}
    assert applied(snap["web"], delta) == web_now(paced, world.round_id)
    assert named(received(phone), "web") == []  # phones get only what concerns them


def test_the_web_waits_for_its_turn_and_then_comes_at_the_seq_screens_have(
        paced: Flask, clock: Clock) -> None:
    world = World(paced, clock).seed()
    people = joined(world, ("Jan", "Kerkstraat"), ("Fatma", "Molenweg"), ("Ömer", "Molenweg"))
    jan, fatma, omer = (people[n][1] for n in ("Jan", "Fatma", "Ömer"))
    photos = Photos(world)
    screen, snap = watching_screen(paced, world.round_id)
    start = later()
    photos.score(jan, fatma)
    feed_of(paced).tick(start)
    first = named(received(screen), "web")
    assert [len(d["links"]) for d in first] == [1]
    photos.score(fatma, omer)  # within the web's turn: the standings go, the web waits
    feed_of(paced).tick(start + WEB_EVERY / 3)
    got = received(screen)
    assert named(got, "web") == [] and named(got, "standings")
    feed_of(paced).tick(start + WEB_EVERY / 2)  # nothing new, and still not its turn
    assert named(received(screen), "web") == []
    feed_of(paced).tick(start + WEB_EVERY)  # its turn, with no new seq: sent on its own
    second = named(received(screen), "web")
    seq = round_seq(paced, world.round_id)
    assert [(d["from_seq"], d["seq"]) for d in second] == [(first[0]["seq"] + 1, seq)]
    assert applied(applied(snap["web"], first[0]), second[0]) == web_now(paced, world.round_id)


def test_a_link_is_named_only_when_both_agreed_to_show_the_photo(
        paced: Flask, clock: Clock) -> None:
    world = World(paced, clock).seed()
    people = joined(world, ("Jan", "Kerkstraat"), ("Fatma", "Molenweg"))
    jan, fatma = people["Jan"][1], people["Fatma"][1]
    photos = Photos(world)
    photo = photos.score(jan, fatma)
    screen, snap = watching_screen(paced, world.round_id)
    web = snap["web"]
    assert web["links"][0]["names"] is None

    photos.consent(jan, photo, True)  # one of the two: still anonymous
    feed_of(paced).tick(later())
    assert named(received(screen), "web") == []
    photos.consent(fatma, photo, True)
    feed_of(paced).tick(later())
    webs = named(received(screen), "web")
    assert [link["names"] for d in webs for link in d["links"]] == [["Jan", "Fatma"]]
    web = applied(web, webs[0])
    photos.consent(fatma, photo, False)  # she changed her mind: the names go again
    feed_of(paced).tick(later())
    webs = named(received(screen), "web")
    assert [link["names"] for d in webs for link in d["links"]] == [None]
    assert applied(web, webs[0]) == web_now(paced, world.round_id)
    assert "Fatma" not in str(web_now(paced, world.round_id))


def test_an_erased_player_leaves_the_web(paced: Flask, clock: Clock) -> None:
    world = World(paced, clock).seed()
    people = joined(world, ("Jan", "Kerkstraat"), ("Fatma", "Molenweg"), ("Ömer", "Molenweg"))
    jan, fatma, omer = (people[n][1] for n in ("Jan", "Fatma", "Ömer"))
    photos = Photos(world)
    shown = photos.score(jan, fatma)
    photos.consent(jan, shown, True)
    photos.consent(fatma, shown, True)
    photos.score(fatma, omer)
    screen, snap = watching_screen(paced, world.round_id)
    assert [link["names"] for link in snap["web"]["links"]].count(["Jan", "Fatma"]) == 1

    assert people["Fatma"][0].delete("/api/v1/me").status_code == 200
    feed_of(paced).tick(later())
    webs = named(received(screen), "web")
    assert len(webs) == 1
    assert webs[0]["gone"] == [fatma]
    assert sorted(map(tuple, webs[0]["unlinked"])) == sorted(
        [(min(jan, fatma), max(jan, fatma)), (min(fatma, omer), max(fatma, omer))])
    web = applied(snap["web"], webs[0])
    assert web == web_now(paced, world.round_id)
    assert web["links"] == [] and [n["id"] for n in web["nodes"]] == sorted([jan, omer])
    assert web["figures"]["neighbours"] == 2 and "Fatma" not in str(web)

    # A screen that comes later never sees her either.
    _, newcomer = watching_screen(paced, world.round_id)
    assert newcomer["web"] == web


def test_web_deltas_make_a_contiguous_chain_under_a_burst(paced: Flask, clock: Clock) -> None:
    world = World(paced, clock).seed(max_repeats=100)
    streets = ("Kerkstraat", "Molenweg", "Duurstedelaan")
    players = [world.join(f"Speler {i}", streets[i % 3])[1]["player"]["id"] for i in range(12)]
    screen, snap = watching_screen(paced, world.round_id)
    photos = Photos(world)
    chosen = random.Random(17)
    clock0 = time.monotonic()
    got: list[tuple[str, dict[str, Any]]] = []
    for n in range(80):
        a, b = chosen.sample(players, 2)
        photo = photos.score(a, b)
        if n % 9 == 4:
            photos.consent(a, photo, True)
            photos.consent(b, photo, True)
        if chosen.random() < 0.3:
            feed_of(paced).tick(clock0 + n)
            got += received(screen)
    feed_of(paced).tick(clock0 + 500)
    got += received(screen)

    web, web_seq, seq = snap["web"], snap["seq"], snap["seq"]
    for event, body in got:
        if event != "web":
            assert body["from_seq"] == seq + 1, (event, body)
            seq = body["seq"]
            continue
        # Its own chain, and it follows the messages up to its seq.
        assert body["from_seq"] <= web_seq + 1 and body["seq"] == seq, body
        web, web_seq = applied(web, body), body["seq"]
    assert seq == round_seq(paced, world.round_id)
    assert web == web_now(paced, world.round_id)
    assert web["figures"]["meetings"] == 80


def test_the_organiser_chooses_the_views_and_a_running_screen_hears_it(
        world: World) -> None:
    org = world.organiser_client()
    screen, snap = watching_screen(world.app, world.round_id)
    assert snap["round"]["screen"] == {"views": ["board"], "seconds": 20}  # as it was
    _, body = world.join("Fatma")
    phone = socketio.test_client(world.app, auth={"token": body["token"]})
    phone.emit("watch", {"round_id": world.round_id, "since_seq": 0, "view": "phone"})
    received(phone)
    received(screen)
    page = org.get(round_url(world)).get_data(as_text=True)
    assert 'name="screen_views" value="web"' in page
    res = save_round(org, world, screen_views_shown="1", screen_views=["map", "web"],
                     screen_view_seconds="12")
    assert res.status_code == 302, res.get_data(as_text=True)
    told = named(received(screen), "round")
    assert [m["screen"] for m in told] == [{"views": ["web", "map"], "seconds": 12}]
    assert named(received(phone), "round") == []  # the screen's business only
    _, again = watching_screen(world.app, world.round_id)
    assert again["round"]["screen"] == {"views": ["web", "map"], "seconds": 12}
    # Saved again unchanged: no event, nothing for the screens.
    assert save_round(org, world, screen_views_shown="1", screen_views=["web", "map"],
                      screen_view_seconds="12").status_code == 302
    assert named(received(screen), "round") == []
    # None chosen: all of them.
    assert save_round(org, world, screen_views_shown="1").status_code == 302
    assert the_round(world.app, world).screen_views == "board,wall,web,map"


@pytest.mark.parametrize(("fields", "code"), [
    ({"screen_views": ["web", "tv"]}, "screen_view_unknown"),
    ({"screen_views": ["web"], "screen_view_seconds": "4"}, "rule_out_of_range"),
    ({"screen_views": ["web"], "screen_view_seconds": "601"}, "rule_out_of_range"),
])
def test_a_bad_view_is_refused_and_nothing_changes(world: World, fields: dict[str, Any],
                                                   code: str) -> None:
    org = speaking(world.organiser_client(), "en")
    res = save_round(org, world, name="Nieuwe naam", screen_views_shown="1", **fields)
    assert res.status_code == 422
    assert f'data-code="{code}"' in res.get_data(as_text=True)
    rnd = the_round(world.app, world)
    assert (rnd.name, rnd.screen_views, rnd.screen_view_seconds) == ("Zomerronde", "board", 20)


def test_the_map_view_names_a_teller_only_when_they_agreed(world: World) -> None:
    _, body = world.join("Fatma")
    _, other = world.join("Jan")
    with db.sessions(world.app)() as s:
        rnd = s.get(Round, world.round_id)
        assert rnd is not None
        for name, teller, named_ in (("Oude smederij", body["player"]["id"], True),
                                     ("Molen", other["player"]["id"], False)):
            s.add(StorySpot(neighbourhood_id=rnd.neighbourhood_id, name=name, story="...",
                            lat=52.076, lon=5.124, teller_id=teller, teller_named=named_))
        s.commit()
    found = world.app.test_client().get(f"/screen/{world.round_id}/map").get_json()
    assert found["outline"]["type"] == "Polygon"
    assert {spot["name"]: spot["teller"] for spot in found["spots"]} == {
        "Oude smederij": "Fatma", "Molen": None}
    assert world.app.test_client().get("/screen/999999/map").status_code == 404
