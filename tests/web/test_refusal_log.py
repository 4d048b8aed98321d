"""Refusals are one log line each, never a traceback, also when raised in the database thread
pool of the real gevent server (a duplicate photo is refused there)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.live_server import Server, join, live_server, meet, phone_photo

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with live_server(tmp_path_factory.mktemp("refusal-log-instance")) as srv:
        yield srv


def send(http: requests.Session, url: str, meeting: int, who: dict[str, str],
         photo: bytes) -> requests.Response:
    return http.post(f"{url}/api/v1/meetings/{meeting}/photo", headers=who,
                     files={"photo": ("photo.jpg", photo, "image/jpeg")}, timeout=60)


def test_a_refusal_in_the_thread_pool_is_one_line(server: Server, tmp_path: Path) -> None:
    rnd = server.live_round("Hoograven", tmp_path)
    url = server.url
    with requests.Session() as http:
        a = join(http, url, rnd["join_code"], "Fatma")
        b = join(http, url, rnd["join_code"], "Ömer")
        c = join(http, url, rnd["join_code"], "Jan")
        photo = phone_photo(7)
        first = send(http, url, meet(http, url, a, b), b, photo)
        assert first.status_code == 201, first.text
        again = meet(http, url, a, c)
        dup = send(http, url, again, c, photo)
        assert dup.status_code == 409 and dup.json()["error"]["code"] == "duplicate_photo"
        missing = http.get(f"{url}/api/v1/rounds/{1 << 63}/standings")
        assert missing.status_code == 404
    log = server.log.read_text(errors="replace")
    assert f"refused POST /api/v1/meetings/{again}/photo -> 409 duplicate_photo" in log
    assert "Traceback" not in log and "GameError" not in log
