"""Issue 17, item 4, in a real browser: the organiser opens the neighbourhood report in the
console; the street matrix is a heat table with its numbers and a legend, and printed on A4
(`page.pdf`) nothing runs off the page sideways, even with long street names.

The afternoon is played over HTTP against the real server, as phones would: joins with a
street, meetings, and a photo for each (a small picture with the phone's position).
"""

from __future__ import annotations

import io
import random
import re
from pathlib import Path
from typing import Any

import pytest
import requests
from PIL import Image
from playwright.sync_api import expect

from tests.browser.test_accessibility import axe_problems
from tests.browser.test_console import log_in
from tests.live_server import SPOT, Server, meet

pytestmark = pytest.mark.browser

# Long names, as Dutch streets have them: the matrix must still fit on A4.
EVER = "Burgemeester van Tienhovenlaan"
MARIJKE = "Koningin Marijkeweg-Noordzijde"
PLAYERS = [*((f"Ever{i}", EVER) for i in range(5)), *((f"Marijke{i}", MARIJKE) for i in range(5)),
           ("Hofje0", "Hofje"), ("Hofje1", "Hofje"), ("Steeg0", "Steegje"),
           ("Steeg1", "Steegje"), ("Steeg2", "Steegje")]
# (who shows the code, who claims it and sends the photo), by index in PLAYERS
MEETINGS = [(0, 5), (1, 6), (0, 1), (2, 3), (5, 6), (10, 12), (7, 13)]
A4_MM = (210, 297)
PT_PER_MM = 72 / 25.4


def small_photo(seed: int) -> bytes:
    """640x480 of noise: every seed a different picture, far from any other's hash."""
    rng = random.Random(seed)
    image = Image.frombytes("RGB", (80, 60), rng.randbytes(80 * 60 * 3)).resize((640, 480))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def play(server: Server, join_code: str) -> None:
    http = requests.Session()
    phones = []
    for name, street in PLAYERS:
        res = http.post(f"{server.url}/api/v1/join", json={
            "join_code": join_code, "display_name": name, "team": street})
        assert res.status_code == 201, res.text
        phones.append({"Authorization": f"Bearer {res.json()['token']}"})
    for n, (a, b) in enumerate(MEETINGS):
        meeting = meet(http, server.url, phones[a], phones[b])
        res = http.post(f"{server.url}/api/v1/meetings/{meeting}/photo", headers=phones[b],
                        files={"photo": ("photo.jpg", small_photo(n), "image/jpeg")},
                        data={"lat": SPOT["lat"], "lon": SPOT["lon"],
                              "accuracy": SPOT["accuracy"]})
        assert res.status_code == 201, res.text
        assert res.json()["photo"]["status"] == "accepted", res.text


def no_overflow(page: Any) -> list[str]:
    """Whatever sticks out to the right of the page (or left, right to left)."""
    found: list[str] = page.evaluate("""() => {
        const width = document.documentElement.clientWidth, out = [];
        if (document.documentElement.scrollWidth > width)
            out.push(`page ${document.documentElement.scrollWidth} > ${width}`);
        for (const el of document.querySelectorAll('.report *')) {
            const box = el.getBoundingClientRect();
            if (box.width && (box.right > width + 0.5 || box.left < -0.5))
                out.push(`${el.tagName}.${el.className} ${box.left}..${box.right} of ${width}`);
        }
        return out.slice(0, 5);
    }""")
    return found


def test_the_report_in_the_console_draws_the_matrix_and_prints_on_a4(
    server: Server, desktop: Any, tmp_path: Path, screenshots: Path,
) -> None:
    email = "rapport@koppelkiek.test"
    rnd = server.live_round("Rapportwijk", tmp_path, organiser=email)
    play(server, rnd["join_code"])
    console = desktop.new_page()
    log_in(console, server, email)
    console.goto(f"{server.url}/organise/rounds/{rnd['id']}")
    console.get_by_test_id("report-link").click()
    expect(console).to_have_url(re.compile(rf"/organise/rounds/{rnd['id']}/report$"))

    expect(console.get_by_test_id("report-residents")).to_have_text("15")
    expect(console.get_by_test_id("report-meetings")).to_have_text("7")
    matrix = console.get_by_test_id("report-matrix")
    # Hofje (2) and Steegje (3) are folded into "other streets" (5).
    expect(matrix.locator("thead th")).to_have_text([EVER, MARIJKE, "Andere straten"])
    # Ever-Ever 2 (0-1, 2-3), Ever-Marijke 2, Marijke-Marijke 1 (5-6), Marijke-other 1 (7-13),
    # other-other 1 (Hofje0-Steeg0: two small streets, one group).
    rows = matrix.locator("tbody tr")
    expect(rows.nth(0).locator("td")).to_have_text(["2", "2", "0"])
    expect(rows.nth(1).locator("td")).to_have_text(["2", "1", "1"])
    expect(rows.nth(2).locator("td")).to_have_text(["0", "1", "1"])
    busiest = rows.nth(0).locator("td").nth(1)
    empty = rows.nth(0).locator("td").nth(2)
    assert busiest.evaluate("td => getComputedStyle(td).backgroundColor") != empty.evaluate(
        "td => getComputedStyle(td).backgroundColor"), "the cells are not shaded"
    expect(console.get_by_test_id("report-legend").locator("li")).to_have_count(3)  # 0, 1, 2
    page_text = console.locator("main").inner_text()
    assert not any(name in page_text for name, _ in PLAYERS), "a player is named"
    assert "Hofje" not in page_text and "Steegje" not in page_text
    assert axe_problems(console) == []
    console.screenshot(path=screenshots / "console-report.png", full_page=True)

    # Printed: A4, with the console's header and links left off, and nothing cut off sideways.
    console.emulate_media(media="print")
    expect(console.locator("nav.console-nav")).to_be_hidden()
    expect(console.locator("header.top")).to_be_hidden()
    # The printable width of A4 with the page's 12 mm margins, in CSS pixels.
    console.set_viewport_size({"width": round((A4_MM[0] - 24) / 25.4 * 96), "height": 1000})
    assert no_overflow(console) == []
    console.screenshot(path=screenshots / "console-report-print.png", full_page=True)
    pdf = console.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF")
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert boxes, "no page in the PDF"
    for width, height in boxes:
        assert abs(float(width) - A4_MM[0] * PT_PER_MM) < 2
        assert abs(float(height) - A4_MM[1] * PT_PER_MM) < 2
    assert 1 <= len(boxes) <= 3, f"{len(boxes)} pages"

    # The whole neighbourhood, from the link on the report.
    console.emulate_media(media="screen")
    console.set_viewport_size({"width": 1280, "height": 900})
    console.get_by_role("link", name="Alle rondes van de buurt").click()
    expect(console).to_have_url(re.compile(rf"/organise/neighbourhoods/{rnd['slug']}/report$"))
    expect(console.get_by_test_id("report-rounds").locator("tbody tr")).to_have_count(1)
    expect(console.get_by_test_id("report-new")).to_have_text("7")
