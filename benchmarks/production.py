"""The README's production setup for the afternoon benchmark: deploy/ as it is, on this machine.

nginx with deploy/nginx.conf (its ports, certificate and paths changed, nothing else), two
gunicorn processes from deploy/koppelkiek@.service's ExecStart with deploy/koppelkiek.env
(KOPPELKIEK_TRUSTED_PROXIES=1), on a fresh PostgreSQL database and Redis. Only nginx's own
limits are raised (worker connections, open files): a site file cannot set those.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def _swap(text: str, old: str, new: str) -> str:
    if old not in text:
        raise RuntimeError(f"deploy file no longer contains {old!r}")
    return text.replace(old, new)


def _wait(url: str, procs: list[subprocess.Popen[bytes]], log: Path) -> None:
    deadline = time.monotonic() + 60
    context = ssl._create_unverified_context()  # our own self-signed certificate
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in procs):
            raise RuntimeError(log.read_text())
        with contextlib.suppress(OSError), \
                urllib.request.urlopen(url + "/healthz", timeout=2, context=context) as res:
            if res.status == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer /healthz")


def run_cli(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    """`koppelkiek ARGS`; `check` may exit 1 (its answer is in the output), nothing else may."""
    done = subprocess.run([sys.executable, "-m", "koppelkiek.cli", *args], env=env, cwd=ROOT,
                          input=stdin, capture_output=True, text=True, timeout=300, check=False)
    if done.returncode not in (0, 1) or (done.returncode and args[0] != "check"):
        raise RuntimeError(f"koppelkiek {' '.join(args)}: {done.stdout}{done.stderr}")
    return done.stdout + (f"\nexit {done.returncode}" if done.returncode else "")


def live_round(cli: Callable[..., str], folder: Path, boundary: dict[str, Any]) -> dict[str, Any]:
    """`init`, an organiser, a neighbourhood and a round that is live now, through the CLI."""
    cli("init")
    cli("organiser", "create", "--email", "bench@koppelkiek.test", "--password-stdin", "--json",
        stdin="bench password 123\n")
    path = folder / "boundary.geojson"
    path.write_text(json.dumps(boundary))
    hood = json.loads(cli("neighbourhood", "create", "--name", "Hoograven middag", "--boundary",
                          str(path), "--organiser", "bench@koppelkiek.test",
                          "--json").strip().splitlines()[-1])
    now = datetime.now().astimezone()
    rnd = json.loads(cli("round", "create", "--neighbourhood", hood["slug"], "--name", "Middag",
                         "--starts", (now - timedelta(minutes=5)).isoformat(),
                         "--ends", (now + timedelta(hours=3)).isoformat(),
                         "--json").strip().splitlines()[-1])
    cli("round", "start", str(rnd["id"]))
    return rnd  # type: ignore[no-any-return]


class Production:
    """Same surface as afternoon.Server: setup, start, stop, cli, url, pids."""

    def __init__(self, folder: Path, database_url: str, redis_url: str) -> None:
        self.folder, self.database_url, self.redis_url = folder, database_url, redis_url
        self.procs: list[subprocess.Popen[bytes]] = []
        self.env: dict[str, str] = {}
        self.url = ""
        self.nginx_dir = Path(tempfile.mkdtemp(prefix="kk-afternoon-nginx-"))

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.procs[:2]]  # the app processes; nginx is not ours to weigh

    def cli(self, *args: str, stdin: str | None = None) -> str:
        return run_cli(self.env, *args, stdin=stdin)

    def setup(self, ports: list[int], boundary: dict[str, Any]) -> dict[str, Any]:
        import psycopg
        import redis
        from sqlalchemy.engine import make_url

        https, plain, *self.app_ports = ports
        self.url = f"https://127.0.0.1:{https}"
        target = make_url(self.database_url)
        admin = target.set(drivername="postgresql", database="postgres")
        with psycopg.connect(admin.render_as_string(hide_password=False),
                             autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{target.database}"')
        redis.Redis.from_url(self.redis_url).flushdb()
        settings = {}
        for line in (DEPLOY / "koppelkiek.env").read_text().splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                name, _, value = line.partition("=")
                settings[name.strip()] = value.strip()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("KOPPELKIEK_")}
        self.env |= settings | {
            "KOPPELKIEK_INSTANCE": str(self.folder), "KOPPELKIEK_DATABASE_URL": self.database_url,
            "KOPPELKIEK_MESSAGE_QUEUE": self.redis_url,
            "KOPPELKIEK_RATELIMIT_STORAGE_URI": self.redis_url,
            "KOPPELKIEK_PUBLIC_URL": self.url, "PYTHONUNBUFFERED": "1"}
        rnd = live_round(self.cli, self.folder, boundary)
        self._nginx_files(https, plain)
        return rnd  # type: ignore[no-any-return]

    def _nginx_files(self, https: int, plain: int) -> None:
        d = self.nginx_dir
        d.chmod(0o755)
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (d / kind).mkdir(mode=0o777)
            (d / kind).chmod(0o777)
        cert, key = d / "cert.pem", d / "key.pem"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                       check=True, capture_output=True, timeout=60)
        site = (DEPLOY / "nginx.conf").read_text()
        site = _swap(site, "listen 443 ssl;", f"listen 127.0.0.1:{https} ssl;")
        site = _swap(site, "listen 80;", f"listen 127.0.0.1:{plain};")
        site = _swap(site, "/etc/letsencrypt/live/kiek.example.nl/fullchain.pem", str(cert))
        site = _swap(site, "/etc/letsencrypt/live/kiek.example.nl/privkey.pem", str(key))
        site = _swap(site, "server 127.0.0.1:5001;", f"server 127.0.0.1:{self.app_ports[0]};")
        site = _swap(site, "server 127.0.0.1:5002;", f"server 127.0.0.1:{self.app_ports[1]};")
        (d / "site.conf").write_text(site)
        mime = "include /etc/nginx/mime.types;" if Path("/etc/nginx/mime.types").exists() else ""
        temp = "\n".join(f"    {kind}_temp_path {d / kind};"
                         for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        # What Debian's nginx.conf gives a site, with room for 1,000 phones' connections.
        (d / "nginx.conf").write_text(f"""
worker_processes 1;
worker_rlimit_nofile 32768;
pid {d / "nginx.pid"};
error_log {d / "error.log"} warn;
events {{ worker_connections 16384; }}
http {{
    {mime}
    default_type application/octet-stream;
{temp}
    access_log off;
    include {d / "site.conf"};
}}
""")

    def start(self) -> None:
        unit = (DEPLOY / "koppelkiek@.service").read_text()
        line = next(x for x in unit.splitlines() if x.startswith("ExecStart="))
        for port in self.app_ports:
            words = shlex.split(line.removeprefix("ExecStart=").replace("%i", str(port)))
            words[0] = str(Path(sys.executable).parent / "gunicorn")
            log = (self.folder / f"gunicorn-{port}.log").open("wb")
            self.procs.append(subprocess.Popen(words, env=self.env, cwd=ROOT, stdout=log,
                                               stderr=subprocess.STDOUT))
        for port in self.app_ports:
            _wait(f"http://127.0.0.1:{port}", self.procs, self.folder / f"gunicorn-{port}.log")
        d = self.nginx_dir
        self.procs.append(subprocess.Popen(
            [NGINX, "-p", str(d), "-e", str(d / "error.log"), "-c", str(d / "nginx.conf"),
             "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT))
        _wait(self.url, self.procs, d / "error.log")

    def log(self) -> str:
        return "".join((self.folder / f"gunicorn-{p}.log").read_text(errors="replace")
                       for p in self.app_ports)

    def stop(self) -> None:
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(self.nginx_dir, ignore_errors=True)
