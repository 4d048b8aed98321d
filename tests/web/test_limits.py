"""Issue 13, limits keyed on who is asking: a hall full of phones on one WiFi address plays
without a 429, while one address guessing codes is still stopped (koppelkiek/limits.py)."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.helpers import NEAR_A, NEAR_B, World, claim, code_for, csrf_from

HALL = "198.51.100.7"  # the community centre's one public address


def on_address(client: FlaskClient, address: str) -> FlaskClient:
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_a_hall_of_300_joins_and_meets_150_times_from_one_address(world: World) -> None:
    phones: list[FlaskClient] = []
    for number in range(300):
        phone = on_address(world.app.test_client(), HALL)
        res = phone.post("/api/v1/join", json={"join_code": world.join_code,
                                               "display_name": f"Buur {number}"})
        assert res.status_code == 201, (number, res.get_json())
        phone.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {res.get_json()['token']}"
        phones.append(phone)
    for shown, scanning in zip(phones[::2], phones[1::2], strict=True):
        res = claim(scanning, code_for(shown, **NEAR_A)["code"], **NEAR_B)
        assert res.status_code == 201, res.get_json()


def test_one_address_scanning_guessed_codes_is_stopped(world: World) -> None:
    guesser = on_address(world.app.test_client(), HALL)
    statuses = [guesser.get(f"/m/ABCD{a}{b}").status_code
                for a in "ABCDEFGHJKMNPQRSTUVWXYZ23456789" for b in "ABCDEFGHJKMNPQRSTUVW"]
    assert 429 not in statuses[:600]
    assert statuses[600:] == [429] * (len(statuses) - 600)
    other = on_address(world.app.test_client(), "203.0.113.9")
    assert other.get("/m/ABCDEF").status_code != 429


def test_a_joined_phone_scanning_many_codes_is_stopped_on_its_own(world: World) -> None:
    phone, _ = world.join("Fatma")
    statuses = [phone.get(f"/m/ABCDE{c}").status_code for c in "ABCDEFGHJKMNPQRSTUVWXYZ23456789"]
    assert 429 not in statuses[:30] and statuses[30] == 429
    neighbour, _ = world.join("Ömer")  # same address, its own count
    assert neighbour.get("/m/ABCDEF").status_code != 429


def _recover(client: FlaskClient, code: str) -> Any:
    token = csrf_from(client.get("/recover").get_data(as_text=True))
    return client.post("/recover", data={"recovery_code": code, "csrf_token": token})


def test_one_address_guessing_recovery_codes_is_stopped(world: World) -> None:
    guesser = on_address(world.app.test_client(), HALL)
    statuses = [_recover(guesser, f"ABCD-EFGH-JK{n:02d}").status_code for n in range(21)]
    assert statuses[:20] == [404] * 20
    assert statuses[20] == 429


def _login(client: FlaskClient, email: str, password: str) -> int:
    token = csrf_from(client.get("/organise/login").get_data(as_text=True))
    return client.post("/organise/login", data={"email": email, "password": password,
                                                "csrf_token": token}).status_code


def test_failed_logins_lock_one_email_at_one_address_only(world: World) -> None:
    world.organiser_email = "org@example.nl"
    hall = on_address(world.app.test_client(), HALL)
    assert [_login(hall, "org@example.nl", "wrong") for _ in range(6)] == [401] * 5 + [429]
    assert _login(hall, "org@example.nl", world.organiser_password) == 429
    # Another organiser in the same hall, and the same organiser at home, still get in.
    home = on_address(world.app.test_client(), "203.0.113.9")
    assert _login(home, "org@example.nl", world.organiser_password) == 302
    assert _login(hall, "someone@example.nl", "wrong") == 401


def test_a_right_password_after_a_typo_is_not_counted_against(world: World) -> None:
    hall = on_address(world.app.test_client(), HALL)
    for _ in range(4):
        assert _login(hall, world.organiser_email, "wrong") == 401
        assert _login(hall, world.organiser_email, world.organiser_password) == 302
        hall.post("/organise/logout", data={
            "csrf_token": csrf_from(hall.get("/organise/").get_data(as_text=True))})


def test_one_address_trying_many_emails_is_stopped(world: World) -> None:
    hall = on_address(world.app.test_client(), HALL)
    statuses = [_login(hall, f"guess{n}@example.nl", "wrong") for n in range(31)]
    assert statuses[:30] == [401] * 30 and statuses[30] == 429
