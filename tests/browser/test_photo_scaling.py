"""Issue 10 in a real browser: the phone scales a 12 MP photo to 2048 px before sending it, and
the server still finds its GPS, its time and which way is up.

The photo is made here from a real camera file with EXIF GPS near Arezzo (DSCN0025.jpg): scaled
up to 4000x3000 with its EXIF kept (Pillow's `exif=`), EXIF times set to two minutes ago in
Rome, and Orientation 6 (the camera was held upright: the picture is 3000x4000 standing). A
Pixel 5 page chooses it; the server's intake logs what it took in, and the player's own data
says where the time and place came from.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import exifread
import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.phones import (
    AREZZO_A,
    AREZZO_B,
    EXIF_TIME,
    ROME,
    claim_then_open_photo,
    join,
    show_code,
)
from tests.helpers import AREZZO, PHOTOS
from tests.live_server import Server

pytestmark = pytest.mark.browser

SOURCE = PHOTOS / "jpg" / "gps" / "DSCN0025.jpg"  # EXIF GPS 43.4684 N, 11.8816 E
TAKEN_IN = re.compile(r"photo taken in: (\d+) bytes, (\d+)x(\d+) (\w+)")


def twelve_megapixels(folder: Path, taken: datetime) -> Path:
    """4000x3000 pixels, Orientation 6, with the camera's GPS and the given EXIF time."""
    with Image.open(SOURCE) as img:
        exif = img.getexif()
        exif[0x0112] = 6  # rotate 90° clockwise to show: upright it is 3000 wide, 4000 high
        raw = exif.tobytes()
        big = img.resize((4000, 3000), Image.Resampling.LANCZOS)
    stamp = taken.astimezone(ROME).strftime("%Y:%m:%d %H:%M:%S").encode()
    raw = EXIF_TIME.sub(stamp, raw)  # same length: the EXIF layout is untouched
    path = folder / "twelve-megapixels.jpg"
    big.save(path, "JPEG", quality=92, exif=raw)
    tags = exifread.process_file(io.BytesIO(path.read_bytes()), details=False)
    assert "GPS GPSLatitude" in tags and str(tags["EXIF DateTimeOriginal"]) == stamp.decode()
    return path


def test_a_12_mp_photo_goes_out_at_2048_px_with_its_gps_time_and_orientation(
    server: Server, phone: Any, tmp_path: Path,
) -> None:
    rnd = server.live_round("Arezzo Scala", tmp_path, boundary=AREZZO, timezone="Europe/Rome")
    taken = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=2)
    photo = twelve_megapixels(tmp_path, taken)
    a = phone(AREZZO_A).new_page()
    a.goto(f"{server.url}/r/{rnd['join_code']}")
    join(a, "Chiara")
    url = show_code(a)
    b = phone(AREZZO_B).new_page()
    b.goto(url)
    join(b, "Marco")
    claim_then_open_photo(b, url, "Chiara")

    log_before = len(server.log.read_text(errors="replace"))
    b.set_input_files("#photo-input", str(photo))
    expect(b.locator("#photo-preview")).to_be_visible()
    b.locator("#photo-send").click()
    done = b.get_by_test_id("photo-done")
    expect(done).to_have_attribute("data-status", "accepted", timeout=30_000)

    # What the server took in: one JPEG, at most 2048 px, standing (the pixels were turned
    # upright and Orientation set to 1; kept at 6 they would have been turned twice).
    taken_in = TAKEN_IN.findall(server.log.read_text(errors="replace")[log_before:])
    assert len(taken_in) == 1, taken_in
    size, width, height, kind = taken_in[0]
    assert kind == "jpeg"
    assert (int(width), int(height)) == (1536, 2048)
    assert int(size) < photo.stat().st_size / 2

    # Its place came from its own EXIF GPS, its time from its own EXIF time.
    mine = b.request.get(f"{server.url}/api/v1/me/data").json()
    assert [(p["status"], p["location_source"]) for p in mine["photos"]] == [("accepted", "exif")]
    assert datetime.fromisoformat(mine["photos"][0]["taken_at"]) == taken
