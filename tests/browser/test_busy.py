"""Issue 10 in a real browser: a phone told `503 busy` says so and tries again by itself.

The server's own 503 comes when it is full (its pool, its intake queue); here the browser's
network layer answers the first call with that 503 (Playwright `route`), exactly as the server
words it, and lets the next one through to the real server.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.phones import AREZZO_A, AREZZO_B, claim_then_open_photo, join, photo_taken_now
from tests.helpers import AREZZO
from tests.live_server import Server

pytestmark = pytest.mark.browser

BUSY = json.dumps({"error": {"code": "busy", "message": "Even druk, probeer het zo opnieuw."}})


class BusyOnce:
    """Answers the first matching request 503 busy with Retry-After: 2, then lets them pass."""

    def __init__(self) -> None:
        self.keys: list[str | None] = []

    def __call__(self, route: Any) -> None:
        self.keys.append(route.request.headers.get("idempotency-key"))
        if len(self.keys) == 1:
            route.fulfill(status=503, headers={"Retry-After": "2"},
                          content_type="application/json", body=BUSY)
        else:
            route.continue_()


def test_a_busy_server_is_tried_again_by_the_phone_itself(
    server: Server, phone: Any, tmp_path: Path,
) -> None:
    rnd = server.live_round("Arezzo Druk", tmp_path, boundary=AREZZO, timezone="Europe/Rome")
    a = phone(AREZZO_A).new_page()
    a.goto(f"{server.url}/r/{rnd['join_code']}")
    join(a, "Chiara")

    # The code page: its first pairing code meets a busy server; the page says so, waits the
    # second it was told, and gets its code without anyone tapping anything.
    codes = BusyOnce()
    a.route(re.compile(r".*/api/v1/pairing-codes$"), codes)
    a.get_by_role("link", name=re.compile("Laat mijn code zien|Show my code")).click()
    busy = a.get_by_test_id("busy")
    expect(busy).to_be_visible()
    expect(busy).to_contain_text("druk")
    short_code = a.get_by_test_id("short-code")
    expect(short_code).to_have_attribute("data-code", re.compile(r"^[A-Z0-9]{6}$"))
    expect(busy).to_be_hidden()
    expect(a.locator("#code-error")).to_be_hidden()
    assert len(codes.keys) == 2
    url = f"{server.url}/m/{short_code.get_attribute('data-code')}"

    b = phone(AREZZO_B).new_page()
    b.goto(url)
    join(b, "Marco")
    claim_then_open_photo(b, url, "Chiara")

    # The photo: the first upload gets 503; the page says it is trying again and sends the
    # same attempt (the same Idempotency-Key) by itself.
    uploads = BusyOnce()
    b.route(re.compile(r".*/api/v1/meetings/\d+/photo$"), uploads)
    b.set_input_files("#photo-input", str(photo_taken_now(tmp_path)))
    expect(b.locator("#photo-preview")).to_be_visible()
    b.locator("#photo-send").click()
    expect(b.locator("#photo-status")).to_contain_text("druk")
    done = b.get_by_test_id("photo-done")
    expect(done).to_have_attribute("data-status", "accepted", timeout=30_000)
    expect(b.get_by_test_id("photo-error")).to_be_hidden()
    assert len(uploads.keys) == 2 and uploads.keys[0] and uploads.keys[0] == uploads.keys[1]
