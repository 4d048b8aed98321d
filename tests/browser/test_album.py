"""Issue 17, item 3 in a real browser: Chromium prints the organiser's album (page.pdf) on A4
pages, and the PDF is read back with pypdf: the page count of a known round, each photo on one
page with its caption, each story whole on one page, nothing wider than the paper, and no photo
without both people's yes."""

from __future__ import annotations

import io
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from PIL import Image
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.phones import AREZZO_A, AREZZO_B, arezzo_round, camera_photo_now
from tests.browser.test_accessibility import axe_problems
from tests.browser.test_console import log_in
from tests.live_server import Server

pytestmark = pytest.mark.browser
EMAIL = "album@koppelkiek.test"

POS_A = {"lat": AREZZO_A["latitude"], "lon": AREZZO_A["longitude"], "accuracy": 10}
POS_B = {"lat": AREZZO_B["latitude"], "lon": AREZZO_B["longitude"], "accuracy": 10}
PEOPLE = {"Chiara": "Via Roma", "Marco": "Via Roma", "Giulia": "Corso Italia",
          "Luca": "Corso Italia", "Sofia": None}
# Six photos both people said yes to: four on the first page of photos, two on the second.
WALL = [("Chiara", "Marco", "DSCN0010.jpg"), ("Giulia", "Luca", "DSCN0012.jpg"),
        ("Chiara", "Giulia", "DSCN0021.jpg"), ("Marco", "Luca", "DSCN0025.jpg"),
        ("Sofia", "Chiara", "DSCN0027.jpg"), ("Luca", "Sofia", "DSCN0029.jpg")]
A4_PT = (595.28, 841.89)
A4_CONTENT_PX = (681, 1009)  # 180 x 267 mm (A4 less the album's 15 mm margins) at 96 px/inch
# Four stories of about 1,500 characters (two fit on a page, a third would not), then one of
# almost 5,000, the most a spot's story may have: in smaller print, whole on a page of its own.
SENTENCE = "Op deze hoek stond vroeger de pomp waar de hele straat water kwam halen. "
SENTENCES = {1: 20, 2: 20, 3: 20, 4: 20, 5: 67}
STORY_PAGES = {1: 4, 2: 4, 3: 5, 4: 5, 5: 6}


def story(n: int) -> str:
    text = (SENTENCE * SENTENCES[n]).strip() + f"\n\nEinde van verhaal {n}."
    assert len(text) <= 5000
    return text


def joined(http: requests.Session, server: Server, join_code: str, name: str,
           team: str | None) -> str:
    """Joins through the API; the token (a bearer token, or the phone's cookie)."""
    res = http.post(f"{server.url}/api/v1/join",
                    json={"join_code": join_code, "display_name": name, "team": team})
    assert res.status_code == 201, res.text
    return str(res.json()["token"])


def photo(http: requests.Session, server: Server, a: dict[str, str], b: dict[str, str],
          camera_file: str, folder: Path, yes: tuple[bool, bool]) -> dict[str, Any]:
    """A shows a code, B claims it and sends a camera photo; each answers the wall question."""
    res = http.post(f"{server.url}/api/v1/pairing-codes", json=POS_A, headers=a)
    assert res.status_code == 201, res.text
    res = http.post(f"{server.url}/api/v1/meetings", json={"code": res.json()["code"], **POS_B},
                    headers=b)
    assert res.status_code == 201, res.text
    path = camera_photo_now(camera_file, folder)
    res = http.post(f"{server.url}/api/v1/meetings/{res.json()['meeting']['id']}/photo",
                    files={"photo": (path.name, path.read_bytes(), "image/jpeg")},
                    data={k: str(v) for k, v in POS_B.items()},
                    headers={**b, "Idempotency-Key": str(uuid.uuid4())}, timeout=60)
    assert res.status_code == 201, res.text
    shot: dict[str, Any] = res.json()["photo"]
    assert shot["status"] == "accepted", shot
    for who, answer in zip((a, b), yes, strict=True):
        res = http.post(f"{server.url}/api/v1/photos/{shot['id']}/consent",
                        json={"show": answer}, headers=who)
        assert res.status_code == 200, res.text
    return shot


def add_story(console: Any, server: Server, slug: str, n: int) -> None:
    page = f"{server.url}/organise/neighbourhoods/{slug}/spots"
    console.goto(page)
    token = console.locator("input[name=csrf_token]").first.get_attribute("value")
    res = console.request.post(page, form={
        "csrf_token": token, "name": f"Verhaal {n}", "story": story(n),
        "lat": str(43.4600 + n / 1000), "lon": "11.8700", "radius_m": "20", "bonus": "5"})
    assert res.ok, res.text()


@dataclass
class Played:
    rnd: dict[str, Any]
    tokens: dict[str, str]
    wall: list[dict[str, Any]]  # both said yes, in the order taken
    only_one: dict[str, Any]  # Marco yes, Giulia no
    taken_back: dict[str, Any]  # both yes, then Giulia no


@pytest.fixture(scope="module")
def played(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Played:
    """A known round: five neighbours, six photos on the wall and two that are not."""
    folder = tmp_path_factory.mktemp("album")
    rnd = arezzo_round(server, "Albumwijk", folder, organiser=EMAIL)
    http = requests.Session()
    tokens = {name: joined(http, server, rnd["join_code"], name, team)
              for name, team in PEOPLE.items()}
    people = {name: {"Authorization": f"Bearer {token}"} for name, token in tokens.items()}
    wall = [photo(http, server, people[a], people[b], f, folder, (True, True))
            for a, b, f in WALL]
    only_one = photo(http, server, people["Marco"], people["Giulia"], "DSCN0038.jpg",
                     folder, (True, False))
    taken_back = photo(http, server, people["Sofia"], people["Giulia"], "DSCN0040.jpg",
                       folder, (True, True))
    res = http.post(f"{server.url}/api/v1/photos/{taken_back['id']}/consent",
                    json={"show": False}, headers=people["Giulia"])
    assert res.status_code == 200, res.text
    return Played(rnd, tokens, wall, only_one, taken_back)


def test_the_album_prints_on_a4_with_nothing_cut_off_and_only_consented_photos(
    server: Server, played: Played, desktop: Any, screenshots: Path,
) -> None:
    rnd, wall = played.rnd, played.wall
    console = desktop.new_page()
    log_in(console, server, EMAIL)
    for n in SENTENCES:
        add_story(console, server, rnd["slug"], n)
    console.goto(f"{server.url}/organise/rounds/{rnd['id']}")
    with desktop.expect_page() as opened:
        console.get_by_test_id("album-link").click()
    album = opened.value
    expect(album.get_by_test_id("album-photo")).to_have_count(len(WALL))
    album.wait_for_function("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
    shown = album.locator("[data-testid=album-photo] img").evaluate_all(
        "imgs => imgs.map(i => new URL(i.src).pathname)")
    assert shown == [p["display_url"] for p in wall]
    html = album.content()
    assert played.only_one["display_url"] not in html
    assert played.taken_back["display_url"] not in html
    # The web names only pairs with a photo on the wall; all five are in some such pair.
    expect(album.locator("[data-testid=album-web-drawing] circle")).to_have_count(5)

    pdf = PdfReader(io.BytesIO(album.pdf(format="A4")))
    # Cover, web, two pages of photos (4 + 2), three pages of stories (2 + 2 + 1).
    assert len(pdf.pages) == 7
    for page in pdf.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(width - A4_PT[0]) < 1 and abs(height - A4_PT[1]) < 1
    # NFKC: the PDF's text has ligatures ("ﬁ" in Sofia).
    texts = [unicodedata.normalize("NFKC", page.extract_text()) for page in pdf.pages]
    assert "Albumwijk middag" in texts[0]
    # Each photo is an image on a page of photos, with its caption on the same page.
    assert [len(page.images) for page in pdf.pages] == [0, 0, 4, 2, 0, 0, 0]
    for i, (a, b, _file) in enumerate(WALL):
        assert f"{a} & {b}" in texts[2 + i // 4], (a, b)
    # Each story whole on one page: its name and its last line together.
    for n, page in STORY_PAGES.items():
        assert f"Verhaal {n}" in texts[page] and f"Einde van verhaal {n}." in texts[page], n
        assert all(f"Einde van verhaal {n}." not in t for i, t in enumerate(texts) if i != page)

    # Laid out as on paper: each page's block fits one page, nothing wider than the paper.
    album.emulate_media(media="print")
    album.set_viewport_size({"width": A4_CONTENT_PX[0], "height": A4_CONTENT_PX[1]})
    assert album.evaluate("document.documentElement.scrollWidth") <= A4_CONTENT_PX[0]
    heights = album.locator("[data-sheet], [data-keep]").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect().height)")
    assert len(heights) == 4 + len(SENTENCES) and max(heights) <= A4_CONTENT_PX[1], heights
    wide = album.locator("img, svg, figure, article, dl").evaluate_all(
        f"els => els.filter(e => e.getBoundingClientRect().right > {A4_CONTENT_PX[0]} + 0.5)"
        ".length")
    assert wide == 0
    # Every name in the web is inside the drawing, none clipped at its edge.
    outside = album.get_by_test_id("album-web-drawing").evaluate(
        "svg => { const box = svg.getBoundingClientRect();"
        " return [...svg.querySelectorAll('text')].map(t => t.getBoundingClientRect())"
        ".filter(r => r.left < box.left || r.right > box.right || r.top < box.top"
        " || r.bottom > box.bottom).length; }")
    assert outside == 0
    album.get_by_test_id("album-web").screenshot(path=str(screenshots / "album-web.png"))
    assert axe_problems(album) == []


def test_my_afternoon_on_a_phone_and_its_card_saved_with_a_plain_link(
    server: Server, played: Played, phone: Any, screenshots: Path,
) -> None:
    context = phone(AREZZO_A)
    # Giulia's phone: the cookie her join set (the API handed her the same token).
    context.add_cookies([{"name": "kk_player", "value": played.tokens["Giulia"],
                          "url": server.url}])
    page = context.new_page()
    page.goto(f"{server.url}/play")
    page.get_by_test_id("afternoon-link").click()
    expect(page).to_have_url(f"{server.url}/play/afternoon")
    # Luca and Chiara share a photo on the wall with her; with Marco she said no, with Sofia
    # she took her yes back: they are "a neighbour".
    expect(page.get_by_test_id("met")).to_have_text(["Luca", "Chiara", "een buur", "een buur"])
    expect(page.get_by_test_id("afternoon-neighbours")).to_have_text("4")
    expect(page.get_by_test_id("afternoon-photos").locator("img")).to_have_count(4)
    page.wait_for_function("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
    text = page.locator("main").inner_text()
    assert "Marco" not in text and "Sofia" not in text
    assert axe_problems(page) == []
    page.screenshot(path=str(screenshots / "afternoon-phone.png"))
    with page.expect_download() as download:
        page.get_by_test_id("card-download").click()
    card = Path(download.value.path()).read_bytes()
    assert card.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(card)) as image:
        assert image.size == (1080, 1080) and not image.info
    assert download.value.suggested_filename == "koppelkiek-afternoon.png"
    # This browser cannot share files: no Share button that would do nothing.
    expect(page.get_by_test_id("card-share")).to_be_hidden()


# A phone that can share files (Android's share sheet). Headless Chromium has no Web Share, so
# the page gets one that keeps what it was given: the share sheet is out of this machine's reach.
SHARE_SHEET = """
navigator.canShare = (data) => !!(data && data.files
                                  && data.files.every(f => f.type === "image/png"));
navigator.share = (data) => data.files[0].arrayBuffer().then(bytes => {
  window.shared = {title: data.title, name: data.files[0].name, type: data.files[0].type,
                   bytes: Array.from(new Uint8Array(bytes))};
});
"""


def test_my_afternoon_card_goes_to_the_share_sheet(
    server: Server, played: Played, phone: Any,
) -> None:
    context = phone(AREZZO_A)
    context.add_init_script(SHARE_SHEET)
    context.add_cookies([{"name": "kk_player", "value": played.tokens["Giulia"],
                          "url": server.url}])
    page = context.new_page()
    page.goto(f"{server.url}/play/afternoon")
    share = page.get_by_test_id("card-share")
    expect(share).to_be_visible()
    assert share.bounding_box()["height"] >= 44
    share.click()
    page.wait_for_function("window.shared !== undefined")
    shared = page.evaluate("window.shared")
    assert (shared["title"], shared["name"], shared["type"]) == (
        "Mijn middag", "koppelkiek-afternoon.png", "image/png")
    card = bytes(shared["bytes"])
    # The same card as the download link gives.
    assert card == page.request.get(f"{server.url}/play/afternoon/card.png").body()
    with Image.open(io.BytesIO(card)) as image:
        assert image.size == (1080, 1080) and not image.info
    expect(share).to_be_enabled()
