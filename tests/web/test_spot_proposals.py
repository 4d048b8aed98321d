"""Issue 17, item 1: residents propose story spots from their phone; an organiser approves (after
editing, if they like) or rejects with a reason; the resident hears it live; an approved spot
credits its teller ("verteld door ...") when they agreed to be named."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from koppelkiek.db import db
from koppelkiek.game.models import AuditEntry, Player, SpotProposal, StorySpot
from koppelkiek.game.neighbourhoods import create_neighbourhood
from koppelkiek.game.organisers import create_organiser
from koppelkiek.realtime import socketio
from tests.helpers import AREZZO, GPS, HOOGRAVEN, Clock, World, arezzo_world, csrf_from

# DSCN0010.jpg was taken here, inside AREZZO.
PIAZZA = {"lat": 43.467448, "lon": 11.885127}
STORY = "Hier stond tot 1952 de smederij van de familie Rossi. Elke zaterdag rook het naar ijzer."


@pytest.fixture
def arezzo(app: Flask, clock: Clock) -> World:
    return arezzo_world(app, clock)


def english(client: FlaskClient) -> FlaskClient:
    client.set_cookie("kk_lang", "en")
    return client


def propose(client: FlaskClient, **fields: Any) -> Any:
    return client.post("/api/v1/spots/proposals",
                       json={"name": "Oude smederij", "story": STORY, **PIAZZA,
                             "wants_named": True, **fields})


def propose_with_photo(client: FlaskClient, photo: bytes, **fields: str) -> Any:
    form = {"name": "Oude smederij", "story": STORY, "lat": "43.467448", "lon": "11.885127",
            "wants_named": "true", **fields}
    boundary, body = encode_multipart(MultiDict(
        {"photo": FileStorage(io.BytesIO(photo), "plek.jpg"), **form}))
    return client.post("/api/v1/spots/proposals", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def queue_url(world: World) -> str:
    return f"/organise/neighbourhoods/{world.hood_slug}/proposals"


def decide(org: FlaskClient, world: World, proposal_id: int, action: str, **data: str) -> Any:
    token = csrf_from(org.get(queue_url(world)).get_data(as_text=True))
    return org.post(f"{queue_url(world)}/{proposal_id}/{action}",
                    data={"csrf_token": token, **data})


def proposals(app: Flask) -> list[SpotProposal]:
    with db.sessions(app)() as s:
        return list(s.query(SpotProposal).order_by(SpotProposal.id))


def spots(app: Flask) -> list[tuple[str, str, int | None, bool]]:
    with db.sessions(app)() as s:
        return [(sp.name, sp.story, sp.teller_id, sp.teller_named)
                for sp in s.query(StorySpot).order_by(StorySpot.id)]


def notices(sock: Any) -> list[dict[str, Any]]:
    return [e["args"][0] for e in sock.get_received()
            if e["name"] == "notice" and e["args"][0]["kind"] == "proposal"]


def test_a_proposal_waits_then_is_approved_edited_and_its_teller_hears_it_live(
        arezzo: World) -> None:
    fatma, joined = arezzo.join("Fatma")
    sock = socketio.test_client(arezzo.app, auth={"token": joined["token"]})
    sock.get_received()
    res = propose(fatma)
    assert res.status_code == 201, res.get_json()
    proposal = res.get_json()["proposal"]
    assert proposal["status"] == "pending" and isinstance(proposal["id"], int)
    assert spots(arezzo.app) == []  # nothing on the map before the organiser says yes
    mine = fatma.get("/api/v1/spots/proposals/mine").get_json()["proposals"]
    assert [(p["id"], p["status"], p["name"]) for p in mine] == [
        (proposal["id"], "pending", "Oude smederij")]

    org = arezzo.organiser_client()
    page = org.get(queue_url(arezzo)).get_data(as_text=True)
    assert "Oude smederij" in page and f'data-proposal-id="{proposal["id"]}"' in page
    res = decide(org, arezzo, proposal["id"], "approve", name="De oude smederij",
                 story=STORY + " Nu is het een bakkerij.")
    assert res.status_code == 302
    assert spots(arezzo.app) == [("De oude smederij", STORY + " Nu is het een bakkerij.",
                                  joined["player"]["id"], True)]
    [told] = notices(sock)
    assert told["status"] == "approved" and told["proposal_id"] == proposal["id"]
    assert told["name"] == "De oude smederij" and told["spot_id"]
    mine = fatma.get("/api/v1/spots/proposals/mine").get_json()["proposals"]
    assert mine[0]["status"] == "approved" and mine[0]["spot_id"] == told["spot_id"]
    with db.sessions(arezzo.app)() as s:
        [entry] = s.query(AuditEntry).filter_by(action="proposal_approve").all()
        assert json.loads(entry.detail)["edited"] is True
    audit_page = english(org).get("/organise/audit").get_data(as_text=True)
    assert "Resident&#39;s story approved as a story spot" in audit_page

    # Credit: another phone's spot list and API, and the console, say who told it.
    omer, _ = arezzo.join("Ömer")
    [listed] = omer.get("/api/v1/spots").get_json()["spots"]
    assert listed["teller"] == "Fatma"
    assert "verteld door" in omer.get("/play").get_data(as_text=True)
    # Deciding twice is refused, and nothing changes.
    res = decide(org, arezzo, proposal["id"], "reject", reason="other")
    assert res.status_code == 409
    assert proposals(arezzo.app)[0].status == "approved"


def test_a_teller_who_did_not_agree_is_not_named(arezzo: World) -> None:
    fatma, _ = arezzo.join("Fatma")
    proposal = propose(fatma, wants_named=False).get_json()["proposal"]
    org = arezzo.organiser_client()
    assert decide(org, arezzo, proposal["id"], "approve", name="", story="").status_code == 422
    assert decide(org, arezzo, proposal["id"], "approve", name="Oude smederij",
                  story=STORY).status_code == 302
    omer, _ = arezzo.join("Ömer")
    [listed] = omer.get("/api/v1/spots").get_json()["spots"]
    assert "teller" not in listed
    assert "verteld door" not in omer.get("/play").get_data(as_text=True)


def test_an_erased_teller_is_no_longer_named(arezzo: World) -> None:
    fatma, _ = arezzo.join("Fatma")
    proposal = propose(fatma).get_json()["proposal"]
    org = arezzo.organiser_client()
    decide(org, arezzo, proposal["id"], "approve", name="Oude smederij", story=STORY)
    assert fatma.delete("/api/v1/me").status_code in (200, 204)
    omer, _ = arezzo.join("Ömer")
    [listed] = omer.get("/api/v1/spots").get_json()["spots"]
    assert "teller" not in listed
    assert proposals(arezzo.app) == []  # their stories went with them; the spot stays
    assert len(spots(arezzo.app)) == 1


def test_a_rejection_with_its_reason_reaches_the_phone_in_its_language(arezzo: World) -> None:
    fatma, joined = arezzo.join("Fatma")
    english(fatma)
    sock = socketio.test_client(arezzo.app, auth={"token": joined["token"]})
    sock.get_received()
    proposal = propose(fatma).get_json()["proposal"]
    org = arezzo.organiser_client()
    assert decide(org, arezzo, proposal["id"], "reject", reason="nonsense").status_code == 422
    assert proposals(arezzo.app)[0].status == "pending"
    assert decide(org, arezzo, proposal["id"], "reject", reason="already_known").status_code == 302
    [told] = notices(sock)
    assert (told["status"], told["reason"]) == ("rejected", "already_known")
    [mine] = fatma.get("/api/v1/spots/proposals/mine").get_json()["proposals"]
    assert mine["status"] == "rejected"
    assert mine["reason_text"] == "We already have a story spot for this place"
    assert spots(arezzo.app) == []
    page = fatma.get("/spots/propose").get_data(as_text=True)
    assert "We already have a story spot for this place" in page


@pytest.mark.parametrize(("fields", "code"), [
    ({"name": ""}, "spot_name_invalid"),
    ({"name": "x" * 121}, "spot_name_invalid"),
    ({"name": "Fat\u200bma"}, "spot_name_invalid"),  # an invisible character
    ({"story": "x" * 1001}, "spot_story_too_long"),
    ({"story": "bel\x07l"}, "spot_story_invalid"),
    ({"lat": 52.0760, "lon": 5.1240}, "spot_outside_neighbourhood"),  # Utrecht, not Arezzo
    ({"lat": "noord"}, "spot_coordinates_invalid"),
    ({"lat": None}, "spot_coordinates_invalid"),
    ({"lat": True}, "spot_coordinates_invalid"),
    ({"wants_named": "misschien"}, "field_invalid"),
])
def test_bad_input_is_refused_in_words_and_leaves_nothing(arezzo: World, fields: dict[str, Any],
                                                          code: str) -> None:
    fatma, _ = arezzo.join("Fatma")
    res = propose(english(fatma), **fields)
    assert res.status_code in (422,), res.get_json()
    assert res.get_json()["error"]["code"] == code
    assert res.get_json()["error"]["message"]
    assert proposals(arezzo.app) == []


def test_the_story_may_be_1000_characters_and_the_refusal_speaks_dutch(arezzo: World) -> None:
    fatma, _ = arezzo.join("Fatma")
    assert propose(fatma, story="x" * 1000).status_code == 201
    res = propose(fatma, story="x" * 1001)
    assert "1001" in res.get_json()["error"]["message"]
    assert "te lang" in res.get_json()["error"]["message"]


def test_only_a_joined_phone_proposes_and_only_its_own_are_listed(arezzo: World) -> None:
    stranger = arezzo.app.test_client()
    assert stranger.post("/api/v1/spots/proposals", json={"name": "x", **PIAZZA}).status_code == 401
    assert stranger.get("/api/v1/spots/proposals/mine").status_code == 401
    fatma, _ = arezzo.join("Fatma")
    omer, _ = arezzo.join("Ömer")
    propose(fatma)
    assert omer.get("/api/v1/spots/proposals/mine").get_json()["proposals"] == []


def test_proposals_share_the_rate_limit_of_resident_writes(arezzo: World) -> None:
    fatma, _ = arezzo.join("Fatma")
    answers = [propose(fatma, name=f"Plek {i}").status_code for i in range(6)]
    assert answers == [201] * 5 + [429]
    assert len(proposals(arezzo.app)) == 5


def test_an_unknown_proposal_and_another_neighbourhoods_organiser_see_nothing(
        arezzo: World) -> None:
    fatma, _ = arezzo.join("Fatma")
    proposal = propose(fatma).get_json()["proposal"]
    org = arezzo.organiser_client()
    assert decide(org, arezzo, 999_999, "approve", name="x", story="").status_code == 404
    with db.sessions(arezzo.app)() as s:
        other = create_organiser(s, "ander@example.nl", "correct horse battery", arezzo.clock())
        create_neighbourhood(s, name="Hoograven", boundary=json.dumps(HOOGRAVEN),
                             now=arezzo.clock(), organiser=other)
        s.commit()
    outsider = arezzo.app.test_client()
    page = outsider.get("/organise/login").get_data(as_text=True)
    outsider.post("/organise/login", data={"email": "ander@example.nl",
                                           "password": "correct horse battery",
                                           "csrf_token": csrf_from(page)})
    assert outsider.get(queue_url(arezzo)).status_code == 404
    own = outsider.get("/organise/").get_data(as_text=True)
    token = csrf_from(own)
    res = outsider.post(f"{queue_url(arezzo)}/{proposal['id']}/approve",
                        data={"csrf_token": token, "name": "x", "story": ""})
    assert res.status_code == 404
    assert proposals(arezzo.app)[0].status == "pending" and spots(arezzo.app) == []


def test_a_photo_of_the_place_is_kept_only_as_derived_jpegs_without_metadata(
        arezzo: World) -> None:
    fatma, _ = arezzo.join("Fatma")
    original = (GPS / "DSCN0010.jpg").read_bytes()
    res = propose_with_photo(fatma, original)
    assert res.status_code == 201, res.get_json()
    [mine] = fatma.get("/api/v1/spots/proposals/mine").get_json()["proposals"]
    thumb = fatma.get(mine["thumb_url"])
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    image = Image.open(io.BytesIO(thumb.data))
    assert max(image.size) <= 400 and not image.getexif()
    with db.sessions(arezzo.app)() as s:
        stored = s.query(SpotProposal).one()
        assert stored.display_jpeg is not None and stored.display_jpeg != original
        assert b"GPS" not in stored.display_jpeg and b"Exif" not in stored.display_jpeg
    # Another resident cannot see it; the organiser can, in the queue.
    omer, _ = arezzo.join("Ömer")
    assert omer.get(mine["thumb_url"]).status_code == 404
    org = arezzo.organiser_client()
    assert mine["thumb_url"] in org.get(queue_url(arezzo)).get_data(as_text=True)
    assert org.get(mine["thumb_url"]).status_code == 200


@pytest.mark.parametrize(("photo", "status", "code"), [
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>" * 10, 415, "unsupported_type"),
    ("bomb", 422, "image_too_large"),
    ("truncated", 422, "image_broken"),
])
def test_a_hostile_photo_is_refused_and_nothing_is_kept(arezzo: World, photo: Any, status: int,
                                                        code: str) -> None:
    if photo == "bomb":
        out = io.BytesIO()
        Image.new("1", (12_000, 12_000)).save(out, "PNG")  # 144 MP in a few KB
        photo = out.getvalue()
    elif photo == "truncated":
        photo = (GPS / "DSCN0021.jpg").read_bytes()[:30_000]
    fatma, _ = arezzo.join("Fatma")
    res = propose_with_photo(fatma, photo)
    assert res.status_code == status, res.get_json()
    assert res.get_json()["error"]["code"] == code
    assert proposals(arezzo.app) == []


def test_the_phone_page_and_the_console_queue(arezzo: World) -> None:
    fatma, _ = arezzo.join("Fatma")
    play = fatma.get("/play").get_data(as_text=True)
    assert "/spots/propose" in play and "Vertel een verhaal over een plek" in play
    page = fatma.get("/spots/propose").get_data(as_text=True)
    assert 'data-boundary="' in page and 'data-testid="outline"' in page  # shown without tiles
    # Even with a tile server set for the console, the phone's page names no other site.
    arezzo.app.config["MAP_TILES"] = "https://tiles.example.org/{z}/{x}/{y}.png"
    assert "tiles.example.org" not in fatma.get("/spots/propose").get_data(as_text=True)
    assert "Noem mijn naam bij het verhaal" in page
    assert arezzo.app.test_client().get("/spots/propose").status_code == 401
    org = arezzo.organiser_client()
    hood_page = org.get(f"/organise/neighbourhoods/{arezzo.hood_slug}").get_data(as_text=True)
    assert queue_url(arezzo) in hood_page
    round_page = org.get(f"/organise/rounds/{arezzo.round_id}").get_data(as_text=True)
    assert f"{queue_url(arezzo)}?round={arezzo.round_id}" in round_page
    assert 'data-testid="proposals-empty"' in org.get(queue_url(arezzo)).get_data(as_text=True)


def test_the_cli_lists_a_rounds_proposals_and_approves_one(arezzo: World) -> None:
    fatma, joined = arezzo.join("Fatma")
    proposal = propose(fatma).get_json()["proposal"]
    runner = arezzo.app.test_cli_runner()
    res = runner.invoke(args=["spot", "proposals", str(arezzo.round_id), "--json"])
    assert res.exit_code == 0, res.output
    [listed] = json.loads(res.output)["proposals"]
    assert (listed["id"], listed["status"], listed["name"]) == (
        proposal["id"], "pending", "Oude smederij")
    res = runner.invoke(args=["spot", "approve", str(proposal["id"])])
    assert res.exit_code == 0, res.output
    assert "approved" in res.output
    assert spots(arezzo.app) == [("Oude smederij", STORY, joined["player"]["id"], True)]
    res = runner.invoke(args=["spot", "approve", str(proposal["id"])])
    assert res.exit_code != 0 and "proposal_decided" in res.output
    res = runner.invoke(args=["spot", "approve", "424242"])
    assert res.exit_code != 0 and "no proposal 424242" in res.output
    with db.sessions(arezzo.app)() as s:
        [entry] = s.query(AuditEntry).filter_by(action="proposal_approve").all()
        assert json.loads(entry.detail)["via"] == "cli"
        assert s.get(Player, joined["player"]["id"]) is not None


def test_an_approved_spot_is_scored_like_any_other(arezzo: World) -> None:
    """A photo already taken at the place earns the bonus once the spot exists (rescored)."""
    from tests.helpers import scored_photo  # noqa: PLC0415 - only this test needs photos

    a, _ = arezzo.join("Fatma")
    b, _ = arezzo.join("Ömer")
    photo = scored_photo(arezzo, a, b, "DSCN0010.jpg")
    for who in (a, b):
        assert who.post(f"/api/v1/photos/{photo['id']}/consent",
                        json={"show": True}).status_code == 200
    before = a.get("/api/v1/me").get_json()["points"]
    proposal = propose(a).get_json()["proposal"]
    decide(arezzo.organiser_client(), arezzo, proposal["id"], "approve", name="Oude smederij",
           story=STORY)
    assert a.get("/api/v1/me").get_json()["points"] > before
    res = arezzo.app.test_cli_runner().invoke(args=["check", str(arezzo.round_id)])
    assert res.exit_code == 0, res.output
    # The wall (what the screen shows) credits the teller under the photo taken there.
    [item] = arezzo.app.test_client().get(
        f"/api/v1/rounds/{arezzo.round_id}/photos").get_json()["photos"]
    assert item["spot"]["name"] == "Oude smederij" and item["spot"]["teller"] == "Fatma"


def test_outside_a_round_nobody_proposes(app: Flask, clock: Clock) -> None:
    world = arezzo_world(app, clock)
    fatma, _ = world.join("Fatma")
    with db.sessions(app)() as s:
        player = s.query(Player).one()
        player.banned = True
        s.commit()
    res = propose(fatma)
    assert res.status_code == 403 and res.get_json()["error"]["code"] == "not_in_round"
    assert AREZZO["type"] == "Polygon"


def test_an_approved_spot_is_undone_by_deleting_it_as_any_spot(arezzo: World) -> None:
    fatma, _ = arezzo.join("Fatma")
    proposal = propose(fatma).get_json()["proposal"]
    org = arezzo.organiser_client()
    decide(org, arezzo, proposal["id"], "approve", name="Oude smederij", story=STORY)
    [mine] = fatma.get("/api/v1/spots/proposals/mine").get_json()["proposals"]
    spots_page = f"/organise/neighbourhoods/{arezzo.hood_slug}/spots"
    token = csrf_from(org.get(spots_page).get_data(as_text=True))
    assert "verteld door" in org.get(spots_page).get_data(as_text=True)
    res = org.post(f"{spots_page}/{mine['spot_id']}/delete", data={"csrf_token": token})
    assert res.status_code == 302
    assert spots(arezzo.app) == []
    [mine] = fatma.get("/api/v1/spots/proposals/mine").get_json()["proposals"]
    assert (mine["status"], mine["spot_id"]) == ("approved", None)
