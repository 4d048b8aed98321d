"""Issue 15, item 4: the recovery code comes at a calm moment, never halfway through a claim,
and stays on "my data"."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from tests.helpers import NEAR_A, NEAR_B, World, code_for, csrf_from

CODE = re.compile(r'data-testid="recovery-code">([A-Z0-9-]+)<')


def shown_code(page: str) -> str | None:
    found = CODE.search(page)
    return found.group(1) if found else None


def join_form(world: World, phone: FlaskClient, then: str | None = None) -> str:
    """Join through the HTML form; returns where it went."""
    url = f"/r/{world.join_code}" + (f"?then={then}" if then else "")
    page = phone.get(url).get_data(as_text=True)
    data = {"display_name": "Ömer", "csrf_token": csrf_from(page)}
    if then:
        data["then"] = then
    joined = phone.post(f"/r/{world.join_code}", data=data)
    assert joined.status_code == 302
    return str(joined.headers["Location"])


def test_joined_from_the_poster_the_welcome_page_shows_it_and_my_data_keeps_it(
        world: World) -> None:
    phone = world.app.test_client()
    location = join_form(world, phone)
    welcome = phone.get(location).get_data(as_text=True)
    code = shown_code(welcome)
    assert code and len(code.replace("-", "")) == 12
    assert "schermafbeelding" in welcome  # write it down or take a screenshot
    assert shown_code(phone.get("/play").get_data(as_text=True)) is None  # once is enough
    my_data = phone.get("/me").get_data(as_text=True)
    assert shown_code(my_data) == code
    assert shown_code(phone.get("/me").get_data(as_text=True)) == code  # and it stays


def test_joined_halfway_through_a_claim_it_waits_until_the_player_page(world: World) -> None:
    a, _ = world.join("Fatma")
    issued = code_for(a, **NEAR_A)
    phone = world.app.test_client()
    location = join_form(world, phone, then=f"/m/{issued['code']}")
    assert location == f"/m/{issued['code']}"  # the neighbour waits: on with the claim
    claim_page = phone.get(location).get_data(as_text=True)
    assert shown_code(claim_page) is None
    res = phone.post("/api/v1/meetings", json={"code": issued["code"], **NEAR_B},
                     headers={"X-CSRFToken": csrf_from(claim_page)})
    assert res.status_code == 201, res.get_json()
    meeting = phone.get(f"/meetings/{res.get_json()['meeting']['id']}").get_data(as_text=True)
    assert shown_code(meeting) is None
    # Back on the player page, the meeting done: now it is shown, once, and on "my data".
    play = phone.get("/play").get_data(as_text=True)
    code = shown_code(play)
    assert code and 'id="recovery-due"' in play
    assert shown_code(phone.get("/play").get_data(as_text=True)) is None
    assert shown_code(phone.get("/me").get_data(as_text=True)) == code


def test_a_new_phone_keeps_the_code_it_came_in_with_and_a_wrong_one_is_not_shown(
        world: World) -> None:
    old_phone = world.app.test_client()
    location = join_form(world, old_phone)
    code = shown_code(old_phone.get(location).get_data(as_text=True))
    assert code
    new_phone = world.app.test_client()
    page = new_phone.get("/recover").get_data(as_text=True)
    res = new_phone.post("/recover", data={"recovery_code": code.lower().replace("-", " "),
                                            "csrf_token": csrf_from(page)})
    assert res.status_code == 302
    assert shown_code(new_phone.get("/me").get_data(as_text=True)) == code
    # A code this phone kept that no longer gets this player in is not shown.
    new_phone.set_cookie("kk_recovery", "AAAA-BBBB-CCCC")
    my_data = new_phone.get("/me").get_data(as_text=True)
    assert shown_code(my_data) is None and 'data-testid="no-recovery-code"' in my_data
