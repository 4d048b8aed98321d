"""What a phone and the screen do in the browser, shared by the browser tests: join, show and
read a code, meet, send a camera photo, watch the standings. Fixtures stay in conftest.py."""

from __future__ import annotations

import io
import re
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import zxingcpp
from PIL import Image, ImageOps
from playwright.sync_api import expect

from tests.helpers import AREZZO, PHOTOS
from tests.live_server import Server

# Two spots in Hoograven, a few metres apart and well inside HOOGRAVEN.
SPOT_A = {"latitude": 52.0760, "longitude": 5.1240, "accuracy": 10}
SPOT_B = {"latitude": 52.0761, "longitude": 5.1241, "accuracy": 10}
# Phones standing in Arezzo, inside AREZZO and a few metres apart.
AREZZO_A = {"latitude": 43.4670, "longitude": 11.8850, "accuracy": 10}
AREZZO_B = {"latitude": 43.4671, "longitude": 11.8851, "accuracy": 10}
ROME = ZoneInfo("Europe/Rome")
CAMERA_FILE = PHOTOS / "jpg" / "gps" / "DSCN0010.jpg"  # EXIF GPS 43.467448 N, 11.885127 E
EXIF_TIME = re.compile(rb"\d{4}:\d{2}:\d{2} \d{2}:\d{2}:\d{2}")
MARKER = "window.__sameDocument"


def decode_qr(png: bytes) -> str:
    """Read the one QR code in a screenshot with zxing-cpp, as a phone camera would.

    A white margin is added first: a camera sees the paper or the screen around the code.
    """
    image = ImageOps.expand(Image.open(io.BytesIO(png)).convert("RGB"), border=40, fill="white")
    found = [r.text for r in zxingcpp.read_barcodes(image)
             if r.format == zxingcpp.BarcodeFormat.QRCode]
    assert len(found) == 1, f"expected one QR code in the screenshot, found {found}"
    return found[0]


def join(page: Any, name: str) -> None:
    """On a join page: choose a name, then continue past the recovery code. Halfway through a
    claim (a code scanned before joining) the claim goes on at once, without the code."""
    expect(page).to_have_url(re.compile(r"/r/[A-Z0-9]+"))
    mid_claim = "then=" in page.url
    page.fill("#display_name", name)
    page.get_by_role("button", name=re.compile("Doe mee|Join the game")).click()
    if mid_claim:
        expect(page).to_have_url(re.compile(r"/m/[A-Z0-9]+$"))
        expect(page.get_by_test_id("recovery-code")).to_have_count(0)
        return
    expect(page).to_have_url(re.compile(r"/welcome"))
    expect(page.get_by_test_id("recovery-code")).to_be_visible()
    page.click("#continue")


def photo_taken_now(folder: Path) -> Path:
    """A copy of the camera file whose EXIF times say "now in Rome", same length, same layout."""
    original = CAMERA_FILE.read_bytes()
    assert len(EXIF_TIME.findall(original)) == 3, "DSCN0010.jpg is not the file this test knows"
    stamp = datetime.now(ROME).strftime("%Y:%m:%d %H:%M:%S").encode()
    adjusted = EXIF_TIME.sub(stamp, original)
    assert len(adjusted) == len(original) and adjusted.count(stamp) == 3
    path = folder / "DSCN0010-now.jpg"
    path.write_bytes(adjusted)
    return path


def camera_photo_now(name: str, folder: Path) -> Path:
    """Like photo_taken_now, for another of the Arezzo camera files (all have EXIF
    GPS inside AREZZO and three EXIF times). Each test uses its own file: the derived JPEGs of
    one file are the same in every round, and the server keeps image hashes unique."""
    original = (CAMERA_FILE.parent / name).read_bytes()
    assert len(EXIF_TIME.findall(original)) == 3, f"{name} is not a file this test knows"
    stamp = datetime.now(ROME).strftime("%Y:%m:%d %H:%M:%S").encode()
    adjusted = EXIF_TIME.sub(stamp, original)
    assert len(adjusted) == len(original) and adjusted.count(stamp) == 3
    path = folder / f"now-{name}"
    path.write_bytes(adjusted)
    return path


def show_code(page: Any) -> str:
    """On the player page: open "show my code" and read the QR code from the pixels."""
    page.get_by_role("link", name=re.compile("Laat mijn code zien|Show my code")).click()
    expect(page).to_have_url(re.compile(r"/meet$"))
    short_code = page.get_by_test_id("short-code")
    expect(short_code).to_have_attribute("data-code", re.compile(r"^[A-Z0-9]{6}$"))
    qr = page.get_by_test_id("qr")
    expect(qr.locator("svg")).to_be_visible()
    url = decode_qr(qr.screenshot())
    assert url.endswith(f"/m/{short_code.get_attribute('data-code')}"), url
    return url


def claim_then_open_photo(page: Any, url: str, partner: str) -> None:
    """B's camera opened A's code (B has joined already): the meeting, then "Take our photo"."""
    expect(page).to_have_url(url)
    met = page.get_by_test_id("claim-met")
    expect(met).to_be_visible()
    expect(met).to_contain_text(partner)
    page.get_by_test_id("to-photo").click()
    expect(page).to_have_url(re.compile(r"/meetings/\d+$"))


def arezzo_round(server: Server, name: str, folder: Path, **kwargs: Any) -> dict[str, Any]:
    """A live round in a neighbourhood around Arezzo, where the camera file was taken."""
    return server.live_round(name, folder, boundary=AREZZO, timezone="Europe/Rome", **kwargs)


def open_screen(context: Any, server: Server, round_id: int) -> Any:
    """The screen page, once its first snapshot is in; marked, so a reload would show."""
    screen = context.new_page()
    screen.goto(f"{server.url}/screen/{round_id}")
    expect(screen.locator("body")).to_have_attribute("data-seq", re.compile(r"^\d+$"))
    expect(screen.get_by_test_id("reconnecting")).to_be_hidden()
    screen.evaluate(f"{MARKER} = true")
    return screen


def same_document(page: Any) -> bool:
    return page.evaluate(MARKER) is True


def expect_standings(screen: Any, rows: list[tuple[str, int]]) -> None:
    """The screen's players list, in order: (name, points)."""
    standings = screen.locator("#standings li")
    expect(standings.locator(".name")).to_have_text([name for name, _ in rows])
    expect(standings.locator(".points")).to_have_text([str(points) for _, points in rows])


def meet(server: Server, phone: Any, join_url: str, names: tuple[str, str]) -> tuple[Any, Any]:
    """A joins and shows a code, B scans it and joins: they met. A goes back to /play.

    Returns the two pages: A on /play (marked, 0 points), B on the meeting's photo page.
    """
    a = phone(AREZZO_A).new_page()
    a.goto(join_url)
    join(a, names[0])
    url = show_code(a)
    b = phone(AREZZO_B).new_page()
    b.goto(url)
    join(b, names[1])
    claim_then_open_photo(b, url, names[0])
    a.goto(f"{server.url}/play")
    expect(a.get_by_test_id("points")).to_have_text("0")
    a.evaluate(f"{MARKER} = true")
    return a, b


def send_photo(b: Any, camera_file: str, folder: Path) -> None:
    """On the meeting page: a real camera file (time adjusted to now) is sent and accepted."""
    b.set_input_files("#photo-input", str(camera_photo_now(camera_file, folder)))
    expect(b.locator("#photo-preview")).to_be_visible()
    b.locator("#photo-send").click()
    done = b.get_by_test_id("photo-done")
    expect(done).to_have_attribute("data-status", "accepted", timeout=20_000)
