"""Bad input to every form and endpoint gets a clear 4xx with a code, never a 500."""

from __future__ import annotations

import io
from typing import Any

import pytest

from tests.helpers import World, csrf_from

JSON_ENDPOINTS: list[tuple[str, str, Any]] = [
    ("POST", "/api/v1/join", "not json at all"),
    ("POST", "/api/v1/join", []),
    ("POST", "/api/v1/join", {"join_code": 12, "display_name": "x"}),
    ("POST", "/api/v1/join", {"join_code": None}),
    ("POST", "/api/v1/join", {"join_code": "x" * 10_000, "display_name": "x"}),
    ("POST", "/api/v1/join", {"join_code": "{code}", "display_name": ["a"]}),
    ("POST", "/api/v1/join", {"join_code": "{code}", "display_name": "a", "team": 5}),
    ("POST", "/api/v1/join", {"join_code": "{code}", "display_name": "\u0000"}),
    ("POST", "/api/v1/join", {"join_code": "{code}", "display_name": "a", "team": "t" * 41}),
    ("GET", "/api/v1/join", None),
    ("GET", "/api/v1/me", None),
    ("DELETE", "/api/v1/nothing", None),
    ("POST", "/api/v1/pairing-codes", {"lat": "x"}),
    ("POST", "/api/v1/meetings", {"code": 123}),
    ("POST", "/api/v1/join", {"join_code": "\u0000AB", "display_name": "x"}),
    ("POST", "/api/v1/meetings", {"code": "\u0000ABCDE"}),
]


@pytest.mark.parametrize(("method", "path", "payload"), JSON_ENDPOINTS)
def test_json_endpoints(world: World, method: str, path: str, payload: Any) -> None:
    client = world.app.test_client()
    if isinstance(payload, str):
        res = client.open(path, method=method, data=payload, content_type="application/json")
    else:
        if isinstance(payload, dict):
            payload = {k: (v.replace("{code}", world.join_code) if isinstance(v, str) else v)
                       for k, v in payload.items()}
        res = client.open(path, method=method, json=payload)
    assert 400 <= res.status_code < 500, (res.status_code, res.get_data(as_text=True))
    error = res.get_json()["error"]
    assert error["code"] and error["message"]


def test_player_endpoints_with_bad_fields(world: World) -> None:
    phone, _ = world.join("Fatma")
    for payload in ({"lat": "noord", "lon": 5, "accuracy": 3}, {"lat": 999, "lon": 5,
                                                                 "accuracy": 1}):
        res = phone.post("/api/v1/pairing-codes", json=payload)
        assert res.status_code == 201  # a nonsense position is ignored, not fatal
    for payload in ({"code": 123}, {"code": None}, {}, {"code": "x" * 5000}, ["list"]):
        res = phone.post("/api/v1/meetings", json=payload)
        assert 400 <= res.status_code < 500
        assert res.get_json()["error"]["code"]


HTML_POSTS: list[tuple[str, dict[str, Any]]] = [
    ("/", {"code": "x" * 500}),
    ("/", {}),
    ("/r/{code}", {"display_name": "x" * 300}),
    ("/r/{code}", {"display_name": ""}),
    ("/r/{code}", {}),
    ("/r/NOSUCH", {"display_name": "Jan"}),
    ("/recover", {"recovery_code": ""}),
    ("/recover", {"recovery_code": "x" * 100}),
    ("/organise/login", {"email": "", "password": ""}),
    ("/organise/login", {"email": "a" * 400, "password": "x"}),
    ("/organise/login", {"email": "a\x00@b.nl", "password": "x"}),
    ("/recover", {"recovery_code": "AB\x00"}),
]


@pytest.mark.parametrize(("path", "form"), HTML_POSTS)
def test_html_forms(world: World, path: str, form: dict[str, Any]) -> None:
    client = world.app.test_client()
    path = path.replace("{code}", world.join_code)
    token = csrf_from(client.get("/recover").get_data(as_text=True))
    res = client.post(path, data={**form, "csrf_token": token})
    assert 400 <= res.status_code < 500, (res.status_code, res.get_data(as_text=True)[:300])
    assert 'class="refusal"' in res.get_data(as_text=True)
    no_token = client.post(path, data=form)
    assert no_token.status_code == 400


CONSOLE_POSTS: list[tuple[str, dict[str, Any]]] = [
    ("/organise/neighbourhoods/new", {"name": "", "timezone": "x"}),
    ("/organise/neighbourhoods/new", {"name": "Buurt", "timezone": "Europe/Amsterdam"}),
    ("/organise/neighbourhoods/new", {"name": "Buurt", "boundary": b"\xff\xfe"}),
    ("/organise/neighbourhoods/{slug}/rounds", {"name": "R", "starts": "gisteren", "ends": "x"}),
    ("/organise/neighbourhoods/{slug}/rounds", {"name": "R", "starts": "2026-06-13T15:00",
                                                 "ends": "2026-06-13T16:00",
                                                 "meeting_minutes": "-5"}),
    ("/organise/neighbourhoods/{slug}/rounds", {"name": "R", "starts": "2026-06-13T15:00",
                                                 "ends": "2026-06-13T16:00",
                                                 "moderation_mode": "whenever"}),
    ("/organise/neighbourhoods/nope/rounds", {"name": "R"}),
    ("/organise/rounds/{round}/state", {"action": "explode"}),
    ("/organise/rounds/{round}/state", {}),
    ("/organise/rounds/999999/state", {"action": "start"}),
    ("/organise/rounds/{round}/rules", {"name": "R", "starts": "2026-06-13T18:00",
                                        "ends": "2026-06-13T15:00"}),
]


@pytest.mark.parametrize(("path", "form"), CONSOLE_POSTS)
def test_console_forms(world: World, path: str, form: dict[str, Any]) -> None:
    org = world.organiser_client()
    path = path.replace("{slug}", world.hood_slug).replace("{round}", str(world.round_id))
    token = csrf_from(org.get("/organise/").get_data(as_text=True))
    files = {k: (io.BytesIO(v), "b.geojson") for k, v in form.items() if isinstance(v, bytes)}
    res = org.post(path, data={**form, **files, "csrf_token": token},
                   content_type="multipart/form-data")
    if res.status_code in (302, 303):
        # The rules form answers a mistake by going back to the page with the message.
        follow = org.get(res.headers["Location"])
        assert "flash error" in follow.get_data(as_text=True)
    else:
        assert 400 <= res.status_code < 500, (res.status_code, res.get_data(as_text=True)[:300])


@pytest.mark.parametrize("path", ["/m/!!!", "/m/" + "A" * 300, "/qr/ABCDEF.svg", "/screen/99999",
                                  "/organise/rounds/abc", "/language/xx?next=//evil.example",
                                  "/r/%00", "/static/../../etc/passwd"])
def test_odd_urls(world: World, path: str) -> None:
    res = world.app.test_client().get(path)
    assert res.status_code < 500
    if res.status_code == 302:
        assert not res.headers["Location"].startswith("//")
