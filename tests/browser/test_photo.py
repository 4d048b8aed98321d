"""Issue 4 in a real browser: after a meeting, B uploads a real GPS photo from Arezzo.

The server runs in a subprocess with the real clock, so the injected clock is out of reach.
This test takes the "adjusted EXIF time" route instead: it copies a real camera file and
overwrites its EXIF date-time strings (DateTimeOriginal, DateTimeDigitized and DateTime, each
"YYYY:MM:DD HH:MM:SS", 19 bytes) byte for byte with the current wall time in Europe/Rome, the
neighbourhood's zone. Nothing else in the file changes: its EXIF GPS still says Arezzo.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.phones import (
    AREZZO_A,
    AREZZO_B,
    claim_then_open_photo,
    join,
    photo_taken_now,
    show_code,
)
from tests.helpers import AREZZO
from tests.live_server import Server

pytestmark = pytest.mark.browser

AREZZO_C = {"latitude": 43.4669, "longitude": 11.8849, "accuracy": 10}


def test_a_real_photo_from_arezzo_is_accepted_and_its_twin_is_a_duplicate(
    server: Server, phone: Any, screenshots: Path, tmp_path: Path,
) -> None:
    rnd = server.live_round("Arezzo Centro", tmp_path, boundary=AREZZO, timezone="Europe/Rome")
    join_url = f"{server.url}/r/{rnd['join_code']}"

    # A joins and shows a code; B scans it, joins, and the meeting is made.
    a = phone(AREZZO_A).new_page()
    a.goto(join_url)
    join(a, "Chiara")
    url = show_code(a)
    b = phone(AREZZO_B).new_page()
    b.goto(url)
    join(b, "Marco")
    claim_then_open_photo(b, url, "Chiara")

    # B takes the photo: the file input gets the camera file, and B sees it before sending.
    photo = photo_taken_now(tmp_path)
    done, error = b.get_by_test_id("photo-done"), b.get_by_test_id("photo-error")
    send = b.locator("#photo-send")
    expect(b.locator("#photo-input")).to_have_attribute("capture", "environment")
    expect(send).to_be_hidden()  # nothing to send before a photo is chosen
    b.set_input_files("#photo-input", str(photo))
    preview = b.locator("#photo-preview")
    expect(preview).to_be_visible()
    b.wait_for_function("document.getElementById('photo-preview').naturalWidth > 0")
    expect(send).to_be_visible()
    b.screenshot(path=screenshots / "phone-photo-preview.png", full_page=True)

    send.click()
    expect(done).to_be_visible(timeout=20_000)
    expect(done).to_have_attribute("data-status", "accepted")
    expect(done).not_to_be_empty()
    expect(error).to_be_hidden()
    expect(send).to_be_hidden()
    # The preview now shows the server's derived image, not the local file.
    expect(preview).to_have_attribute("src", re.compile(r"/photos/[0-9a-f]{64}\.jpg$"))
    b.wait_for_function("document.getElementById('photo-preview').naturalWidth > 0")
    b.screenshot(path=screenshots / "phone-photo-accepted.png", full_page=True)

    # The meeting page remembers the photo.
    b.reload()
    status = b.get_by_test_id("photo-status")
    expect(status).to_have_attribute("data-status", "accepted")
    expect(b.locator("#photo-form")).to_have_count(0)

    # A second meeting, B with C: the same file again is refused as a duplicate.
    c = phone(AREZZO_C).new_page()
    c.goto(join_url)
    join(c, "Giulia")
    url = show_code(c)
    b.goto(url)
    claim_then_open_photo(b, url, "Giulia")
    done, error = b.get_by_test_id("photo-done"), b.get_by_test_id("photo-error")
    b.set_input_files("#photo-input", str(photo))
    expect(b.locator("#photo-preview")).to_be_visible()
    b.locator("#photo-send").click()
    expect(error).to_be_visible(timeout=20_000)
    expect(error).to_have_attribute("data-code", "duplicate_photo")
    expect(error).not_to_be_empty()
    expect(done).to_be_hidden()
