"""Issue 14, the pages' scripts: each page's script takes its URLs from the page (data-*
attributes built by url_for), so no script knows an address of its own.

URLs with an id are built for id 0, and kk.js `withId` swaps the real id in for that one path
segment; `with_id` below does the same, so the test follows the address the script would use.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from tests.helpers import World
from tests.live_server import ROOT

STATIC = ROOT / "koppelkiek" / "static"
PAGE_SCRIPTS = sorted(STATIC.glob("*.js"))  # ours; vendor/ holds the npm libraries
INSIDE = {"lat": "52.0760", "lon": "5.1240", "accuracy": "10"}  # in Hoograven


def with_id(url: str, value: int | str) -> str:
    """kk.withId: the one path segment "0" becomes the id."""
    filled, count = re.subn(r"/0(?=[/.?]|$)", f"/{value}", url, count=1)
    assert count == 1, f"{url} has no id segment to fill"
    return filled


def page_urls(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-([a-z-]+-url)="([^"]*)"', html))


def urls_read_by_scripts(html: str) -> set[str]:
    """The data-*-url names that the page's own scripts read."""
    names: set[str] = set()
    for src in re.findall(r'src="/static/([a-z_]+)\.[0-9a-f]{12}\.js"', html):
        source = (STATIC / f"{src}.js").read_text(encoding="utf-8")
        names |= set(re.findall(r'getAttribute\("data-([a-z-]+-url)"\)', source))
    return names


@pytest.mark.parametrize("script", PAGE_SCRIPTS, ids=lambda p: p.name)
def test_no_page_script_knows_an_address_of_its_own(script: Path) -> None:
    source = script.read_text(encoding="utf-8")
    assert "/api/" not in source
    assert not re.findall(r"""["'`]/[A-Za-z]""", source), "a path in the script: pass it in data-*"


def _meeting(world: World) -> tuple[FlaskClient, FlaskClient, int]:
    a, _ = world.join("Fatma")
    b, _ = world.join("Jan")
    code = a.post("/api/v1/pairing-codes", json=INSIDE).get_json()["code"]
    res = b.post("/api/v1/meetings", json={"code": code, **INSIDE})
    assert res.status_code == 201, res.get_json()
    return a, b, int(res.get_json()["meeting"]["id"])


def test_every_page_gives_its_scripts_the_urls_they_read_and_they_lead_somewhere(
    world: World,
) -> None:
    a, b, meeting_id = _meeting(world)
    pages = {path: b.get(path) for path in
             ("/play", "/meet", "/scan", "/me", f"/meetings/{meeting_id}", "/m/ABCDEF",
              f"/screen/{world.round_id}")}
    read: set[str] = set()
    for path, res in pages.items():
        assert res.status_code == 200, path
        html = res.get_data(as_text=True)
        given, wanted = page_urls(html), urls_read_by_scripts(html)
        assert wanted <= set(given), f"{path} lacks {wanted - set(given)}"
        read |= wanted
    # Every kind of URL a script reads, from the player's meeting page on.
    assert read >= {"codes-url", "claim-url", "meeting-url", "scanned-url", "upload-url",
                    "consent-url", "image-url", "me-url", "page-url", "forget-url"}

    urls = page_urls(pages["/meet"].get_data(as_text=True)) | page_urls(
        pages[f"/meetings/{meeting_id}"].get_data(as_text=True)) | page_urls(
        pages["/play"].get_data(as_text=True))
    # The meeting page, and the phone's own row, where the scripts go.
    assert b.get(with_id(urls["meeting-url"], meeting_id)).status_code == 200
    assert b.get(urls["me-url"]).get_json()["player"]["display_name"] == "Jan"
    # A scanned QR code's address starts with what the scan page knows.
    scanned = page_urls(pages["/scan"].get_data(as_text=True))["scanned-url"]
    shown = a.post(urls["codes-url"], json=INSIDE).get_json()
    assert shown["url"].split(scanned.removesuffix("0"), 1)[1] == shown["code"]
    # The upload address is this meeting's; consent goes to the photo's own address.
    assert urls["upload-url"] == f"/api/v1/meetings/{meeting_id}/photo"
    assert with_id(urls["consent-url"], 7) == "/api/v1/photos/7/consent"
    assert with_id(urls["image-url"], "ab12") == "/photos/ab12.jpg"
