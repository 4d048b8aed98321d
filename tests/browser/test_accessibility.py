"""Issue 15 items 4 and 10, issue 16 item 5, in a real browser: axe-core finds no serious or
critical violation on any page; at 200% text a 360 px phone never scrolls sideways and every
tap target is at least 44×44 CSS px; the "large text" switch is remembered across reloads.

axe-core comes from npm (package.json, devDependencies) and is injected by these tests straight
from node_modules: it is never served to phones.
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
    arezzo_round,
    join,
    send_photo,
    show_code,
)
from tests.helpers import ROOT, need
from tests.live_server import SEED_PASSWORD, Server

pytestmark = pytest.mark.browser

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")
# Waits for every running animation and transition that ends (not the endless ones).
SETTLED = ("() => Promise.all(document.getAnimations().filter(a => a.playState === 'running'"
           " && isFinite(a.effect.getComputedTiming().endTime))"
           ".map(a => a.finished.catch(() => null)))")
# A small Android phone (360 px wide) with the text-size setting at 200%.
SMALL_PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 3,
               "is_mobile": True, "has_touch": True}
TAP = 44
# What a finger taps: links, buttons, fields, the summary of a <details>, a label around a box.
TARGETS = ("a[href], button, select, textarea, summary, label.check, "
           "input:not([type=hidden]):not([type=checkbox]):not(.visually-hidden)")


def axe_problems(page: Any) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now, one line each."""
    need(AXE.exists(), f"no {AXE.relative_to(ROOT)} (npm ci)")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    # Contrast is judged at rest: halfway through a fade-in (the screen's latest points pop
    # in from opacity 0) axe sees a paler colour than anyone reads. With reduced motion the
    # pages fade nothing, so a fade that starts during the check (the wall's next photo) is
    # no fade either; running ones are waited for.
    page.emulate_media(reduced_motion="reduce")
    try:
        page.evaluate(SETTLED)
        found = page.evaluate("() => axe.run(document).then(r => r.violations.map(v => ({"
                              "id: v.id, impact: v.impact, help: v.help,"
                              "nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 4)})))")
    finally:
        page.emulate_media(reduced_motion="null")
    return [f"{v['id']} ({v['impact']}): {v['help']} at {v['nodes']}"
            for v in found if v["impact"] in BLOCKING]


class Audit:
    """Collects axe's findings page by page, so one run shows every page that fails."""

    def __init__(self) -> None:
        self.pages: dict[str, list[str]] = {}

    def check(self, name: str, page: Any) -> None:
        """axe's findings; on a phone page also every tap target under 44×44 CSS px."""
        page.wait_for_load_state("load")
        self.pages[name] = axe_problems(page)
        if name in PHONE_PAGES:
            self.pages[name] += small_targets(page)

    def assert_clean(self, expected: set[str]) -> None:
        assert set(self.pages) == expected, "a page was not checked"
        failing = {name: found for name, found in self.pages.items() if found}
        assert failing == {}, "\n".join(f"{name}: {line}" for name, found in failing.items()
                                        for line in found)


def log_in(page: Any, server: Server) -> None:
    page.goto(server.url + "/organise/login")
    page.fill("#email", "seed@koppelkiek.test")
    page.fill("#password", SEED_PASSWORD)
    page.click("main button[type=submit]")
    expect(page).to_have_url(re.compile(r"/organise/$"))


PHONE_PAGES = {"home", "recover", "how to score", "not joined", "join", "welcome", "player",
               "show code", "type code", "join before claim", "claim", "meeting", "photo sent",
               "consent", "my data", "tell a story"}
CONSOLE_PAGES = {"login", "dashboard", "new neighbourhood", "neighbourhood", "story spots",
                 "round", "queue", "queue with a rejected photo", "players", "audit",
                 "poster", "residents' stories"}


def test_axe_finds_no_serious_violation_on_any_page(
    server: Server, phone: Any, desktop: Any, big_screen: Any, tmp_path: Path,
    screenshots: Path,
) -> None:
    rnd = arezzo_round(server, "Toegankelijk", tmp_path)
    join_url = f"{server.url}/r/{rnd['join_code']}"
    audit = Audit()

    # Phone A: the pages before joining, joining, and its own pages.
    a = phone(AREZZO_A).new_page()
    for name, path in (("home", "/"), ("recover", "/recover"), ("how to score", "/how-to-score"),
                       ("not joined", "/play")):
        a.goto(server.url + path)
        audit.check(name, a)
    a.goto(join_url)
    audit.check("join", a)
    a.fill("#display_name", "Fatma")
    a.get_by_role("button", name=re.compile("Doe mee|Join the game")).click()
    expect(a.get_by_test_id("recovery-code")).to_be_visible()
    audit.check("welcome", a)
    a.click("#continue")
    expect(a).to_have_url(re.compile(r"/play$"))
    audit.check("player", a)
    a.goto(server.url + "/scan")
    audit.check("type code", a)
    a.goto(server.url + "/play")
    url = show_code(a)
    audit.check("show code", a)

    # Phone B scans A's code before joining: join, then the claim, then the photo.
    b = phone(AREZZO_B).new_page()
    b.goto(url)
    expect(b).to_have_url(re.compile(r"/r/"))
    audit.check("join before claim", b)
    join(b, "Sam")
    expect(b.get_by_test_id("claim-met")).to_be_visible()
    audit.check("claim", b)
    b.get_by_test_id("to-photo").click()
    expect(b).to_have_url(re.compile(r"/meetings/\d+$"))
    audit.check("meeting", b)
    send_photo(b, "DSCN0040.jpg", tmp_path)
    audit.check("photo sent", b)
    b.goto(server.url + "/me")
    audit.check("my data", b)
    b.goto(server.url + "/spots/propose")
    expect(b.get_by_test_id("place-map")).to_have_class(re.compile(r"\bmap-ready\b"))
    audit.check("tell a story", b)
    b.get_by_label("Naam van de plek").fill("De oude smederij")  # waits in the console's queue
    b.get_by_test_id("use-position").click()
    expect(b.get_by_test_id("place-chosen")).to_be_visible()
    b.get_by_test_id("propose-send").click()
    expect(b.get_by_test_id("propose-done")).to_be_visible()

    # A is asked whether the photo may be shown.
    a.goto(server.url + "/play")
    expect(a.get_by_test_id("consent-ask")).to_be_visible()
    audit.check("consent", a)

    # The big screen with the photo on the wall.
    screen = big_screen.new_page()
    screen.goto(f"{server.url}/screen/{rnd['id']}")
    expect(screen.locator("body")).to_have_attribute("data-seq", re.compile(r"^\d+$"))
    audit.check("screen", screen)

    # The console, page by page.
    console = desktop.new_page()
    console.goto(server.url + "/organise/login")
    audit.check("login", console)
    log_in(console, server)
    audit.check("dashboard", console)
    for name, path in (
        ("new neighbourhood", "/organise/neighbourhoods/new"),
        ("neighbourhood", f"/organise/neighbourhoods/{rnd['slug']}"),
        ("story spots", f"/organise/neighbourhoods/{rnd['slug']}/spots"),
        ("round", f"/organise/rounds/{rnd['id']}"),
        ("queue", f"/organise/rounds/{rnd['id']}/photos"),
        ("players", f"/organise/rounds/{rnd['id']}/players"),
        ("audit", "/organise/audit"),
        ("poster", f"/organise/rounds/{rnd['id']}/poster"),
        ("residents' stories", f"/organise/neighbourhoods/{rnd['slug']}/proposals"),
    ):
        console.goto(server.url + path)
        audit.check(name, console)
        if name == "queue":
            # A rejected photo: its card was grey on pink (2.55:1) before.
            console.click("button[data-action=reject]")
            expect(console.locator(".queue-item").first).to_have_attribute(
                "data-status", "rejected")
            audit.check("queue with a rejected photo", console)
        if name == "residents' stories":
            expect(console.get_by_test_id("approve-form")).to_have_count(1)
        if name == "audit":
            expect(console.get_by_test_id("audit")).to_contain_text("Foto afgekeurd")
            console.screenshot(path=screenshots / "a11y-audit-log.png", full_page=True)

    audit.assert_clean(PHONE_PAGES | CONSOLE_PAGES | {"screen"})


def no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{page.url} scrolls sideways: {width[0]} px in {width[1]} px"


def small_targets(page: Any) -> list[str]:
    """Visible tap targets smaller than 44×44 CSS px, with their size."""
    boxes = page.eval_on_selector_all(TARGETS, """els => els.filter(e => {
        const s = getComputedStyle(e), r = e.getBoundingClientRect();
        return s.visibility !== 'hidden' && r.width > 0 && r.height > 0;
      }).map(e => { const r = e.getBoundingClientRect();
        return [e.outerHTML.slice(0, 80), Math.round(r.width), Math.round(r.height)]; })""")
    assert boxes, f"no tap targets found on {page.url}"
    return [f"{html} is {w}×{h}" for html, w, h in boxes if w < TAP or h < TAP]


def text_size(cdp: Any, percent: int) -> None:
    """What a phone's text-size setting does: the default font size (16 px at 100%) scales.
    It holds for the page of the CDP session `cdp`; a screenshot undoes it until the page
    navigates again, so screenshots are taken after measuring."""
    cdp.send("Page.setFontSizes", {"fontSizes": {"standard": 16 * percent // 100,
                                                 "fixed": 13 * percent // 100}})


def test_at_200_percent_text_a_small_phone_never_scrolls_sideways_and_targets_are_big(
    server: Server, browser: Any, tmp_path: Path, screenshots: Path,
) -> None:
    rnd = server.live_round("Groot Lettertype", tmp_path)
    contexts = []
    sessions: dict[Any, Any] = {}

    def open_phone(spot: dict[str, float]) -> Any:
        context = browser.new_context(**SMALL_PHONE, geolocation=spot,
                                      permissions=["geolocation"], locale="nl-NL",
                                      timezone_id="Europe/Amsterdam")
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        sessions[page] = context.new_cdp_session(page)
        text_size(sessions[page], 200)
        return page

    problems: dict[str, list[str]] = {}

    def measure(name: str, page: Any) -> None:
        """At 200% text: no sideways scroll, and big tap targets (at 100%: the axe test)."""
        page.wait_for_load_state("load")
        body_px = "parseFloat(getComputedStyle(document.body).fontSize)"
        # The text really is twice as big: the page follows the phone's setting.
        assert page.evaluate(body_px) >= 32
        no_sideways_scroll(page)
        problems[name] = small_targets(page)

    try:
        a = open_phone({"latitude": 52.0760, "longitude": 5.1240, "accuracy": 10})
        for name, path in (("home", "/"), ("recover", "/recover"),
                           ("how to score", "/how-to-score")):
            a.goto(server.url + path)
            measure(name, a)
        a.goto(f"{server.url}/r/{rnd['join_code']}")
        measure("join", a)
        a.screenshot(path=screenshots / "a11y-join-200-percent.png", scale="css")
        a.fill("#display_name", "Wilhelmina van Oudenbroek")
        a.fill("#team", "Hoograven-Noord")
        a.get_by_role("button", name=re.compile("Doe mee")).click()
        expect(a.get_by_test_id("recovery-code")).to_be_visible()
        measure("welcome", a)
        a.click("#continue")
        expect(a).to_have_url(re.compile(r"/play$"))
        measure("player", a)
        a.screenshot(path=screenshots / "a11y-player-200-percent.png", scale="css")
        a.goto(server.url + "/scan")
        measure("type code", a)
        a.goto(server.url + "/me")
        measure("my data", a)
        a.goto(server.url + "/meet")
        code = a.get_by_test_id("short-code")
        expect(code).to_have_attribute("data-code", re.compile(r"^[A-Z0-9]{6}$"))
        measure("show code", a)

        b = open_phone({"latitude": 52.0761, "longitude": 5.1241, "accuracy": 10})
        b.goto(f"{server.url}/r/{rnd['join_code']}")
        b.fill("#display_name", "Bartholomeus")
        b.get_by_role("button", name=re.compile("Doe mee")).click()
        b.click("#continue")
        b.goto(f"{server.url}/m/{code.get_attribute('data-code')}")
        expect(b.get_by_test_id("claim-met")).to_be_visible()
        measure("claim", b)
        b.get_by_test_id("to-photo").click()
        expect(b).to_have_url(re.compile(r"/meetings/\d+$"))
        measure("meeting", b)
        b.goto(server.url + "/play")
        expect(b.locator("#my-photos")).to_be_visible()
        measure("player with a meeting", b)
    finally:
        for context in contexts:
            context.close()
    assert {name: found for name, found in problems.items() if found} == {}


def test_the_large_text_switch_is_remembered_on_this_phone(
    server: Server, phone: Any, tmp_path: Path,
) -> None:
    page = phone().new_page()
    page.goto(server.url + "/")
    root_px = "parseFloat(getComputedStyle(document.documentElement).fontSize)"
    switch = page.get_by_role("button", name="Grote tekst")
    expect(switch).to_have_attribute("aria-pressed", "false")
    normal = page.evaluate(root_px)
    heading = page.locator("h1").bounding_box()

    switch.click()
    expect(switch).to_have_attribute("aria-pressed", "true")
    assert page.evaluate(root_px) == normal * 1.25
    assert page.locator("h1").bounding_box()["height"] > heading["height"]

    # Another page and a reload: still large, before anything is clicked.
    page.goto(server.url + "/recover")
    expect(page.get_by_role("button", name="Grote tekst")).to_have_attribute(
        "aria-pressed", "true")
    page.reload()
    assert page.evaluate(root_px) == normal * 1.25
    page.get_by_role("button", name="Grote tekst").click()
    page.reload()
    assert page.evaluate(root_px) == normal
    expect(page.get_by_role("button", name="Grote tekst")).to_have_attribute(
        "aria-pressed", "false")
