"""Issue 13, static files for phones: content-hashed URLs, immutable, gzip and brotli."""

from __future__ import annotations

import gzip
import re

import brotli
from flask import Flask
from flask.testing import FlaskClient

from koppelkiek.assets import hashed_name
from tests.helpers import ROOT, World

STATIC = ROOT / "koppelkiek" / "static"


def script_urls(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="(/static/[^"]+)"', html)


def test_pages_link_hashed_urls_that_are_cached_for_good(world: World) -> None:
    phone, _ = world.join("Fatma")
    urls = script_urls(phone.get("/me").get_data(as_text=True)) or script_urls(
        phone.get("/meet").get_data(as_text=True))
    assert urls, "the player's page links no static files"
    for url in urls:
        name = url.removeprefix("/static/")
        plain = re.sub(r"\.[0-9a-f]{12}(\.[a-z]+)$", r"\1", name)
        assert name == hashed_name(plain, (STATIC / plain).read_bytes()), url
        res = phone.get(url, buffered=True)
        assert res.status_code == 200
        assert res.get_data() == (STATIC / plain).read_bytes()
        assert "immutable" in res.headers["Cache-Control"]
        assert "max-age=315360000" in res.headers["Cache-Control"]


def _asset(app: Flask, filename: str) -> str:
    with app.test_request_context():
        from flask import url_for
        return url_for("static", filename=filename)


def test_brotli_where_accepted_else_gzip_else_plain(app: Flask, client: FlaskClient) -> None:
    url = _asset(app, "vendor/socket.io.min.js")
    original = (STATIC / "vendor" / "socket.io.min.js").read_bytes()
    assert (STATIC / "vendor" / "socket.io.min.js.br").exists(), "run `make assets`"
    br = client.get(url, buffered=True, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert br.headers["Content-Encoding"] == "br"
    assert "Accept-Encoding" in br.headers["Vary"]
    assert brotli.decompress(br.get_data()) == original
    assert int(br.headers["Content-Length"]) < len(original) / 2
    gz = client.get(url, buffered=True, headers={"Accept-Encoding": "gzip"})
    assert gz.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(gz.get_data()) == original
    plain = client.get(url, buffered=True, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    assert plain.get_data() == original


def test_a_changed_file_gets_a_new_url() -> None:
    assert hashed_name("player.js", b"one") != hashed_name("player.js", b"two")
    assert re.fullmatch(r"vendor/socket\.io\.min\.[0-9a-f]{12}\.js",
                        hashed_name("vendor/socket.io.min.js", b"x"))


def test_the_unhashed_name_still_works_but_is_not_immutable(client: FlaskClient) -> None:
    res = client.get("/static/style.css", buffered=True)
    assert res.status_code == 200
    assert "immutable" not in res.headers.get("Cache-Control", "")
