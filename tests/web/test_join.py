"""Residents join a round: HTML form, JSON API, cookie and bearer, recovery, languages."""

from __future__ import annotations

import pytest

from tests.helpers import World, csrf_from


def test_join_form_sets_cookie_and_shows_recovery_once(world: World) -> None:
    client = world.app.test_client()
    page = client.get(f"/r/{world.join_code}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'name="viewport"' in html
    res = client.post(f"/r/{world.join_code}", data={
        "display_name": "  Ömer  ", "team": "Everstraat", "csrf_token": csrf_from(html)})
    assert res.status_code == 302
    assert "kk_player=" in res.headers["Set-Cookie"]
    welcome = client.get(res.headers["Location"])
    text = welcome.get_data(as_text=True)
    assert "Ömer" in text
    code = text.split('data-testid="recovery-code">')[1].split("<")[0]
    assert len(code.replace("-", "")) == 12
    # Shown once only.
    again = client.get("/welcome")
    assert again.status_code == 302
    me = client.get("/api/v1/me").get_json()
    assert me["player"]["display_name"] == "Ömer"
    assert me["player"]["team"] == "Everstraat"
    assert me["round"]["id"] == world.round_id
    page = client.get("/play")
    assert page.status_code == 200
    assert "Zomerronde" in page.get_data(as_text=True)


def test_api_join_and_me_with_bearer(world: World) -> None:
    client, body = world.join("محمد", team="Marijkeweg")
    assert body["player"]["display_name"] == "محمد"
    assert set(body) == {"player", "token", "recovery_code"}
    bare = world.app.test_client()
    me = bare.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    assert me.get_json()["player"]["id"] == body["player"]["id"]
    wrong = bare.get("/api/v1/me", headers={"Authorization": "Bearer 1.nope"})
    assert wrong.status_code == 401
    assert wrong.get_json()["error"]["code"] == "not_joined"


@pytest.mark.parametrize(
    ("name", "code", "status"),
    [
        ("", "display_name_invalid", 422),
        ("   ", "display_name_invalid", 422),
        ("x" * 25, "display_name_invalid", 422),
        ("bad\x00name", "display_name_invalid", 422),
        ("tab\u202ename", "display_name_invalid", 422),
        ("FATMA", "display_name_taken", 409),
        ("fatma", "display_name_taken", 409),
    ],
)
def test_join_refuses_bad_names(world: World, name: str, code: str, status: int) -> None:
    world.join("Fatma")
    res = world.app.test_client().post(
        "/api/v1/join", json={"join_code": world.join_code, "display_name": name})
    assert res.status_code == status
    assert res.get_json()["error"]["code"] == code
    assert res.get_json()["error"]["message"]


def test_names_of_24_letters_in_any_script_are_fine(world: World) -> None:
    _, body = world.join("Ö" * 24)
    assert body["player"]["display_name"] == "Ö" * 24


@pytest.mark.parametrize(("state", "code"), [("draft", "round_not_open"), ("ended", "round_ended")])
def test_join_a_closed_round(app, clock, state: str, code: str) -> None:  # type: ignore[no-untyped-def]
    world = World(app, clock).seed(state=state)
    res = app.test_client().post("/api/v1/join", json={"join_code": world.join_code,
                                                      "display_name": "Jan"})
    assert res.status_code == 409
    assert res.get_json()["error"]["code"] == code
    page = app.test_client().get(f"/r/{world.join_code}")
    assert page.status_code == 409
    assert f'data-code="{code}"' in page.get_data(as_text=True)


def test_unknown_join_code(world: World) -> None:
    res = world.app.test_client().get("/r/ZZZZZZ")
    assert res.status_code == 404
    assert "Die deelnamecode kennen we niet" in res.get_data(as_text=True)


def test_language_follows_browser_then_choice(world: World) -> None:
    client = world.app.test_client()
    en = client.get(f"/r/{world.join_code}", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert "Choose the name your neighbours will see" in en.get_data(as_text=True)
    other = client.get(f"/r/{world.join_code}", headers={"Accept-Language": "de-DE"})
    assert "Kies de naam die je buren zien" in other.get_data(as_text=True)
    client.get("/language/en")
    chosen = client.get(f"/r/{world.join_code}", headers={"Accept-Language": "nl"})
    assert "Choose the name your neighbours will see" in chosen.get_data(as_text=True)
    err = world.app.test_client().post(
        "/api/v1/join", json={"join_code": "NOPE22", "display_name": "x"},
        headers={"Accept-Language": "en"})
    assert err.get_json()["error"]["message"].startswith("We do not know that join code")


def test_recovery_moves_the_player_to_a_new_phone(world: World) -> None:
    old, body = world.join("Sanne")
    new = world.app.test_client()
    page = new.get("/recover").get_data(as_text=True)
    typed = body["recovery_code"].lower().replace("-", " ")
    res = new.post("/recover", data={"recovery_code": typed, "csrf_token": csrf_from(page)})
    assert res.status_code == 302
    assert new.get("/api/v1/me").get_json()["player"]["display_name"] == "Sanne"
    # The old phone's token stopped working.
    assert old.get("/api/v1/me").status_code == 401
    bad = new.post("/recover", data={"recovery_code": "AAAA-BBBB-CCCC",
                                     "csrf_token": csrf_from(page)})
    assert bad.status_code == 404


def test_a_known_player_enters_the_next_round_without_a_new_name(world: World) -> None:
    client = world.app.test_client()
    _, body = world.join("Kees")
    client.set_cookie("kk_player", body["token"])
    res = client.get(f"/r/{world.join_code}")
    assert res.status_code == 302
    assert res.headers["Location"].endswith("/play")
