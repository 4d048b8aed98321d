"""Issue 15, item 7 in a real browser: the big screen is worth watching from 5 m.

One round in Arezzo is watched by screens of 1280×720, 1920×1080 and 3840×2160, in three
moments: empty (an invitation instead of a blank wall), with photos and standings (a wall that
moves, the latest points large), and after the end (the podium, no join QR; the end reaches the
open screens live). At each moment and size the page's boxes are measured: nothing sticks out of
the viewport, no two texts overlap, each caption sits right under its photo, and at 1920×1080
no text is smaller than 28 px and the join code is at least 64 px. The chime is off until it is
clicked on the screen itself, and no AudioContext exists before that click.

Photos come in through the JSON API (join, pairing code, meeting, upload, both consents), with
real camera files whose EXIF time is set to now. The test runs its own server, so its photos
do not meet the session's (the server keeps image hashes unique).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.phones import (
    AREZZO_A,
    AREZZO_B,
    arezzo_round,
    camera_photo_now,
    open_screen,
    same_document,
)
from tests.live_server import Server, live_server

pytestmark = pytest.mark.browser

SIZES = [(1280, 720), (1920, 1080), (3840, 2160)]
HD = (1920, 1080)
POS_A = {"lat": AREZZO_A["latitude"], "lon": AREZZO_A["longitude"], "accuracy": 10}
POS_B = {"lat": AREZZO_B["latitude"], "lon": AREZZO_B["longitude"], "accuracy": 10}

# Counts AudioContexts and the oscillators the chime starts, before any page script runs.
AUDIO_SPY = """
window.__audioContexts = 0; window.__tones = 0;
(function () {
  var Real = window.AudioContext;
  if (!Real) return;
  window.AudioContext = class extends Real {
    constructor(...args) { super(...args); window.__audioContexts += 1; }
    createOscillator() { window.__tones += 1; return super.createOscillator(); }
  };
})();
"""

# The page's boxes, as the viewer sees them: elements that are rendered and not hidden away
# (a photo waiting for its turn is aria-hidden and invisible), and among them those that show
# text of their own. A photo's frame is the only box that clips on purpose (the slow zoom);
# nothing else is forgiven for being cut off.
MEASURE = """
() => {
  const W = window.innerWidth, H = window.innerHeight;
  const shown = (e) => e.checkVisibility({visibilityProperty: true})
    && !e.closest('[aria-hidden="true"]');
  const all = [...document.body.querySelectorAll('*')].filter(
    (e) => !['SCRIPT', 'STYLE'].includes(e.tagName) && shown(e));
  const cls = (e) => typeof e.className === 'string' && e.className.trim()
    ? '.' + e.className.trim().split(/\\s+/).join('.') : '';
  const name = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + cls(e);
  // A photo's frame clips the photo's slow zoom: measure what of it can be seen.
  const box = (e) => {
    const r = e.getBoundingClientRect(), f = e.closest('.frame');
    const c = f && f !== e ? f.getBoundingClientRect() : r;
    const x = Math.max(r.left, c.left), y = Math.max(r.top, c.top);
    const right = Math.min(r.right, c.right), bottom = Math.min(r.bottom, c.bottom);
    return {x, y, right, bottom, w: right - x, h: bottom - y};
  };
  const outside = all.map((e) => [name(e), box(e)]).filter(([, b]) => b.w > 0 && b.h > 0
    && (b.x < -1 || b.y < -1 || b.right > W + 1 || b.bottom > H + 1));
  const texts = all.filter((e) => [...e.childNodes].some(
    (n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim()));
  const overlaps = [];
  for (let i = 0; i < texts.length; i++) for (let j = i + 1; j < texts.length; j++) {
    const a = texts[i], b = texts[j];
    if (a.contains(b) || b.contains(a)) continue;
    const p = box(a), q = box(b);
    const w = Math.min(p.right, q.right) - Math.max(p.x, q.x);
    const h = Math.min(p.bottom, q.bottom) - Math.max(p.y, q.y);
    if (w > 1 && h > 1) {
      overlaps.push([name(a), a.textContent.trim(), name(b), b.textContent.trim()]);
    }
  }
  const fonts = texts.map((e) => [name(e), e.textContent.trim().slice(0, 40),
    parseFloat(getComputedStyle(e).fontSize)]);
  const captions = [...document.querySelectorAll('#wall figure')].filter(shown).map((f) => {
    const photo = f.querySelector('.frame').getBoundingClientRect();
    const caption = f.querySelector('figcaption').getBoundingClientRect();
    return {photo: {x: photo.left, right: photo.right, bottom: photo.bottom, h: photo.height},
            caption: {x: caption.left, right: caption.right, y: caption.top, h: caption.height}};
  });
  const code = document.querySelector('.join .code');
  return {outside, overlaps, fonts, captions,
          code: code && shown(code) ? parseFloat(getComputedStyle(code).fontSize) : null};
}
"""


def check_layout(page: Any, size: tuple[int, int], photos: int) -> dict[str, Any]:
    """The measured boxes pass; returns them for checks of the moment."""
    found: dict[str, Any] = page.evaluate(MEASURE)
    assert found["outside"] == [], f"{size}: outside the viewport: {found['outside']}"
    assert found["overlaps"] == [], f"{size}: texts overlap: {found['overlaps']}"
    assert len(found["captions"]) == min(photos, 1), f"{size}: {found['captions']}"
    for shown in found["captions"]:
        photo, caption = shown["photo"], shown["caption"]
        assert photo["h"] > size[1] * 0.3, f"{size}: the photo is small: {shown}"
        assert abs(caption["y"] - photo["bottom"]) <= 1, f"{size}: caption not under: {shown}"
        assert caption["x"] >= photo["x"] - 1 and caption["right"] <= photo["right"] + 1, shown
    if size == HD:
        small = [f for f in found["fonts"] if f[2] < 28]
        assert small == [], f"text under 28 px at 1920×1080: {small}"
        if found["code"] is not None:
            assert found["code"] >= 64, f"the join code is {found['code']} px"
    return found


@pytest.fixture
def own_server(tmp_path_factory: pytest.TempPathFactory, browser: Any) -> Iterator[Server]:
    with live_server(tmp_path_factory.mktemp("big-screen-instance")) as srv:
        yield srv


@pytest.fixture
def screens(browser: Any) -> Iterator[dict[tuple[int, int], Any]]:
    """A browser context per screen size, Dutch, each spying on the Web Audio API."""
    contexts = {}
    for width, height in SIZES:
        context = browser.new_context(viewport={"width": width, "height": height},
                                      locale="nl-NL", timezone_id="Europe/Rome")
        context.set_default_timeout(15_000)
        context.add_init_script(AUDIO_SPY)
        contexts[(width, height)] = context
    yield contexts
    for context in contexts.values():
        context.close()


def api_join(http: requests.Session, server: Server, join_code: str, name: str,
             team: str) -> dict[str, str]:
    res = http.post(f"{server.url}/api/v1/join",
                    json={"join_code": join_code, "display_name": name, "team": team})
    assert res.status_code == 201, res.text
    return {"Authorization": f"Bearer {res.json()['token']}"}


def photo_on_wall(http: requests.Session, server: Server, a: dict[str, str], b: dict[str, str],
                  camera_file: str, folder: Path) -> int:
    """A shows a code, B claims it and sends a camera photo, both agree to show it."""
    url = server.url
    res = http.post(f"{url}/api/v1/pairing-codes", json=POS_A, headers=a)
    assert res.status_code == 201, res.text
    res = http.post(f"{url}/api/v1/meetings", json={"code": res.json()["code"], **POS_B},
                    headers=b)
    assert res.status_code == 201, res.text
    meeting = res.json()["meeting"]["id"]
    path = camera_photo_now(camera_file, folder)
    res = http.post(f"{url}/api/v1/meetings/{meeting}/photo",
                    files={"photo": (path.name, path.read_bytes(), "image/jpeg")},
                    data={k: str(v) for k, v in POS_B.items()},
                    headers={**b, "Idempotency-Key": str(uuid.uuid4())}, timeout=60)
    assert res.status_code == 201, res.text
    photo = res.json()["photo"]
    assert photo["status"] == "accepted", photo
    for who in (a, b):
        res = http.post(f"{url}/api/v1/photos/{photo['id']}/consent", json={"show": True},
                        headers=who)
        assert res.status_code == 200, res.text
    return int(photo["id"])


def sized(screenshots: Path, moment: str, size: tuple[int, int]) -> Path:
    return screenshots / f"screen-{moment}-{size[0]}x{size[1]}.png"


def images_loaded(page: Any) -> None:
    page.wait_for_function("[...document.images].every(i => i.complete && i.naturalWidth > 0)")


def test_the_big_screen_at_three_sizes_empty_busy_and_ended(
    own_server: Server, screens: dict[tuple[int, int], Any], screenshots: Path, tmp_path: Path,
) -> None:
    server = own_server
    rnd = arezzo_round(server, "Arezzo Duomo", tmp_path)
    pages = {size: open_screen(context, server, rnd["id"]) for size, context in screens.items()}
    hd = pages[HD]

    # Empty: an invitation where the photos will be, and the join code large.
    for size, page in pages.items():
        invite = page.get_by_test_id("wall-empty")
        expect(invite).to_be_visible()
        expect(invite).to_contain_text("Wie maakt de eerste koppelkiek?")
        expect(page.get_by_test_id("join-code")).to_have_text(rnd["join_code"])
        expect(page.locator("#wall figure")).to_have_count(0)
        check_layout(page, size, photos=0)
        page.screenshot(path=sized(screenshots, "empty", size), animations="disabled",
                        timeout=90_000)

    # The chime is off, and no AudioContext exists yet.
    chime = hd.get_by_test_id("chime")
    expect(chime).to_have_attribute("aria-pressed", "false")
    expect(chime).to_have_text("Belletje uit")

    http = requests.Session()
    names = [("Chiara", "Via Roma"), ("Marco", "Corso Italia"), ("Giulia", "Via Roma"),
             ("Luca", "Via Garibaldi")]
    phones = {name: api_join(http, server, rnd["join_code"], name, team) for name, team in names}
    first = photo_on_wall(http, server, phones["Chiara"], phones["Marco"], "DSCN0027.jpg",
                          tmp_path)
    wall = hd.locator("#wall figure")
    expect(wall).to_have_count(1)
    expect(hd.get_by_test_id("wall-empty")).to_be_hidden()
    assert hd.evaluate("window.__audioContexts") == 0, "sound was set up before any click"

    # A click on the screen switches the chime on: now, and only now, an AudioContext exists,
    # and the choice is remembered.
    chime.click()
    expect(chime).to_have_attribute("aria-pressed", "true")
    expect(chime).to_have_text("Belletje aan")
    assert hd.evaluate("window.__audioContexts") == 1
    assert hd.evaluate("localStorage.getItem('koppelkiek.screen.chime')") == "on"
    tones = hd.evaluate("window.__tones")

    second = photo_on_wall(http, server, phones["Giulia"], phones["Luca"], "DSCN0029.jpg",
                           tmp_path)
    third = photo_on_wall(http, server, phones["Chiara"], phones["Giulia"], "DSCN0038.jpg",
                          tmp_path)
    expect(wall).to_have_count(3)
    hd.wait_for_function(f"window.__tones > {tones}")  # each new photo chimes
    # The latest points, large: Chiara and Giulia's first meeting.
    latest = hd.get_by_test_id("latest-score")
    expect(latest).to_contain_text("Chiara & Giulia")
    expect(latest.locator(".plus")).to_have_text(re.compile(r"^\+[1-9]\d*$"))
    expect(hd.locator("#standings li .name").first).to_have_text("Chiara")
    expect(hd.locator("#teams li")).to_have_count(3)

    # The wall moves: the photo on show gives way to the next, by itself, and back again.
    body = hd.locator("body")
    expect(body).to_have_attribute("data-shown-photo", str(third))
    hd.wait_for_function("(was) => document.body.dataset.shownPhoto !== was", arg=str(third),
                         timeout=30_000)
    shown = body.get_attribute("data-shown-photo")
    assert shown in {str(first), str(second)}
    expect(hd.locator(f'#wall figure[data-photo-id="{shown}"]')).to_be_visible()
    expect(hd.locator(f'#wall figure[data-photo-id="{third}"]')).to_be_hidden()

    for size, page in pages.items():
        expect(page.locator("#wall figure")).to_have_count(3)
        expect(page.locator("#standings li")).to_have_count(4)
        images_loaded(page)
        check_layout(page, size, photos=3)
        page.screenshot(path=sized(screenshots, "wall", size), animations="disabled",
                        timeout=90_000)
    hd.screenshot(path=screenshots / "screen.png", animations="disabled",
                        timeout=90_000)

    # A new page in the same browser remembers the chime, and still makes no sound of its own
    # accord until a photo comes.
    again = open_screen(screens[HD], server, rnd["id"])
    expect(again.get_by_test_id("chime")).to_have_attribute("aria-pressed", "true")
    assert again.evaluate("window.__audioContexts") == 0
    expect(again.get_by_test_id("latest-score")).to_contain_text("Chiara & Giulia")
    again.close()

    # A full board still fits: more neighbours and streets than the screen has room for (it
    # shows the top 10 and the top 5 streets), with long names.
    for i in range(9):
        api_join(http, server, rnd["join_code"], f"Annamaria Benedetta {i}",
                 f"Via della Fioraia Vecchia {i % 6}")
    for size, page in pages.items():
        expect(page.locator("#standings li")).to_have_count(10)
        expect(page.locator("#teams li")).to_have_count(5)
        check_layout(page, size, photos=3)

    # The end reaches the open screens live: the podium, and no join QR any more.
    server.cli("round", "end", str(rnd["id"]))
    for size, page in pages.items():
        podium = page.get_by_test_id("podium")
        expect(podium).to_be_visible()
        expect(podium.locator(".step")).to_have_count(3)
        expect(podium.locator(".step-1 .name")).to_have_text("Chiara")
        expect(page.get_by_test_id("join")).to_be_hidden()
        expect(page.locator(".join .qr svg")).to_be_hidden()
        expect(page.locator("#standings li")).to_have_count(5)  # 4th to 8th, under the podium
        check_layout(page, size, photos=3)
        page.screenshot(path=sized(screenshots, "ended", size), animations="disabled",
                        timeout=90_000)
        assert same_document(page), "the screen reloaded"
