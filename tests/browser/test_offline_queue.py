"""Issue 15, item 6 in a real browser: the phone's photo queue.

A photo sent with the network cut waits in IndexedDB ("wachten op verbinding"), survives a
reload, and goes out by itself with the same Idempotency-Key when the connection returns,
through a busy server (503 `busy` with Retry-After) and an answer lost on the way back (the
server took the photo, the phone never heard). The server then holds one photo and the points
once. The network is cut with Playwright's offline mode; the busy answer and the lost answer
come from the browser's network layer (`route`), the rest is the real server.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.request import urlopen

import pytest
from playwright.sync_api import expect

from tests.browser.phones import arezzo_round, camera_photo_now, meet
from tests.live_server import Server

pytestmark = pytest.mark.browser

BUSY = json.dumps({"error": {"code": "busy", "message": "Even druk, probeer het zo opnieuw."}})
REFUSED = json.dumps({"error": {"code": "outside_neighbourhood", "message": "Buiten de buurt."}})
QUEUED = "photoQueue.forMeeting(document.getElementById('photo-form').dataset.meetingId)" \
         ".then(function (e) { return e ? e.key : null; })"


class Network:
    """What happens to each upload on its way: `plan` is worked off from the front, then
    everything passes. "cut": no connection; "busy": the server's 503; "lost": the server
    gets it and answers, the answer never arrives."""

    def __init__(self) -> None:
        self.plan: list[str] = []
        self.keys: list[str | None] = []
        self.reached_server = 0

    def __call__(self, route: Any) -> None:
        self.keys.append(route.request.headers.get("idempotency-key"))
        step = self.plan.pop(0) if self.plan else "pass"
        if step == "cut":
            route.abort("internetdisconnected")
        elif step == "busy":
            route.fulfill(status=503, headers={"Retry-After": "1"},
                          content_type="application/json", body=BUSY)
        elif step == "refuse":
            route.fulfill(status=422, content_type="application/json", body=REFUSED)
        elif step == "lost":
            route.fetch()
            self.reached_server += 1
            route.abort("connectionreset")
        else:
            self.reached_server += 1
            route.continue_()


def test_a_photo_sent_offline_waits_survives_a_reload_and_counts_once(
    server: Server, phone: Any, screenshots: Path, tmp_path: Path,
) -> None:
    rnd = arezzo_round(server, "Arezzo Offline", tmp_path)
    _a, b = meet(server, phone, f"{server.url}/r/{rnd['join_code']}", ("Chiara", "Marco"))
    network = Network()
    b.route(re.compile(r".*/api/v1/meetings/\d+/photo$"), network)
    form, status = b.locator("#photo-form"), b.get_by_test_id("photo-queue")

    # No network: the photo is kept on the phone, and the page says it waits.
    b.context.set_offline(True)
    b.set_input_files("#photo-input", str(camera_photo_now("DSCN0038.jpg", tmp_path)))
    expect(b.locator("#photo-preview")).to_be_visible()
    b.locator("#photo-send").click()
    expect(form).to_have_attribute("data-queue", "waiting")
    expect(status).to_contain_text("Wachten op verbinding")
    key = b.evaluate(QUEUED)
    assert key, "the photo is not in the phone's queue"
    b.screenshot(path=screenshots / "phone-offline-waiting.png", full_page=True)

    # The connection comes back too weak to carry the upload; the page is reloaded meanwhile.
    # The photo is still there after the reload, and still waits.
    network.plan = ["cut"] * 50
    b.context.set_offline(False)
    b.reload()
    expect(b.locator("#photo-preview")).to_be_visible()
    expect(form).to_have_attribute("data-queue", "waiting")
    expect(status).to_contain_text("Wachten op verbinding")
    assert b.evaluate(QUEUED) == key

    # The network really returns: first the server is busy, then it takes the photo but its
    # answer is lost, then the same attempt is answered with that photo. No one taps anything.
    network.plan = ["busy", "lost"]
    b.context.set_offline(True)
    b.context.set_offline(False)  # the browser's online event
    done = b.get_by_test_id("photo-done")
    expect(done).to_have_attribute("data-status", "accepted", timeout=30_000)
    expect(b.get_by_test_id("photo-error")).to_be_hidden()
    assert b.evaluate(QUEUED) is None, "the accepted photo is still queued"
    assert network.reached_server == 2
    assert set(network.keys) == {key}, "every try must carry the photo's own Idempotency-Key"
    b.unroute(re.compile(r".*/api/v1/meetings/\d+/photo$"))

    # The server: one photo, and the points of one first meeting each (10 + the welcome 2).
    exported = json.loads(server.cli("export", str(rnd["id"]), "--format", "json"))
    assert len(exported["photos"]) == 1
    with urlopen(f"{server.url}/api/v1/rounds/{rnd['id']}/standings") as res:
        standings = json.load(res)["standings"]
    assert sorted((s["display_name"], s["points"], s["meetings"]) for s in standings) == [
        ("Chiara", 12, 1), ("Marco", 12, 1)]
    server.cli("check", str(rnd["id"]))

    # After a reload the meeting page shows the server's photo, and nothing waits.
    b.reload()
    expect(b.get_by_test_id("photo-status")).to_have_attribute("data-status", "accepted")


def test_a_refused_photo_leaves_the_queue_and_says_why(
    server: Server, phone: Any, tmp_path: Path,
) -> None:
    """A definitive refusal (a 4xx with its code) is shown as always and not tried again."""
    rnd = arezzo_round(server, "Arezzo Geweigerd", tmp_path)
    _a, b = meet(server, phone, f"{server.url}/r/{rnd['join_code']}", ("Giulia", "Luca"))
    network = Network()
    network.plan = ["refuse"]
    b.route(re.compile(r".*/api/v1/meetings/\d+/photo$"), network)
    b.set_input_files("#photo-input", str(camera_photo_now("DSCN0040.jpg", tmp_path)))
    b.locator("#photo-send").click()
    error = b.get_by_test_id("photo-error")
    expect(error).to_be_visible(timeout=20_000)
    expect(error).to_have_attribute("data-code", "outside_neighbourhood")
    expect(error).to_have_text("Buiten de buurt.")
    expect(b.locator("#photo-form")).not_to_have_attribute("data-queue", re.compile("."))
    assert b.evaluate(QUEUED) is None
    b.reload()  # nothing is sent again after a reload either
    expect(b.locator("#photo-preview")).to_be_hidden()
    assert b.evaluate(QUEUED) is None
    assert len(network.keys) == 1


def test_the_player_page_sends_a_waiting_photo_when_the_connection_returns(
    server: Server, phone: Any, tmp_path: Path,
) -> None:
    """The person leaves the meeting page while the photo waits: the player page sends it."""
    rnd = arezzo_round(server, "Arezzo Onderweg", tmp_path)
    _a, b = meet(server, phone, f"{server.url}/r/{rnd['join_code']}", ("Sofia", "Paolo"))
    network = Network()
    network.plan = ["cut"] * 50
    b.route(re.compile(r".*/api/v1/meetings/\d+/photo$"), network)
    b.set_input_files("#photo-input", str(camera_photo_now("DSCN0042.jpg", tmp_path)))
    b.locator("#photo-send").click()
    expect(b.locator("#photo-form")).to_have_attribute("data-queue", "waiting")
    b.get_by_role("link", name=re.compile("Terug|Back")).click()
    expect(b).to_have_url(re.compile(r"/play$"))
    waiting = b.get_by_test_id("waiting-photos")
    expect(waiting).to_be_visible()

    network.plan = []
    b.context.set_offline(True)
    b.context.set_offline(False)  # the browser's online event
    expect(waiting).to_be_hidden(timeout=30_000)
    expect(b.locator("#toasts")).to_contain_text("verstuurd")
    expect(b.get_by_test_id("points")).to_have_text("12")
    exported = json.loads(server.cli("export", str(rnd["id"]), "--format", "json"))
    assert len(exported["photos"]) == 1
    assert set(network.keys) == {network.keys[0]} and network.reached_server == 1
