"""The real server in a subprocess, as a user starts it, and the CLI that seeds its database.

`koppelkiek init`, then `koppelkiek serve` (gevent), with SQLite in a temporary instance folder
and a port from 8765..8865. Used by the browser tests and by the event-loop test.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tests.conftest import HOOGRAVEN, ROOT

PORTS = range(8765, 8866)
SEED_PASSWORD = "seed password 123"  # every organiser that `live_round` creates


def free_port() -> int:
    for port in PORTS:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {PORTS.start}..{PORTS.stop - 1}")


@dataclass
class Server:
    """A running `koppelkiek serve` and the CLI that seeds its database."""

    url: str
    env: dict[str, str]
    instance: Path
    log: Path
    organisers: set[str] = field(default_factory=set)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def start(self) -> None:
        """`koppelkiek serve` on this server's port and instance; again after `kill()`."""
        assert self.proc is None or self.proc.poll() is not None, "the server is running"
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "koppelkiek.cli", "serve", "--host", "127.0.0.1",
                 "--port", str(self.port)],
                env=self.env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
            )
        wait_healthy(self.url, self.proc, self.log)

    def kill(self) -> None:
        """SIGKILL, as in a power cut: no goodbye to the sockets, nothing flushed."""
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def cli(self, *args: str, stdin: str | None = None) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "koppelkiek.cli", *args], env=self.env, cwd=ROOT,
            input=stdin, capture_output=True, text=True, timeout=60, check=False,
        )
        assert done.returncode == 0, f"koppelkiek {' '.join(args)} failed:\n{done.stderr}"
        return done.stdout

    def cli_json(self, *args: str, stdin: str | None = None) -> dict[str, Any]:
        out = self.cli(*args, "--json", stdin=stdin)
        return json.loads(out.strip().splitlines()[-1])

    def create_organiser(self, email: str, password: str) -> dict[str, Any]:
        return self.cli_json("organiser", "create", "--email", email, "--password-stdin",
                             stdin=password + "\n")

    def create_neighbourhood(self, name: str, boundary: dict[str, Any], organiser: str,
                             folder: Path, timezone: str | None = None) -> dict[str, Any]:
        path = folder / "boundary.geojson"
        path.write_text(json.dumps(boundary))
        extra = ("--timezone", timezone) if timezone else ()
        return self.cli_json("neighbourhood", "create", "--name", name, "--boundary", str(path),
                             "--organiser", organiser, *extra)

    def create_round(self, slug: str, name: str, starts: datetime,
                     ends: datetime) -> dict[str, Any]:
        return self.cli_json("round", "create", "--neighbourhood", slug, "--name", name,
                             "--starts", starts.isoformat(), "--ends", ends.isoformat())

    def start_round(self, round_id: int) -> None:
        self.cli("round", "start", str(round_id))

    def live_round(self, name: str, folder: Path, organiser: str = "seed@koppelkiek.test",
                   boundary: dict[str, Any] = HOOGRAVEN,
                   timezone: str | None = None) -> dict[str, Any]:
        """A neighbourhood with a round that is live now; returns the round (with join_code)."""
        if organiser not in self.organisers:
            self.create_organiser(organiser, SEED_PASSWORD)
            self.organisers.add(organiser)
        hood = self.create_neighbourhood(name, boundary, organiser, folder, timezone)
        now = datetime.now().astimezone()  # aware, so the neighbourhood's zone doesn't matter
        rnd = self.create_round(hood["slug"], f"{name} middag", now - timedelta(minutes=10),
                                now + timedelta(hours=3))
        self.start_round(rnd["id"])
        return rnd | {"slug": hood["slug"]}


def wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as res:
                if res.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server did not answer /healthz within 30 s:\n{log.read_text()}")


@contextmanager
def live_server(instance: Path) -> Iterator[Server]:
    """`koppelkiek init` + `koppelkiek serve` on a free port; stopped on exit."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KOPPELKIEK_")}
    env |= {"KOPPELKIEK_INSTANCE": str(instance), "KOPPELKIEK_PUBLIC_URL": url,
            "PYTHONUNBUFFERED": "1"}
    log = instance / "server.log"
    srv = Server(url=url, env=env, instance=instance, log=log)
    srv.cli("init")
    log.write_bytes(b"")
    try:
        srv.start()
        yield srv
    finally:
        srv.stop()
