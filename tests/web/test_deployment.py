"""Issue 13, the documented production setup, run as a whole: deploy/ as the README shows it.

nginx from Debian with deploy/nginx.conf (only its ports, certificate and paths changed for
the test, each change checked), two gunicorn processes started with the ExecStart line of
deploy/koppelkiek@.service and the settings of deploy/koppelkiek.env (KOPPELKIEK_TRUSTED_PROXIES=1),
on PostgreSQL and Redis. Through nginx over HTTPS: phones join, meet and upload a real photo;
a screen whose socket nginx keeps on the *other* process gets the live delta; the limiter
counts each client address that nginx forwards; the organiser logs in and downloads an export.

Marked `deployment`; without nginx, PostgreSQL or Redis it is skipped locally and fails in CI.
"""

from __future__ import annotations

import http.client
import io
import json
import os
import queue
import re
import shutil
import ssl
import tempfile
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import redis
import requests
import socketio
from prometheus_client.parser import text_string_to_metric_families

from tests.helpers import NO_EXIF, csrf_from, need, next_message
from tests.live_server import (
    SPOT,
    Cluster,
    Deployed,
    clean_env,
    deploy_settings,
    drop_database,
    free_ports,
    fresh_database,
)

pytestmark = [pytest.mark.deployment, pytest.mark.postgres, pytest.mark.redis]

REDIS_URL = os.environ.get("KOPPELKIEK_TEST_REDIS_URL")
PG_URL = os.environ.get("KOPPELKIEK_TEST_DATABASE_URL")
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
PORTS = range(8850, 8870)
WAIT = 60.0  # a safety net against a hang, not a measurement
METRICS_TOKEN = "deployment-test-token"
# Which app process served each request, and with which sticky cookie (see upstream_of).
UPSTREAM_LOG = """'$remote_addr "$request" $status upstream=$upstream_addr cookie=$cookie_kk_lb'"""


@dataclass
class Deployment:
    cluster: Cluster
    url: str  # https through nginx
    http_url: str
    apps: list[str]  # each gunicorn process, directly
    app_ports: list[int]
    folder: Path
    cert: Path
    cookies: dict[int, str] = field(default_factory=dict)

    def upstream_log(self) -> list[str]:
        return (self.folder / "access.log").read_text().splitlines()

    def upstream_of(self, cookie: str) -> set[int]:
        """Which app ports served the requests that carried this sticky cookie."""
        return {int(m.group(1)) for line in self.upstream_log()
                if line.endswith(f"cookie={cookie}")
                and (m := re.search(r"upstream=127\.0\.0\.1:(\d+)", line))}

    def sticky_cookie_for(self, port: int) -> str:
        """A sticky-cookie value that nginx's hash sends to the app process on `port`."""
        if port not in self.cookies:
            for n in range(200):
                value = f"probe{n:03d}"
                self.session().get(f"{self.url}/healthz", cookies={"kk_lb": value}, timeout=10)
                time.sleep(0.05)  # the access log is written after the answer
                if self.upstream_of(value) == {port}:
                    self.cookies[port] = value
                    break
            else:
                raise AssertionError(f"no sticky cookie reaches port {port}")
        return self.cookies[port]

    def session(self) -> requests.Session:
        """Trusting our certificate only (trust_env off: REQUESTS_CA_BUNDLE would win)."""
        http = requests.Session()
        http.trust_env = False
        http.verify = str(self.cert)
        return http

    def phone(self, port: int) -> requests.Session:
        http = self.session()
        http.cookies.set("kk_lb", self.sticky_cookie_for(port), path="/")
        return http


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[Deployment]:
    need(NGINX is not None, "nginx is not installed (apt-get install nginx)")
    need(bool(REDIS_URL), "KOPPELKIEK_TEST_REDIS_URL is not set (no Redis)")
    need(bool(PG_URL), "KOPPELKIEK_TEST_DATABASE_URL is not set (no PostgreSQL)")
    assert NGINX and REDIS_URL and PG_URL
    folder = Path(tempfile.mkdtemp(prefix="koppelkiek-nginx-"))
    https, http_port, *app_ports = free_ports(4, PORTS)
    url = f"https://127.0.0.1:{https}"

    settings = deploy_settings()
    assert settings["KOPPELKIEK_TRUSTED_PROXIES"] == "1"
    assert settings["KOPPELKIEK_SECURE_COOKIES"] == "true"
    database_url = fresh_database(PG_URL)
    redis.Redis.from_url(REDIS_URL).flushdb()  # rate-limit counts of earlier runs
    env = clean_env(**settings | {
        "KOPPELKIEK_INSTANCE": str(tmp_path / "instance"),
        "KOPPELKIEK_DATABASE_URL": database_url,
        "KOPPELKIEK_MESSAGE_QUEUE": REDIS_URL,
        "KOPPELKIEK_RATELIMIT_STORAGE_URI": REDIS_URL,
        "KOPPELKIEK_PUBLIC_URL": url,
        "KOPPELKIEK_METRICS_TOKEN": METRICS_TOKEN,
    })
    deployed = Deployed(folder=folder, logs=tmp_path, env=env, https=https, http_port=http_port,
                        app_ports=app_ports, access_log=UPSTREAM_LOG)
    try:
        deployed.configure()
        cluster = Cluster(env=env, urls=[], folder=tmp_path)
        cluster.cli("init")
        deployed.start()
        yield Deployment(cluster=cluster, url=url, http_url=f"http://127.0.0.1:{http_port}",
                         apps=deployed.apps, app_ports=app_ports, folder=folder,
                         cert=deployed.cert)
    finally:
        deployed.stop()
        drop_database(database_url)
        shutil.rmtree(folder, ignore_errors=True)


def _metrics(http: requests.Session, url: str,
             **kwargs: Any) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    res = http.get(f"{url}/metrics", timeout=10, **kwargs)
    assert res.status_code == 200, res.text
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(res.text) for s in family.samples}


def _join(http: requests.Session, url: str, join_code: str, name: str) -> dict[str, Any]:
    res = http.post(f"{url}/api/v1/join", json={"join_code": join_code, "display_name": name})
    assert res.status_code == 201, res.text
    http.headers["Authorization"] = f"Bearer {res.json()['token']}"
    return res.json()


def _join_status_from(address: str, port: int, forwarded_for: str | None = None) -> tuple[int, int]:
    """A join with a wrong code from a client at `address`: its status and the join limit left."""
    conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=10,
                                       source_address=(address, 0),
                                       context=ssl._create_unverified_context())
    headers = {"Content-Type": "application/json"}
    if forwarded_for:
        headers["X-Forwarded-For"] = forwarded_for
    try:
        conn.request("POST", "/api/v1/join", body=json.dumps(
            {"join_code": "ZZZZZZ", "display_name": "Niemand"}), headers=headers)
        res = conn.getresponse()
        res.read()
        return res.status, int(res.getheader("X-RateLimit-Remaining") or -1)
    finally:
        conn.close()


def _snapshot_as_the_screen_asks(screen: socketio.Client, received: queue.Queue[tuple[str, Any]],
                                 round_id: int) -> dict[str, Any]:
    """The snapshot; a `refused` is asked again, as screen.js does (there after 15 s)."""
    refusals = []
    until = time.monotonic() + WAIT
    while time.monotonic() < until:
        try:
            name, data = received.get(timeout=1)
        except queue.Empty:
            continue
        if name == "snapshot":
            return data  # type: ignore[no-any-return]
        if name == "refused":
            refusals.append(data)
            time.sleep(1)
            screen.emit("watch", {"round_id": round_id, "since_seq": 0})
    raise AssertionError(f"no snapshot within {WAIT} s; refusals: {refusals}")


def test_the_documented_production_setup(deployment: Deployment) -> None:
    d = deployment
    rnd = d.cluster.live_round()
    phones_port, screen_port = d.app_ports

    # Plain HTTP goes to HTTPS; a new client gets a sticky cookie and keeps its process.
    res = d.session().get(f"{d.http_url}/healthz", allow_redirects=False, timeout=10)
    assert res.status_code == 301 and res.headers["Location"].startswith("https://")
    fresh = d.session()
    assert "kk_lb=" in fresh.get(f"{d.url}/healthz").headers["Set-Cookie"]
    for _ in range(5):
        assert "Set-Cookie" not in fresh.get(f"{d.url}/healthz").headers
    time.sleep(0.1)
    assert len(d.upstream_of(fresh.cookies["kk_lb"])) == 1

    # The screen watches through nginx, on the other process than the phones.
    received: queue.Queue[tuple[str, Any]] = queue.Queue()
    screen_http = d.phone(screen_port)
    screen = socketio.Client(reconnection=False, http_session=screen_http)
    for name in ("snapshot", "standings", "refused"):
        screen.on(name, lambda data, name=name: received.put((name, data)))
    screen.connect(d.url, transports=["polling", "websocket"], wait_timeout=20)
    try:
        screen.emit("watch", {"round_id": rnd["id"], "since_seq": 0})
        snapshot = _snapshot_as_the_screen_asks(screen, received, rnd["id"])
        assert snapshot["round"]["state"] == "live"
        upgraded_by = time.monotonic() + WAIT
        while screen.transport() != "websocket":  # the upgrade must reach the same process
            assert time.monotonic() < upgraded_by, "the socket was never upgraded"
            time.sleep(0.05)
        sockets = _metrics(d.session(), d.apps[1])
        assert sockets[("koppelkiek_sockets_connected", ())] >= 1

        fatma, omer = d.phone(phones_port), d.phone(phones_port)
        a = _join(fatma, d.url, rnd["join_code"], "Fatma")
        b = _join(omer, d.url, rnd["join_code"], "Ömer")
        code = fatma.post(f"{d.url}/api/v1/pairing-codes", json=SPOT).json()["code"]
        res = omer.post(f"{d.url}/api/v1/meetings", json={"code": code, **SPOT})
        assert res.status_code == 201, res.text
        with NO_EXIF.open("rb") as photo:
            res = omer.post(f"{d.url}/api/v1/meetings/{res.json()['meeting']['id']}/photo",
                            files={"photo": ("kiek.jpg", photo, "image/jpeg")},
                            data={key: str(value) for key, value in SPOT.items()})
        assert res.status_code == 201, res.text
        assert res.json()["photo"]["status"] == "accepted"
        scored_seq = d.cluster.seq_of(rnd["id"], "photo_scored")
        until = time.monotonic() + WAIT
        while (delta := next_message(received, "standings", until))["seq"] < scored_seq:
            pass
    finally:
        screen.disconnect()
    assert delta["seq"] == scored_seq
    points = {row["player_id"]: row["points"] for row in delta["changed"]}
    assert points == {a["player"]["id"]: 12, b["player"]["id"]: 12}
    time.sleep(0.1)
    assert d.upstream_of(d.cookies[phones_port]) == {phones_port}
    assert d.upstream_of(d.cookies[screen_port]) == {screen_port}
    # Each process answers for itself: the photo was taken in on the phones' process.
    accepted = ("koppelkiek_photos_total", (("code", "accepted"), ("result", "accepted")))
    assert _metrics(d.session(), d.apps[0]).get(accepted) == 1
    assert _metrics(d.session(), d.apps[1]).get(accepted, 0) == 0

    # Static files arrive compressed and immutable through nginx.
    page = fatma.get(f"{d.url}/meet").text
    script = re.search(r'src="(/static/kk\.[0-9a-f]{12}\.js)"', page)
    assert script, page
    res = fatma.get(d.url + script.group(1), headers={"Accept-Encoding": "br"})
    assert res.headers["Content-Encoding"] == "br"
    assert "immutable" in res.headers["Cache-Control"]

    # The limiter counts the address nginx forwards, not nginx's own.
    status, left = _join_status_from("127.0.0.2", int(d.url.rsplit(":", 1)[1]))
    assert status == 404
    assert _join_status_from("127.0.0.2", int(d.url.rsplit(":", 1)[1]))[1] == left - 1
    assert _join_status_from("127.0.0.3", int(d.url.rsplit(":", 1)[1]))[1] == left
    # An address made up by the client in front of nginx's own does not start a new count.
    made_up = _join_status_from("127.0.0.2", int(d.url.rsplit(":", 1)[1]), "203.0.113.50")
    assert made_up[1] == left - 2

    # /metrics through nginx only with the token.
    assert d.session().get(f"{d.url}/metrics", timeout=10).status_code == 404
    assert _metrics(d.session(), d.url, headers={"Authorization": f"Bearer {METRICS_TOKEN}"})

    # The organiser logs in (secure cookie, over HTTPS) and downloads the export.
    org = d.session()
    token = csrf_from(org.get(f"{d.url}/organise/login").text)
    # Over HTTPS, Flask-WTF also wants the Referer a browser sends.
    res = org.post(f"{d.url}/organise/login", allow_redirects=False,
                   headers={"Referer": f"{d.url}/organise/login"}, data={
        "email": "two@koppelkiek.test", "password": "seed password 123", "csrf_token": token})
    assert res.status_code == 302, res.text
    assert res.headers["Location"].startswith(("/organise", f"{d.url}/organise"))
    export = org.get(f"{d.url}/organise/rounds/{rnd['id']}/export.csv")
    assert export.status_code == 200
    assert export.headers["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(export.content)) as archive:
        standings = archive.read("standings.csv").decode("utf-8")
    assert "Fatma" in standings and "Ömer" in standings
