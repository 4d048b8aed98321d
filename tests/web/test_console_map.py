"""Issue 15, item 8: which tile server the console's maps use, and that only console pages
carry a map."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from koppelkiek import config
from tests.helpers import World

TILES = "http://tiles.example.test/{z}/{x}/{y}.png"


def test_the_tiles_default_to_openstreetmap_and_empty_means_the_outline_only(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KOPPELKIEK_INSTANCE", str(tmp_path / "inst"))
    monkeypatch.delenv("KOPPELKIEK_MAP_TILES", raising=False)
    assert config.load()["MAP_TILES"] == "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    assert "OpenStreetMap" in config.load()["MAP_ATTRIBUTION"]
    monkeypatch.setenv("KOPPELKIEK_MAP_TILES", "")
    assert config.load()["MAP_TILES"] == ""
    monkeypatch.setenv("KOPPELKIEK_MAP_TILES", TILES)
    assert config.load()["MAP_TILES"] == TILES


def test_console_pages_carry_the_tile_server_and_phone_pages_no_map(
        app: Flask, world: World) -> None:
    app.config["MAP_TILES"] = TILES
    org = world.organiser_client()
    for url in (f"/organise/neighbourhoods/{world.hood_slug}",
                f"/organise/neighbourhoods/{world.hood_slug}/spots",
                f"/organise/rounds/{world.round_id}/photos"):
        page = org.get(url).get_data(as_text=True)
        assert f'data-tiles="{TILES}"' in page, url
        assert "/static/vendor/leaflet." in page and "data-boundary=" in page, url
    _, body = world.join("Fatma")
    phone, newcomer = app.test_client(), app.test_client()
    phone.set_cookie("kk_player", body["token"])
    pages = ((phone, "/play"), (phone, "/meet"), (phone, "/me"),
             (newcomer, f"/r/{world.join_code}"), (newcomer, f"/screen/{world.round_id}"))
    for client, url in pages:
        res = client.get(url)
        assert res.status_code == 200, url
        page = res.get_data(as_text=True)
        assert "tiles.example.test" not in page and "leaflet" not in page, url
    app.config["MAP_TILES"] = ""
    page = org.get(f"/organise/neighbourhoods/{world.hood_slug}").get_data(as_text=True)
    assert 'data-tiles=""' in page and 'data-testid="outline"' in page
