"""Five languages: Accept-Language first, then the picker's choice, remembered per player;
Arabic pages run right to left; API refusals speak the same language as the pages."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from koppelkiek.language import COOKIE, NAMES
from tests.helpers import World, csrf_from

JOIN_HEADING = {
    "nl": "Kies de naam die je buren zien",
    "en": "Choose the name your neighbours will see",
    "tr": "Komşularınızın göreceği adı seçin",
    "ar": "اختر الاسم الذي سيراه جيرانك",
    "pl": "Wybierz imię, które zobaczą sąsiedzi",
}


def html_tag(page: str) -> str:
    match = re.search(r"<html[^>]*>", page)
    assert match, "no <html> tag"
    return match.group(0)


def choose(client: FlaskClient, lang: str, page: str = "/", **extra: str) -> object:
    html = client.get(page).get_data(as_text=True)
    return client.post("/language", data={"lang": lang, "next": page,
                                          "csrf_token": csrf_from(html), **extra})


@pytest.mark.parametrize("lang", ["tr", "ar", "pl"])
def test_accept_language_picks_the_language_before_any_choice(world: World, lang: str) -> None:
    page = world.app.test_client().get(
        f"/r/{world.join_code}", headers={"Accept-Language": f"{lang};q=0.9,de;q=0.5"})
    text = page.get_data(as_text=True)
    assert JOIN_HEADING[lang] in text
    direction = "rtl" if lang == "ar" else "ltr"
    assert html_tag(text) == f'<html lang="{lang}" dir="{direction}">'
    # Without JavaScript the picker has its own button; with it, choosing is enough.
    assert '<noscript><button type="submit" class="lang-go">' in text
    # The picker names every language in its own words, with this one chosen.
    for code, name in NAMES.items():
        selected = " selected" if code == lang else ""
        assert f'<option value="{code}" lang="{code}"' in text
        assert f"{selected}>{name}</option>" in text


def test_a_visitor_choice_is_kept_in_the_browser(world: World) -> None:
    client = world.app.test_client()
    res = choose(client, "pl", page=f"/r/{world.join_code}")
    assert res.status_code == 302 and res.headers["Location"] == f"/r/{world.join_code}"
    assert client.get_cookie(COOKIE).value == "pl"
    page = client.get(f"/r/{world.join_code}", headers={"Accept-Language": "tr"})
    assert JOIN_HEADING["pl"] in page.get_data(as_text=True)


def test_the_choice_is_remembered_for_the_player_on_another_phone(world: World) -> None:
    phone, body = world.join("Fatma")
    token = body["token"]
    assert choose(phone, "ar", page="/play").status_code == 302
    # Another phone (no language cookie, an English browser), signed in as the same player.
    other = world.app.test_client()
    other.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    page = other.get("/play", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert html_tag(page) == '<html lang="ar" dir="rtl">'
    assert "مرحبًا <bdi>Fatma</bdi>" in page  # the name isolated inside the Arabic sentence
    # The API speaks the player's language too.
    res = other.post("/api/v1/meetings", json={"code": "ABCDEF"},
                     headers={"Accept-Language": "en"})
    assert res.status_code == 404
    assert res.get_json()["error"] == {
        "code": "pairing_code_unknown",
        "message": "لا نعرف هذا الرمز. تحقق من الأحرف الستة، أو اطلب من جارك أن يعرض رمزه مرة "
                   "أخرى."}
    # A later choice replaces it.
    choose(phone, "tr", page="/play")
    assert 'lang="tr"' in html_tag(other.get("/play").get_data(as_text=True))


def test_joining_stores_the_language_the_pages_were_in(world: World) -> None:
    client = world.app.test_client()
    res = client.post("/api/v1/join", json={"join_code": world.join_code, "display_name": "Kasia"},
                      headers={"Accept-Language": "pl-PL,pl;q=0.9"})
    assert res.status_code == 201
    token = res.get_json()["token"]
    later = world.app.test_client()
    page = later.get("/play", headers={"Authorization": f"Bearer {token}",
                                       "Accept-Language": "nl"}).get_data(as_text=True)
    assert 'lang="pl"' in html_tag(page)


def test_api_refusal_follows_accept_language_for_a_stranger(world: World) -> None:
    res = world.app.test_client().post(
        "/api/v1/join", json={"join_code": "NOPE22", "display_name": "x"},
        headers={"Accept-Language": "tr-TR"})
    assert res.status_code == 404
    assert res.get_json()["error"]["message"] == (
        "Bu katılım kodunu tanımıyoruz. Afişe bakıp tekrar deneyin.")


def test_an_unknown_language_or_a_foreign_next_changes_nothing(world: World) -> None:
    phone, _ = world.join("Ewa")
    choose(phone, "pl", page="/play")
    res = choose(phone, "xx", page="/play")
    assert res.status_code == 302
    assert phone.get_cookie(COOKIE).value == "pl"
    assert 'lang="pl"' in html_tag(phone.get("/play").get_data(as_text=True))
    html = phone.get("/play").get_data(as_text=True)
    res = phone.post("/language", data={"lang": "en", "next": "//evil.example",
                                        "csrf_token": csrf_from(html)})
    assert res.headers["Location"] == "/"
    # Without the form's CSRF token the choice is refused, and nothing changes.
    refused = phone.post("/language", data={"lang": "nl", "next": "/play"})
    assert refused.status_code == 400
    assert 'lang="en"' in html_tag(phone.get("/play").get_data(as_text=True))


def test_codes_and_numbers_stay_left_to_right_on_arabic_pages(world: World) -> None:
    phone, _ = world.join("Youssef")
    choose(phone, "ar", page="/play")
    show = phone.get("/meet").get_data(as_text=True)
    assert re.search(r'<p class="short-code"[^>]*dir="ltr"', show)
    player = phone.get("/play").get_data(as_text=True)
    assert re.search(r'<strong id="points"[^>]*dir="ltr"', player)
    screen = world.app.test_client().get(f"/screen/{world.round_id}",
                                         headers={"Accept-Language": "ar"})
    text = screen.get_data(as_text=True)
    assert html_tag(text) == '<html lang="ar" dir="rtl">'
    assert f'<p class="code" data-testid="join-code" dir="ltr">{world.join_code}</p>' in text


def test_the_console_and_the_poster_carry_their_language_and_direction(world: World) -> None:
    org = world.organiser_client()
    console = org.get("/organise/", headers={"Accept-Language": "ar"}).get_data(as_text=True)
    assert html_tag(console) == '<html lang="ar" dir="rtl">'
    assert "لوحة التحكم" in console  # "Console"
    assert 'lang="pl"' in html_tag(
        org.get("/organise/", headers={"Accept-Language": "pl"}).get_data(as_text=True))
    poster = org.get(f"/organise/rounds/{world.round_id}/poster",
                     headers={"Accept-Language": "ar"}).get_data(as_text=True)
    assert html_tag(poster) == '<html lang="nl" dir="ltr">'  # the poster is in Dutch for now
