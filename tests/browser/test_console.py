"""Issue 15, items 8 and 9 in a real browser: the organiser's maps over a local tile server,
the spot picker, the moderation point, and the afternoon at a glance growing live while two
phones meet. Phones and the screen ask no other site for anything."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.phones import (
    MARKER,
    arezzo_round,
    meet,
    open_screen,
    same_document,
    send_photo,
)
from tests.browser.tiles import TileServer
from tests.live_server import HOOGRAVEN, SEED_PASSWORD, Server

pytestmark = pytest.mark.browser


def log_in(page: Any, server: Server, email: str) -> None:
    page.goto(server.url + "/organise/login")
    page.fill("#email", email)
    page.fill("#password", SEED_PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/organise/$"))


def elsewhere(server: Server, urls: list[str]) -> list[str]:
    """The requests that went to another origin than the game server's."""
    return [u for u in urls if not u.startswith(server.url + "/")
            and not u.startswith(("data:", "blob:"))]


def series_total(page: Any, index: int) -> int:
    """What the chart draws (Chart.js's own data): 0 joins, 1 meetings, 2 photos."""
    total: int = page.evaluate(
        "i => Chart.getChart('glance-chart').data.datasets[i].data.reduce((a, b) => a + b, 0)",
        index)
    return total


def test_the_boundary_and_the_spot_picker_on_a_map_with_tiles_from_the_tile_server(
    server: Server, tiles: TileServer, desktop: Any, screenshots: Path, tmp_path: Path,
) -> None:
    email = "kaart@koppelkiek.test"
    rnd = server.live_round("Kaartwijk", tmp_path, organiser=email)
    console = desktop.new_page()
    log_in(console, server, email)
    requests: list[str] = []
    console.on("request", lambda request: requests.append(request.url))

    console.goto(f"{server.url}/organise/neighbourhoods/{rnd['slug']}")
    holder = console.get_by_test_id("boundary-map")
    expect(holder).to_have_class(re.compile(r"\bmap-ready\b"))
    expect(holder.locator(".leaflet-overlay-pane path")).to_have_count(1)  # the boundary
    expect(holder.locator("img.leaflet-tile-loaded").first).to_be_visible()
    expect(holder.locator(".leaflet-control-attribution")).to_contain_text("OpenStreetMap")
    expect(console.get_by_test_id("outline")).to_be_hidden()  # the script-less fallback
    sources = holder.locator("img.leaflet-tile").evaluate_all("tiles => tiles.map(t => t.src)")
    assert sources and all(re.fullmatch(re.escape(tiles.url) + r"/1[5-8]/\d+/\d+\.png", s)
                           for s in sources), sources
    assert elsewhere(server, requests), "no tile was asked for"
    assert all(u.startswith(tiles.url + "/") for u in elsewhere(server, requests))
    assert tiles.asked

    # The spot picker: a click in the middle of the map is the middle of the boundary.
    console.goto(f"{server.url}/organise/neighbourhoods/{rnd['slug']}/spots")
    picker = console.get_by_test_id("spot-map")
    expect(picker).to_have_class(re.compile(r"\bmap-ready\b"))
    box = picker.locator(".map-canvas").bounding_box()
    assert box is not None
    console.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(picker.locator("path.picked")).to_have_count(1)
    ring = HOOGRAVEN["coordinates"][0]
    middle_lat = (min(p[1] for p in ring) + max(p[1] for p in ring)) / 2
    middle_lon = (min(p[0] for p in ring) + max(p[0] for p in ring)) / 2
    lat, lon = float(console.input_value("#lat")), float(console.input_value("#lon"))
    assert abs(lat - middle_lat) < 0.0005 and abs(lon - middle_lon) < 0.0005, (lat, lon)
    console.fill("#name", "De oude school")
    console.locator("#spot-form button[type=submit]").click()
    expect(console.get_by_test_id("spots")).to_contain_text("De oude school")
    expect(picker.locator(".leaflet-overlay-pane path")).to_have_count(2)  # boundary and spot
    console.screenshot(path=screenshots / "console-map.png", full_page=True)


def test_the_glance_grows_while_two_phones_meet_and_the_queue_shows_where(
    server: Server, desktop: Any, phone: Any, screenshots: Path, tmp_path: Path,
) -> None:
    email = "glans@koppelkiek.test"
    rnd = arezzo_round(server, "Glansbuurt", tmp_path, organiser=email)
    console = desktop.new_page()
    log_in(console, server, email)
    console.goto(f"{server.url}/organise/rounds/{rnd['id']}")
    glance = console.get_by_test_id("glance")
    expect(glance).to_have_attribute("data-drawn", "0,0,0")  # the first summary came live
    assert series_total(console, 1) == 0
    console.evaluate(f"{MARKER} = true")

    a, b = meet(server, phone, f"{server.url}/r/{rnd['join_code']}", ("Noor", "Sem"))
    expect(console.get_by_test_id("glance-meetings")).to_have_text("1", timeout=15_000)
    expect(console.get_by_test_id("glance-joins")).to_have_text("2")
    expect(console.get_by_test_id("glance-phones")).not_to_have_text("0")  # Noor's /play
    assert series_total(console, 0) == 2 and series_total(console, 1) == 1

    send_photo(b, "DSCN0038.jpg", tmp_path)
    expect(console.get_by_test_id("glance-photos")).to_have_text("1", timeout=15_000)
    assert series_total(console, 2) == 1
    assert same_document(console)  # all of it without a reload
    console.screenshot(path=screenshots / "console-glance.png", full_page=True)

    # The moderation queue shows on its map where the photo was taken (its EXIF GPS).
    console.goto(f"{server.url}/organise/rounds/{rnd['id']}/photos")
    holder = console.get_by_test_id("queue-map")
    expect(holder).to_have_attribute("data-point", re.compile(r"^43\.4[5-7]\d+,11\.8\d+$"))
    expect(holder.locator("path.photo-point")).to_have_count(1)


def test_phones_and_the_screen_ask_no_other_site(
    server: Server, phone: Any, big_screen: Any, tmp_path: Path,
) -> None:
    rnd = arezzo_round(server, "Eigenwijk", tmp_path, organiser="eigen@koppelkiek.test")
    requests: list[str] = []
    sockets: list[str] = []  # WebSockets are not requests to Playwright

    def track(context: Any) -> Any:
        context.on("request", lambda request: requests.append(request.url))
        context.on("page", lambda page: page.on("websocket", lambda ws: sockets.append(ws.url)))
        return context

    def tracked(spot: dict[str, float]) -> Any:
        return track(phone(spot))

    track(big_screen)
    screen = open_screen(big_screen, server, rnd["id"])
    a, b = meet(server, tracked, f"{server.url}/r/{rnd['join_code']}", ("Ilse", "Bram"))
    send_photo(b, "DSCN0040.jpg", tmp_path)
    for page in (a, b):
        page.goto(f"{server.url}/play")
        expect(page.get_by_test_id("points")).not_to_have_text("0")
    expect(screen.locator("#standings li")).to_have_count(2)
    assert any("/static/" in u for u in requests), requests
    assert elsewhere(server, requests) == []
    assert sockets and all(u.startswith(server.url.replace("http", "ws", 1) + "/socket.io/")
                           for u in sockets), sockets
