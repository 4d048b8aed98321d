"""Meeting a neighbour through the API: every rule in the issue's table, and the good path."""

from __future__ import annotations

from typing import Any

import pytest

from koppelkiek.db import db
from koppelkiek.game.models import Meeting, Participation, Player, Round
from tests.helpers import NEAR_A, NEAR_B, World, claim, code_for, csrf_from

FAR_B = {"lat": 52.07870, "lon": 5.12400, "accuracy": 10}  # ~300 m north


def error_of(res: Any) -> str:
    return res.get_json()["error"]["code"]


def test_a_meeting_is_made_and_the_code_is_used_up(world: World) -> None:
    a, body_a = world.join("Fatma")
    b, _ = world.join("Ömer")
    issued = code_for(a, **NEAR_A)
    assert len(issued["code"]) == 6
    assert issued["url"] == f"http://kiek.test/m/{issued['code']}"
    assert issued["qr_svg_url"] == f"/qr/{issued['code']}.svg"
    typed = f" {issued['code'][:3].lower()}-{issued['code'][3:]} "
    res = claim(b, typed, **NEAR_B)
    assert res.status_code == 201
    meeting = res.get_json()["meeting"]
    assert meeting["partner"] == {"id": body_a["player"]["id"], "display_name": "Fatma"}
    assert meeting["photo_due_by"].startswith("2026-06-13T13:15")
    with db.sessions(world.app)() as s:
        row = s.get(Meeting, meeting["id"])
        assert row is not None and row.a_lat == NEAR_A["lat"] and row.b_accuracy_m == 10
    again = claim(b, issued["code"])
    assert again.status_code == 410 and error_of(again) == "pairing_code_used"


def _ban(world: World, name: str) -> None:
    with db.sessions(world.app)() as s:
        player = s.query(Player).filter_by(display_name=name).one()
        player.banned = True
        s.commit()


def _set_state(world: World, state: str) -> None:
    with db.sessions(world.app)() as s:
        rnd = s.get(Round, world.round_id)
        assert rnd is not None
        rnd.state = state
        s.commit()


def _drop_participation(world: World, name: str) -> None:
    with db.sessions(world.app)() as s:
        player = s.query(Player).filter_by(display_name=name).one()
        s.query(Participation).filter_by(player_id=player.id).delete()
        s.commit()


# situation -> (setup, claim position, status, code)
CASES: dict[str, tuple[Any, dict[str, Any], int, str]] = {
    "unknown code": (lambda w, c: "ABCDEF", {}, 404, "pairing_code_unknown"),
    "malformed code": (lambda w, c: "0OIL1!", {}, 404, "pairing_code_unknown"),
    "expired code": (lambda w, c: (w.clock.advance(seconds=61), c)[1], {}, 410,
                     "pairing_code_expired"),
    "used code": (lambda w, c: (claim(w.join("Jan")[0], c), c)[1], {}, 410, "pairing_code_used"),
    "round paused": (lambda w, c: (_set_state(w, "paused"), c)[1], {}, 409, "round_not_live"),
    "round ended": (lambda w, c: (_set_state(w, "ended"), c)[1], {}, 409, "round_ended"),
    "round draft": (lambda w, c: (_set_state(w, "draft"), c)[1], {}, 409, "round_not_live"),
    "owner banned": (lambda w, c: (_ban(w, "Fatma"), c)[1], {}, 403, "not_in_round"),
    "claimer banned": (lambda w, c: (_ban(w, "Ömer"), c)[1], {}, 403, "not_in_round"),
    "claimer not in round": (lambda w, c: (_drop_participation(w, "Ömer"), c)[1], {}, 403,
                             "not_in_round"),
    "too far apart": (lambda w, c: c, FAR_B, 422, "too_far_apart"),
}


@pytest.mark.parametrize("situation", list(CASES))
def test_claim_refusals(world: World, situation: str) -> None:
    setup, position, status, code = CASES[situation]
    a, _ = world.join("Fatma")
    b, _ = world.join("Ömer")
    issued = code_for(a, **NEAR_A)["code"]
    typed = setup(world, issued)
    res = claim(b, typed, **position)
    assert res.status_code == status, res.get_json()
    assert error_of(res) == code
    assert res.get_json()["error"]["message"]
    # A refused claim leaves the code usable, except when it was already spent.
    with db.sessions(world.app)() as s:
        assert s.query(Meeting).count() == (1 if situation == "used code" else 0)


def test_a_code_scanned_after_the_end_time_says_the_round_has_ended(world: World) -> None:
    """Past its end time a live round takes no meetings: the scanner is told it has ended (not
    to check the time on the poster), in their language."""
    a, _ = world.join("Fatma")
    b, _ = world.join("Ömer")
    world.clock.advance(hours=2, minutes=59, seconds=40)  # the round ends 20 s from now
    issued = code_for(a)["code"]
    world.clock.advance(seconds=30)
    res = claim(b, issued)
    assert res.status_code == 409 and error_of(res) == "round_ended"
    assert res.get_json()["error"]["message"] == "Deze ronde is afgelopen. Let op de volgende!"


def test_cannot_meet_yourself(world: World) -> None:
    a, _ = world.join("Fatma")
    res = claim(a, code_for(a)["code"])
    assert res.status_code == 409 and error_of(res) == "cannot_meet_yourself"


def test_distance_needs_both_fresh_positions(world: World) -> None:
    a, _ = world.join("Fatma")
    b, _ = world.join("Ömer")
    # A's position unknown: no distance check is possible, so no meeting either.
    refused = claim(b, code_for(a, lat=None)["code"], **FAR_B)
    assert refused.status_code == 422 and error_of(refused) == "position_required"
    # A's position is older than two minutes and no fresher code came since: the same.
    stale = code_for(a)["code"]
    world.clock.advance(seconds=59)
    a.post("/api/v1/pairing-codes", json={})  # a refresh without a position
    world.clock.advance(seconds=62)
    refused = claim(b, stale)
    assert refused.status_code == 410  # the code itself has expired by then too
    c, _ = world.join("Jan")
    # Within the limit once both accuracies are taken off: 300 m apart, 110 m accuracy each.
    loose = {**FAR_B, "accuracy": 110}
    assert claim(c, code_for(a, **{**NEAR_A, "accuracy": 110})["code"], **loose).status_code == 201


def test_claiming_again_returns_the_open_meeting(world: World) -> None:
    a, _ = world.join("Fatma")
    b, _ = world.join("Ömer")
    first = claim(b, code_for(a)["code"])
    assert first.status_code == 201
    world.clock.advance(minutes=5)
    # Either way round: A now scans B.
    second = claim(a, code_for(b)["code"])
    assert second.status_code == 200
    assert second.get_json()["meeting"]["id"] == first.get_json()["meeting"]["id"]
    world.clock.advance(minutes=11)  # the first meeting's photo window has closed
    third = claim(b, code_for(a)["code"])
    assert third.status_code == 201
    assert third.get_json()["meeting"]["id"] != first.get_json()["meeting"]["id"]


def test_too_many_claims_per_player(world: World) -> None:
    b, _ = world.join("Ömer")
    statuses = [claim(b, "ABCDEF").status_code for _ in range(11)]
    assert statuses[:10] == [404] * 10
    assert statuses[10] == 429
    res = claim(b, "ABCDEF")
    assert error_of(res) == "too_many_attempts"


def test_too_many_refused_claims_per_address(world: World) -> None:
    """Many joined phones on one address guessing codes: 60 refusals a minute, then 429."""
    clients = [world.join(f"Speler {i}")[0] for i in range(7)]
    statuses = [claim(clients[i % 7], "ABCDEF").status_code for i in range(61)]
    assert statuses[:60] == [404] * 60
    assert statuses[60] == 429


def test_scan_before_joining_completes_after_join_even_when_the_code_expired(world: World) -> None:
    a, body_a = world.join("Fatma")
    issued = code_for(a, **NEAR_A)
    phone = world.app.test_client()
    opened = phone.get(f"/m/{issued['code']}")
    assert opened.status_code == 302
    assert opened.headers["Location"].startswith(f"/r/{world.join_code}?then=/m/")
    page = phone.get(opened.headers["Location"]).get_data(as_text=True)
    world.clock.advance(seconds=90)  # typing a name takes a while; the code has expired
    joined = phone.post(f"/r/{world.join_code}", data={
        "display_name": "Ömer", "then": f"/m/{issued['code']}", "csrf_token": csrf_from(page)})
    # Straight on to the claim: the recovery code waits for a calm moment (test_recovery_code).
    assert joined.status_code == 302
    assert joined.headers["Location"] == f"/m/{issued['code']}"
    claim_page = phone.get(f"/m/{issued['code']}").get_data(as_text=True)
    res = phone.post("/api/v1/meetings", json={"code": issued["code"], **NEAR_B},
                     headers={"X-CSRFToken": csrf_from(claim_page)})
    assert res.status_code == 201, res.get_json()
    assert res.get_json()["meeting"]["partner"]["display_name"] == "Fatma"
    # Someone who never opened it in time gets "expired".
    late, _ = world.join("Jan")
    stale = code_for(a)["code"]
    world.clock.advance(seconds=61)
    assert error_of(claim(late, stale)) == "pairing_code_expired"
    assert body_a["player"]["display_name"] == "Fatma"


def test_cookie_api_calls_need_the_csrf_header(world: World) -> None:
    _, body = world.join("Fatma")
    phone = world.app.test_client()
    phone.set_cookie("kk_player", body["token"])
    res = phone.post("/api/v1/pairing-codes", json={})
    assert res.status_code == 400 and error_of(res) == "csrf_failed"
    page = phone.get("/meet").get_data(as_text=True)
    ok = phone.post("/api/v1/pairing-codes", json={}, headers={"X-CSRFToken": csrf_from(page)})
    assert ok.status_code == 201


def test_qr_svg_only_for_the_owner(world: World) -> None:
    a, _ = world.join("Fatma")
    b, _ = world.join("Ömer")
    issued = code_for(a)
    svg = a.get(issued["qr_svg_url"])
    assert svg.status_code == 200
    assert svg.mimetype == "image/svg+xml"
    assert svg.get_data(as_text=True).startswith("<svg")
    assert b.get(issued["qr_svg_url"]).status_code == 404
    assert world.app.test_client().get(issued["qr_svg_url"]).status_code == 401


def test_codes_need_a_player_in_a_round(world: World) -> None:
    res = world.app.test_client().post("/api/v1/pairing-codes", json={})
    assert res.status_code == 401 and error_of(res) == "not_joined"


def test_the_code_page_knows_when_the_round_is_over(world: World) -> None:
    """The code page is told where the player page is and when the round ends; once it has
    ended, a code refresh is refused with the code that sends the phone there, and the page
    itself hands over to the player page."""
    a, _ = world.join("Fatma")
    page = a.get("/meet").get_data(as_text=True)
    assert 'data-player-url="/play"' in page
    assert 'data-ends-at="2026-06-13T' in page
    _set_state(world, "ended")
    res = a.post("/api/v1/pairing-codes", json={})
    assert res.status_code == 409 and error_of(res) == "round_ended"
    assert res.get_json()["error"]["message"]
    gone = a.get("/meet")
    assert gone.status_code == 302 and gone.headers["Location"].endswith("/play")
