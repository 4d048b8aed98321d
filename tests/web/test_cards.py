"""Issue 16, residents without a smartphone: a card of 12 single-use codes that phones claim
like any pairing code; the photo scores for both and the desk records the card player's
consent. Everything goes through HTTP and Socket.IO, as a desk and phones would."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from koppelkiek.db import db
from koppelkiek.game.models import AuditEntry, Player, Round
from koppelkiek.game.rounds import RoundSpec, change_state, create_round
from koppelkiek.realtime import socketio
from tests.helpers import GPS, INSIDE, NEAR_B, World, claim, console_post, received, send


def error_of(res: Any) -> str:
    return res.get_json()["error"]["code"]


def players_page(world: World) -> str:
    return f"/organise/rounds/{world.round_id}/players"


def add_card_player(world: World, org: FlaskClient, name: str,
                    team: str = "") -> tuple[int, list[str]]:
    """The desk adds a card player on the Players page; returns their id and card codes."""
    res = console_post(org, f"{players_page(world)}/card", players_page(world),
                       display_name=name, team=team)
    assert res.status_code == 302, res.get_data(as_text=True)
    player_id = int(re.search(r"/players/(\d+)/card$", res.headers["Location"]).group(1))
    return player_id, printed_codes(world, org, player_id)


def card_page(world: World, player_id: int) -> str:
    return f"{players_page(world)}/{player_id}/card"


def printed_codes(world: World, org: FlaskClient, player_id: int, size: str = "a6") -> list[str]:
    res = org.get(f"{card_page(world, player_id)}/print?size={size}")
    assert res.status_code == 200
    return re.findall(r'<span class="code">([A-Z0-9]{6})</span>', res.get_data(as_text=True))


def reprint(world: World, org: FlaskClient, player_id: int) -> list[str]:
    res = console_post(org, f"{card_page(world, player_id)}/reprint", card_page(world, player_id))
    assert res.status_code == 302
    return printed_codes(world, org, player_id)


def desk_consent(world: World, org: FlaskClient, player_id: int, photo_id: int,
                 show: str) -> Any:
    return console_post(org, f"{players_page(world)}/{player_id}/photos/{photo_id}/consent",
                        card_page(world, player_id), show=show)


def standings(client: FlaskClient, world: World) -> dict[str, dict[str, Any]]:
    res = client.get(f"/api/v1/rounds/{world.round_id}/standings")
    return {row["display_name"]: row for row in res.get_json()["standings"]}


def test_the_desk_adds_a_card_player_with_a_printable_card(world: World) -> None:
    org = world.organiser_client()
    assert "add-card-player" in org.get(players_page(world)).get_data(as_text=True)
    player_id, codes = add_card_player(world, org, "Oma Aysel", "Everstraat")
    assert len(codes) == 12 and len(set(codes)) == 12
    page = org.get(players_page(world)).get_data(as_text=True)
    assert f'href="{card_page(world, player_id)}"' in page
    for size, page_size in (("a6", "105mm 148mm"), ("a4", "210mm 297mm")):
        html = org.get(f"{card_page(world, player_id)}/print?size={size}").get_data(as_text=True)
        assert "Koppelkiek" in html and "Zomerronde" in html and "Oma Aysel" in html
        assert f'class="sheet {size}"' in html
        assert html.count("<svg") == 12
        assert f"@page {{ size: {page_size};" in html
    assert org.get(f"{card_page(world, player_id)}/print?size=letter").status_code == 404
    # The codes are the same as a phone's: /m/<code> opens the claim flow.
    phone, _ = world.join("Jan")
    assert phone.get(f"/m/{codes[0]}").status_code == 200
    # Only a logged-in organiser sees the card.
    assert world.app.test_client().get(card_page(world, player_id)).status_code in (302, 401)


def test_a_card_player_name_follows_the_name_rules(world: World) -> None:
    org = world.organiser_client()
    world.join("Fatma")
    res = console_post(org, f"{players_page(world)}/card", players_page(world),
                       display_name="fatma")
    assert res.status_code == 409
    res = console_post(org, f"{players_page(world)}/card", players_page(world),
                       display_name="")
    assert res.status_code == 422


def _second_round_phone(world: World) -> FlaskClient:
    """A phone in another live round of the same neighbourhood."""
    now = world.clock()
    with db.sessions(world.app)() as s:
        first = s.get(Round, world.round_id)
        assert first is not None
        other = create_round(s, first.neighbourhood, RoundSpec(
            "Andere ronde", now - timedelta(minutes=5), now + timedelta(hours=2)), now)
        change_state(s, other, "start", now)
        s.commit()
        join_code = other.join_code
    phone = world.app.test_client()
    res = phone.post("/api/v1/join", json={"join_code": join_code, "display_name": "Piotr"})
    assert res.status_code == 201
    phone.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {res.get_json()['token']}"
    return phone


def _used(world: World, codes: list[str], org: FlaskClient, player_id: int) -> Any:
    phone, _ = world.join("Jan")
    assert claim(phone, codes[0]).status_code == 201
    other, _ = world.join("Sanne")
    return claim(other, codes[0])


def _used_twice_by_the_same_phone(world: World, codes: list[str], org: FlaskClient,
                                  player_id: int) -> Any:
    phone, _ = world.join("Jan")
    assert claim(phone, codes[0]).status_code == 201
    return claim(phone, codes[0])


def _revoked(world: World, codes: list[str], org: FlaskClient, player_id: int) -> Any:
    reprint(world, org, player_id)
    phone, _ = world.join("Jan")
    return claim(phone, codes[3])


def _unknown(world: World, codes: list[str], org: FlaskClient, player_id: int) -> Any:
    phone, _ = world.join("Jan")
    unknown = next(c for c in ("ABCDEF", "ABCDEG", "ABCDEH") if c not in codes)
    return claim(phone, unknown)


def _wrong_round(world: World, codes: list[str], org: FlaskClient, player_id: int) -> Any:
    return claim(_second_round_phone(world), codes[0])


def _wrong_round_used(world: World, codes: list[str], org: FlaskClient, player_id: int) -> Any:
    phone, _ = world.join("Jan")
    assert claim(phone, codes[0]).status_code == 201
    return claim(_second_round_phone(world), codes[0])  # a dead code tells outsiders nothing


def _revoked_for_an_outsider(world: World, codes: list[str], org: FlaskClient,
                             player_id: int) -> Any:
    reprint(world, org, player_id)
    return claim(_second_round_phone(world), codes[0])


def _no_position(world: World, codes: list[str], org: FlaskClient, player_id: int) -> Any:
    phone, _ = world.join("Jan")
    return claim(phone, codes[0], lat=None)


def _rate_limited(world: World, codes: list[str], org: FlaskClient, player_id: int) -> Any:
    phone, _ = world.join("Jan")
    answers = [claim(phone, code).status_code for code in codes[:10]]
    assert 429 not in answers
    return claim(phone, codes[10])


def _card_player_paused_round(world: World, codes: list[str], org: FlaskClient,
                              player_id: int) -> Any:
    phone, _ = world.join("Jan")
    page = f"/organise/rounds/{world.round_id}"
    console_post(org, f"{page}/state", page, action="pause")
    return claim(phone, codes[0])


CASES: list[tuple[str, Callable[..., Any], int, str]] = [
    ("used", _used, 410, "pairing_code_used"),
    ("used by the same phone", _used_twice_by_the_same_phone, 410, "pairing_code_used"),
    ("revoked", _revoked, 410, "pairing_code_revoked"),
    ("unknown", _unknown, 404, "pairing_code_unknown"),
    ("wrong round", _wrong_round, 403, "not_in_round"),
    ("wrong round, used", _wrong_round_used, 404, "pairing_code_unknown"),
    ("wrong round, revoked", _revoked_for_an_outsider, 404, "pairing_code_unknown"),
    ("no position on the phone", _no_position, 422, "position_required"),
    ("rate limited", _rate_limited, 429, "too_many_attempts"),
    ("round paused", _card_player_paused_round, 409, "round_not_live"),
]


@pytest.mark.parametrize(("case", "act", "status", "code"), CASES, ids=[c[0] for c in CASES])
def test_card_code_refusals(world: World, case: str, act: Callable[..., Any], status: int,
                            code: str) -> None:
    org = world.organiser_client()
    player_id, codes = add_card_player(world, org, "Oma Aysel")
    res = act(world, codes, org, player_id)
    assert res.status_code == status, res.get_json()
    body = res.get_json()["error"]
    assert body["code"] == code and body["message"]


def test_a_revoked_code_says_what_to_do_in_dutch(world: World) -> None:
    org = world.organiser_client()
    player_id, codes = add_card_player(world, org, "Oma Aysel")
    reprint(world, org, player_id)
    phone, _ = world.join("Jan")
    res = phone.post("/api/v1/meetings", json={"code": codes[0], **NEAR_B},
                     headers={"Accept-Language": "nl"})
    assert res.status_code == 410
    assert "nieuwe kaart" in res.get_json()["error"]["message"]


def test_a_card_player_met_by_two_phones(arezzo: World) -> None:
    world = arezzo
    org = world.organiser_client()
    screen = socketio.test_client(world.app)
    player_id, codes = add_card_player(world, org, "Oma Aysel", "Everstraat")
    fatma, body_f = world.join("Fatma", "Marijkeweg")
    jan, _ = world.join("Jan", "Everstraat")

    # Fatma types a card code (as written on the card, with a space) and meets Aysel.
    res = claim(fatma, f"{codes[0][:3].lower()} {codes[0][3:]}", **INSIDE)
    assert res.status_code == 201, res.get_json()
    meeting = res.get_json()["meeting"]
    assert meeting["partner"] == {"id": player_id, "display_name": "Oma Aysel"}
    world.clock.advance(seconds=30)
    first = send(fatma, meeting["id"], (GPS / "DSCN0010.jpg").read_bytes(), **INSIDE)
    assert first.status_code == 201, first.get_json()
    first_photo = first.get_json()["photo"]
    assert first_photo["status"] == "accepted"

    # A reused code is refused, for the same phone and for another.
    assert error_of(claim(jan, codes[0], **INSIDE)) == "pairing_code_used"
    assert error_of(claim(fatma, codes[0], **INSIDE)) == "pairing_code_used"

    # Jan meets her through another code of the same card.
    world.clock.advance(minutes=2)
    res = claim(jan, codes[1], **INSIDE)
    assert res.status_code == 201, res.get_json()
    world.clock.advance(seconds=30)
    second = send(jan, res.get_json()["meeting"]["id"], (GPS / "DSCN0012.jpg").read_bytes(),
                  **INSIDE)
    assert second.status_code == 201, second.get_json()
    second_photo = second.get_json()["photo"]

    # Points for all three: the card player twice, each phone once.
    board = standings(fatma, world)
    assert board["Oma Aysel"]["meetings"] == 2
    assert board["Fatma"]["meetings"] == 1 and board["Jan"]["meetings"] == 1
    # First meetings (10) for all; Fatma and Aysel are both new (welcome, 2) and from two
    # streets (3); Jan, new, is welcomed by Aysel, who is no longer new, in her own street.
    assert {name: board[name]["points"] for name in ("Oma Aysel", "Fatma", "Jan")} == {
        "Oma Aysel": 15 + 12, "Fatma": 15, "Jan": 10}
    assert board["Oma Aysel"]["rank"] == 1
    assert _cli(world.app, "check", str(world.round_id)).exit_code == 0

    # A reprint: fresh codes work, the old card's do not.
    fresh = reprint(world, org, player_id)
    assert len(fresh) == 12 and not set(fresh) & set(codes)
    sanne, _ = world.join("Sanne")
    assert error_of(claim(sanne, codes[2], **INSIDE)) == "pairing_code_revoked"
    assert claim(sanne, fresh[0], **INSIDE).status_code == 201

    # Consent: Fatma says yes on her phone; the desk asks Aysel and records her answer.
    assert fatma.post(f"/api/v1/photos/{first_photo['id']}/consent",
                      json={"show": True}).status_code == 200
    wall = fatma.get(f"/api/v1/rounds/{world.round_id}/photos").get_json()
    assert wall["photos"] == []
    page = org.get(card_page(world, player_id)).get_data(as_text=True)
    assert f'data-photo-id="{first_photo["id"]}"' in page
    assert f'data-photo-id="{second_photo["id"]}"' in page
    assert desk_consent(world, org, player_id, first_photo["id"], "yes").status_code == 302
    assert desk_consent(world, org, player_id, second_photo["id"], "no").status_code == 302
    wall = fatma.get(f"/api/v1/rounds/{world.round_id}/photos").get_json()
    assert [p["id"] for p in wall["photos"]] == [first_photo["id"]]
    page = org.get(card_page(world, player_id)).get_data(as_text=True)
    assert re.findall(r'data-answer="(\w+)"', page) == ["no", "yes"]  # newest first
    # The desk may not answer for a phone player, nor for a photo of someone else.
    assert desk_consent(world, org, int(body_f["player"]["id"]), first_photo["id"],
                        "no").status_code == 404
    with db.sessions(world.app)() as s:
        actions = s.scalars(select(AuditEntry).where(AuditEntry.action == "card_consent")).all()
        assert len(actions) == 2 and all(a.organiser_id is not None for a in actions)

    # The screen shows the card player on the board and her photo on the wall.
    screen.emit("watch", {"round_id": world.round_id, "since_seq": 0})
    snapshot = received(screen, "snapshot")[-1]
    assert "Oma Aysel" in [row["display_name"] for row in snapshot["standings"]]
    assert [p["id"] for p in snapshot["photos"]] == [first_photo["id"]]
    assert "Oma Aysel" in [row["display_name"] for row in standings(jan, world).values()]


def _cli(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=list(args))


def test_the_cli_adds_a_card_player_and_reprints_the_card(world: World) -> None:
    res = _cli(world.app, "player", "add-card", str(world.round_id), "--name", "Opa Kees",
               "--team", "Everstraat", "--json")
    assert res.exit_code == 0, res.output
    made = json.loads(res.output)
    assert set(made) >= {"player_id", "codes"} and len(made["codes"]) == 12
    phone, _ = world.join("Jan")
    assert claim(phone, made["codes"][0]).status_code == 201
    res = _cli(world.app, "player", "reprint-card", str(made["player_id"]), "--json")
    assert res.exit_code == 0, res.output
    fresh = json.loads(res.output)
    assert fresh["player_id"] == made["player_id"] and len(fresh["codes"]) == 12
    assert not set(fresh["codes"]) & set(made["codes"])
    assert error_of(claim(phone, made["codes"][1])) == "pairing_code_revoked"
    assert error_of(claim(phone, made["codes"][0])) == "pairing_code_used"
    with db.sessions(world.app)() as s:
        player = s.get(Player, made["player_id"])
        assert player is not None and player.on_card and player.team == "Everstraat"
        assert {a.action for a in s.scalars(select(AuditEntry))} >= {"card_player_add",
                                                                    "card_reprint"}
    # Refusals are clear errors, not tracebacks.
    res = _cli(world.app, "player", "add-card", str(world.round_id), "--name", "opa kees")
    assert res.exit_code != 0 and "display_name_taken" in res.output
    res = _cli(world.app, "player", "reprint-card", str(int(phone.get("/api/v1/me")
                                                           .get_json()["player"]["id"])))
    assert res.exit_code != 0 and "does not play with a card" in res.output
    res = _cli(world.app, "player", "add-card", "--help")
    words = " ".join(res.output.split())
    assert "--team" in words and "12 single-use codes" in words
