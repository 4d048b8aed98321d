"""Issue 16 in a real browser: residents play in Turkish and in Arabic (right to left, nothing
overflowing or overlapping on a phone), and the language picker's choice stays with the player."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.phones import SPOT_A, SPOT_B, decode_qr
from tests.live_server import Server

pytestmark = pytest.mark.browser

# The main blocks of a phone page: none may stick out sideways or lie on top of another.
BLOCKS = ("header.top .brand, header.top .lang select, main .card, main .actions .button, "
          "main .card > .button, main .card > p > .button, .score > div, .short-code, "
          "main .card > h1")
LAYOUT = """(selector) => {
  const width = window.innerWidth;
  const shown = [...document.querySelectorAll(selector)].filter(e => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== "hidden";
  });
  const name = e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") +
    (typeof e.className === "string" && e.className ? "." + e.className.trim() : "");
  const outside = shown.filter(e => {
    const r = e.getBoundingClientRect();
    return r.left < -0.5 || r.right > width + 0.5;
  }).map(name);
  const overlaps = [];
  for (let i = 0; i < shown.length; i++) {
    for (let j = i + 1; j < shown.length; j++) {
      const a = shown[i], b = shown[j];
      if (a.contains(b) || b.contains(a)) continue;
      const p = a.getBoundingClientRect(), q = b.getBoundingClientRect();
      const w = Math.min(p.right, q.right) - Math.max(p.left, q.left);
      const h = Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top);
      if (w > 1 && h > 1) overlaps.push(name(a) + " / " + name(b));
    }
  }
  return {
    scrollWidth: document.scrollingElement.scrollWidth, innerWidth: width,
    checked: shown.length, outside: outside, overlaps: overlaps,
  };
}"""


@pytest.fixture
def speaker(phone: Callable[..., Any]) -> Callable[..., Any]:
    """A Pixel 5 whose browser speaks `locale` (so it sends that Accept-Language)."""
    return lambda locale, spot=SPOT_A: phone(spot, locale=locale)


def join_here(page: Any, name: str) -> str:
    """On a join page in any language: choose a name, note the recovery code, continue."""
    expect(page).to_have_url(re.compile(r"/r/[A-Z0-9]+"))
    page.fill("#display_name", name)
    page.locator("form button[type=submit]").last.click()
    expect(page).to_have_url(re.compile(r"/welcome"))
    recovery = page.get_by_test_id("recovery-code").inner_text()
    page.click("#continue")
    return recovery


def join_in_a_claim(page: Any, name: str) -> None:
    """Joining halfway through a claim: straight on to the meeting, the neighbour is waiting
    (the recovery code comes later, at a calm moment)."""
    expect(page).to_have_url(re.compile(r"/r/[A-Z0-9]+"))
    page.fill("#display_name", name)
    page.locator("form button[type=submit]").last.click()
    expect(page).to_have_url(re.compile(r"/m/[A-Z0-9]+$"))


def open_code(page: Any) -> str:
    page.locator("a.button.big[href$='/meet']").click()
    expect(page).to_have_url(re.compile(r"/meet$"))
    short_code = page.get_by_test_id("short-code")
    expect(short_code).to_have_attribute("data-code", re.compile(r"^[A-Z0-9]{6}$"))
    expect(page.get_by_test_id("qr").locator("svg")).to_be_visible()
    url = decode_qr(page.get_by_test_id("qr").screenshot())
    assert url.endswith(f"/m/{short_code.get_attribute('data-code')}"), url
    return url


def check_layout(page: Any, lang: str, direction: str) -> None:
    html = page.locator("html")
    expect(html).to_have_attribute("lang", lang)
    expect(html).to_have_attribute("dir", direction)
    found = page.evaluate(LAYOUT, BLOCKS)
    assert found["checked"] >= 3, found
    assert found["scrollWidth"] <= found["innerWidth"], f"overflows sideways: {found}"
    assert found["outside"] == [], found
    assert found["overlaps"] == [], found


def test_a_resident_plays_in_turkish(server: Server, speaker: Any, tmp_path: Path) -> None:
    rnd = server.live_round("Tolsteeg tr", tmp_path)
    a = speaker("tr-TR").new_page()
    a.goto(f"{server.url}/r/{rnd['join_code']}")
    expect(a.locator("h1")).to_contain_text("Katıl")
    join_here(a, "Ayşe")
    expect(a).to_have_url(re.compile(r"/play$"))
    expect(a.locator("h1")).to_have_text("Merhaba Ayşe")
    expect(a.locator("a.button.big[href$='/meet']")).to_have_text("Kodumu göster")
    url = open_code(a)
    expect(a.locator("h1")).to_have_text("Komşunuz bunu okutsun")
    check_layout(a, "tr", "ltr")

    b = speaker("tr-TR", SPOT_B).new_page()
    b.goto(url)
    expect(b.locator(".hint")).to_contain_text("tanışmanız kendiliğinden kaydedilir")
    join_in_a_claim(b, "Mehmet")
    met = b.get_by_test_id("claim-met")
    # The name arrives isolated (FSI … PDI), so it keeps its own direction in any sentence.
    expect(met).to_contain_text("\u2068Ayşe\u2069 ile tanıştınız!")
    expect(a.locator("#met")).to_contain_text("\u2068Mehmet\u2069 sizinle tanıştı!")
    b.get_by_test_id("to-photo").click()
    expect(b).to_have_url(re.compile(r"/meetings/\d+$"))
    expect(b.locator("h1")).to_have_text("Ayşe ile tanıştınız")
    expect(b.locator("label[for=photo-input]")).to_have_text("Fotoğrafımızı çek")
    check_layout(b, "tr", "ltr")


def test_a_resident_plays_in_arabic_right_to_left(
    server: Server, speaker: Any, screenshots: Path, tmp_path: Path,
) -> None:
    rnd = server.live_round("Tolsteeg ar", tmp_path)
    a = speaker("ar").new_page()
    a.goto(f"{server.url}/r/{rnd['join_code']}")
    check_layout(a, "ar", "rtl")
    join_here(a, "فاطمة")
    expect(a).to_have_url(re.compile(r"/play$"))
    expect(a.locator("h1")).to_have_text("مرحبًا فاطمة")
    # The name is isolated, and the page really runs right to left: the brand sits at the right.
    expect(a.locator("h1 bdi")).to_have_text("فاطمة")
    brand = a.locator("header.top .brand").bounding_box()
    picker = a.locator("#lang-picker").bounding_box()
    assert brand and picker and brand["x"] > picker["x"], (brand, picker)
    expect(a.get_by_test_id("points")).to_have_attribute("dir", "ltr")
    check_layout(a, "ar", "rtl")
    a.screenshot(path=screenshots / "rtl-player.png", full_page=True)

    url = open_code(a)
    expect(a.locator("h1")).to_have_text("دع جارك يمسح هذا")
    code = a.get_by_test_id("short-code")
    expect(code).to_have_css("direction", "ltr")  # "ABC DEF" reads left to right, as printed
    assert code.inner_text().replace(" ", "") == code.get_attribute("data-code")
    check_layout(a, "ar", "rtl")
    a.screenshot(path=screenshots / "rtl-show-code.png", full_page=True)

    # A Latin name among Arabic words: Jan meets Fatima, both pages in Arabic.
    b = speaker("ar", SPOT_B).new_page()
    b.goto(url)
    join_in_a_claim(b, "Jan")
    expect(b.get_by_test_id("claim-met")).to_contain_text("التقيت بـ \u2068فاطمة\u2069!")
    expect(a.locator("#met")).to_contain_text("\u2068Jan\u2069 التقى بك!")
    b.get_by_test_id("to-photo").click()
    expect(b).to_have_url(re.compile(r"/meetings/\d+$"))
    expect(b.locator("h1")).to_have_text("التقيت بـ فاطمة")
    expect(b.locator("label[for=photo-input]")).to_have_text("التقط صورتنا")
    check_layout(b, "ar", "rtl")
    b.screenshot(path=screenshots / "rtl-meeting.png", full_page=True)


def test_the_picker_choice_stays_with_the_player(
    server: Server, speaker: Any, tmp_path: Path,
) -> None:
    rnd = server.live_round("Tolsteeg pl", tmp_path)
    page = speaker("en-GB").new_page()
    page.goto(f"{server.url}/r/{rnd['join_code']}")
    # Before any choice the browser's language decides; the picker says so in its own words.
    expect(page.locator("html")).to_have_attribute("lang", "en")
    picker = page.get_by_test_id("language-picker")
    expect(picker.locator("option:checked")).to_have_text("English")
    expect(picker.locator("option")).to_have_text(
        ["Nederlands", "English", "Türkçe", "العربية", "Polski"])
    box = picker.bounding_box()
    assert box and box["height"] >= 44, box  # big enough for a thumb
    recovery = join_here(page, "Kasia")
    expect(page).to_have_url(re.compile(r"/play$"))

    picker.select_option(label="Polski")  # choosing is enough: the page follows by itself
    expect(page.locator("html")).to_have_attribute("lang", "pl")
    expect(page).to_have_url(re.compile(r"/play$"))
    expect(page.locator("h1")).to_have_text("Cześć, Kasia")
    page.reload()
    expect(page.locator("h1")).to_have_text("Cześć, Kasia")
    again = page.context.new_page()
    again.goto(f"{server.url}/how-to-score")
    expect(again.locator("html")).to_have_attribute("lang", "pl")

    # A new phone whose browser speaks Dutch: Dutch until the player is known, then Polish.
    other = speaker("nl-NL").new_page()
    other.goto(f"{server.url}/recover")
    expect(other.locator("html")).to_have_attribute("lang", "nl")
    other.fill("#recovery_code", recovery)
    other.locator("form button[type=submit]").last.click()
    expect(other).to_have_url(re.compile(r"/play$"))
    expect(other.locator("html")).to_have_attribute("lang", "pl")
    expect(other.locator("h1")).to_have_text("Cześć, Kasia")
