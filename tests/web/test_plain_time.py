"""Issue 15, items 1-3 through HTTP and Socket.IO: time said plainly, the round's state live on
phones (with the final row at the end), outcomes with their points, and one consent switch."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from koppelkiek.realtime import socketio
from tests.helpers import (
    Clock,
    World,
    arezzo_world,
    console_post,
    meet,
    received,
    scored_photo,
)


def page(client: FlaskClient, url: str = "/play") -> str:
    res = client.get(url)
    assert res.status_code == 200, res.status_code
    return res.get_data(as_text=True)


def english(client: FlaskClient) -> FlaskClient:
    client.set_cookie("kk_lang", "en")
    return client


def set_state(world: World, action: str) -> None:
    org = world.organiser_client()
    round_page = f"/organise/rounds/{world.round_id}"
    res = console_post(org, f"{round_page}/state", round_page, action=action)
    assert res.status_code == 302, res.get_data(as_text=True)


def decide(world: World, photo_id: int, decision: str, **form: str) -> None:
    org = world.organiser_client()
    queue = f"/organise/rounds/{world.round_id}/photos"
    res = console_post(org, f"{queue}/{photo_id}/decision", queue, decision=decision, **form)
    assert res.status_code == 302


def tag(html: str, testid: str) -> str:
    """The opening tag of the element with this data-testid."""
    found = re.search(r'<[^>]*data-testid="' + re.escape(testid) + r'"[^>]*>', html, re.S)
    assert found, f"no {testid} on the page"
    return found.group(0)


def text_of(html: str, testid: str) -> str:
    start = html.index(tag(html, testid))
    chunk = html[start:html.index("</section>", start)]
    return " ".join(re.sub(r"<[^>]+>", " ", chunk).split())


def phone_socket(app: Flask, token: str, round_id: int) -> Any:
    sock = socketio.test_client(app, auth={"token": token})
    sock.emit("watch", {"round_id": round_id, "view": "phone"})
    assert received(sock, "snapshot")
    return sock


# -- 1. time, said plainly ------------------------------------------------------------------

def test_the_round_and_the_photo_deadline_read_as_time_left_and_a_local_clock_time(
    app: Flask, clock: Clock,
) -> None:
    world = arezzo_world(app, clock)  # ends three hours from now: 19:28 in Arezzo
    fatma, _ = world.join("Fatma")
    omer, _ = world.join("Ömer")
    html = page(fatma)
    left = tag(html, "round-left")
    assert 'data-tz="Europe/Rome"' in left and 'data-msg-left="nog {time}"' in left
    assert re.search(r"<strong data-left>nog 3 u 0 min</strong>", html)
    assert "· tot 19:28" in html  # the neighbourhood's clock, not UTC (17:28)
    en = page(english(fatma))
    assert "<strong data-left>3 h 0 min left</strong>" in en and "· until 19:28" in en

    # The photo of a meeting: "nog 15 min 0 s", until the clock time 15 minutes on.
    meeting = meet(world, fatma, omer)
    photo_page = page(omer, f"/meetings/{meeting}")
    assert tag(photo_page, "photo-left")
    assert "Maak jullie foto samen:" in photo_page
    assert "<strong data-left>nog 15 min 0 s</strong>" in photo_page
    assert "· tot 16:43" in photo_page
    clock.advance(minutes=14, seconds=51)
    assert "<strong data-left>nog 9 s</strong>" in page(omer, f"/meetings/{meeting}")


def test_after_the_end_a_reload_shows_thanks_with_rank_and_points_and_no_countdown(
    app: Flask, clock: Clock,
) -> None:
    world = arezzo_world(app, clock)
    fatma, _ = world.join("Fatma")
    omer, _ = world.join("Ömer")
    scored_photo(world, fatma, omer, "DSCN0010.jpg")
    live = page(fatma)
    assert "hidden" not in tag(live, "meeting-buttons") and "hidden" in tag(live, "thanks")

    set_state(world, "end")
    html = page(fatma)
    assert "data-countdown" not in html and "Tijd over" not in html
    assert "hidden" in tag(html, "meeting-buttons")
    assert "hidden" not in tag(html, "thanks")
    assert "Bedankt voor het meespelen! Je bent geëindigd op plaats 1 met 12 punten." in (
        text_of(html, "thanks"))
    # Same points, joined later: second (ties go by the earlier score, then join order).
    assert "You finished in place 2 with 12 points." in text_of(page(english(omer)), "thanks")
    # The meeting pages no longer offer a code: they lead back to the thank-you.
    for url in ("/meet", "/scan"):
        res = fatma.get(url)
        assert res.status_code == 302 and res.headers["Location"].endswith("/play")


def test_pause_resume_and_end_reach_a_phone_live_and_the_end_brings_its_final_row(
    app: Flask, clock: Clock,
) -> None:
    world = arezzo_world(app, clock)
    fatma, body = world.join("Fatma")
    omer, _ = world.join("Ömer")
    scored_photo(world, fatma, omer, "DSCN0010.jpg")
    phone = phone_socket(app, body["token"], world.round_id)
    seqs: list[int] = []
    for action, state in (("pause", "paused"), ("start", "live"), ("end", "ended")):
        set_state(world, action)
        got = phone.get_received()
        rounds = [m["args"][0] for m in got if m["name"] == "round"]
        assert [r["state"] for r in rounds] == [state]
        assert rounds[0]["round_id"] == world.round_id and rounds[0]["ends_at"]
        assert rounds[0]["from_seq"] <= rounds[0]["seq"]
        seqs.append(rounds[0]["seq"])
        mine = [m["args"][0] for m in got if m["name"] == "me"]
        if state == "ended":
            # Nothing about the row changed, yet the end carries it: the thank-you's numbers.
            assert mine == [{"seq": rounds[0]["seq"], "points": 12, "meetings": 1, "rank": 1}]
            names = [m["name"] for m in got]
            assert names.index("round") < names.index("me")
        else:
            assert mine == []
    assert seqs == sorted(seqs) and len(set(seqs)) == 3


# -- 2. outcomes, said plainly --------------------------------------------------------------

def test_a_rejection_tells_both_phones_why_and_how_many_points_live_and_after_a_reload(
    app: Flask, clock: Clock,
) -> None:
    world = arezzo_world(app, clock)
    fatma, fatma_body = world.join("Fatma")
    omer, omer_body = world.join("Ömer")
    photo = scored_photo(world, fatma, omer, "DSCN0010.jpg")
    phones = {name: phone_socket(app, body["token"], world.round_id)
              for name, body in (("Fatma", fatma_body), ("Ömer", omer_body))}
    decide(world, photo["id"], "reject", reason="blurry", note="")

    for name, partner in (("Fatma", "Ömer"), ("Ömer", "Fatma")):
        notices = [n for n in received(phones[name], "notice") if n["kind"] == "moderation"]
        assert notices == [{"kind": "moderation", "photo_id": photo["id"],
                            "meeting_id": notices[0]["meeting_id"], "status": "rejected",
                            "reason": "blurry", "points": -12, "partner": partner}]
    html = page(fatma)
    outcome = re.search(r'<p class="outcome rejected"[^>]*>(.*?)</p>', html, re.S)
    assert outcome, "no rejection card in the meetings list"
    assert " ".join(outcome.group(1).split()) == (
        "Jullie foto met Ömer is afgekeurd: Te donker of te onscherp. \u221212 punten.")
    assert f'data-photo-consent="{photo["id"]}"' not in html  # no consent for a rejected photo
    en = page(english(omer))
    assert "Your photo with Fatma was rejected: Too dark or too blurry. \u221212 points." in (
        " ".join(en.split()))
    meeting_page = page(fatma, f"/meetings/{photo_meeting(fatma, photo['id'])}")
    assert "afgekeurd: Te donker of te onscherp." in meeting_page
    # A typed note is shown as typed.
    decide(world, photo["id"], "approve")
    decide(world, photo["id"], "reject", reason="other", note="Dit is een foto van een kat")
    assert "afgekeurd: Dit is een foto van een kat. \u221212 punten." in " ".join(
        page(fatma).split())


def photo_meeting(client: FlaskClient, photo_id: int) -> int:
    html = page(client)
    found = re.search(r'data-meeting-id="(\d+)"', html)
    assert found
    return int(found.group(1))


def test_an_approval_after_pre_moderation_says_plus_the_points(
    app: Flask, clock: Clock,
) -> None:
    world = arezzo_world(app, clock, moderation_mode="pre")
    fatma, body = world.join("Fatma")
    omer, _ = world.join("Ömer")
    photo = scored_photo(world, fatma, omer, "DSCN0010.jpg")
    assert photo["status"] == "pending_review"
    assert '<p class="outcome' not in page(fatma)  # waiting for the check: no outcome yet
    phone = phone_socket(app, body["token"], world.round_id)
    decide(world, photo["id"], "approve")
    notice = [n for n in received(phone, "notice") if n["kind"] == "moderation"]
    assert notice and notice[0]["status"] == "accepted" and notice[0]["points"] == 12
    assert "Jullie foto met Ömer is goedgekeurd. +12 punten." in " ".join(page(fatma).split())

    # Changed to a rejection: the points it had brought go back, and the card says so.
    decide(world, photo["id"], "reject", reason="blurry", note="")
    flat = " ".join(page(fatma).split())
    assert "afgekeurd: Te donker of te onscherp. \u221212 punten." in flat


# -- 3. one consent switch ------------------------------------------------------------------

def switch(html: str, photo_id: int) -> list[str]:
    """The states of every consent switch of a photo on a page."""
    return re.findall(r'data-photo-consent="' + str(photo_id) + r'" data-state="(\w+)"', html)


def test_the_consent_switch_has_three_states_in_the_list_and_the_card_alike(
    app: Flask, clock: Clock,
) -> None:
    world = arezzo_world(app, clock)
    fatma, _ = world.join("Fatma")
    omer, _ = world.join("Ömer")
    photo = scored_photo(world, fatma, omer, "DSCN0010.jpg")
    html = page(fatma)
    assert 'type="checkbox"' not in html
    # Not answered: the question card and the list both say so.
    assert switch(html, photo["id"]) == ["unset", "unset"]
    assert 'data-photo-id="{}"'.format(photo["id"]) in tag(html, "consent-ask")
    assert "Nog niet beantwoord." in html
    for show, state, words in ((True, "shown", "Je koos: tonen op het grote scherm."),
                               (False, "private", "Je koos: niet tonen, privé houden.")):
        res = fatma.post(f"/api/v1/photos/{photo['id']}/consent", json={"show": show})
        assert res.status_code == 200
        html = page(fatma)
        assert switch(html, photo["id"]) == [state]  # answered: the card no longer asks
        assert "hidden" in tag(html, "consent-ask")
        assert words in html
    # The partner's own switch is theirs: still unanswered.
    assert switch(page(omer), photo["id"]) == ["unset", "unset"]
