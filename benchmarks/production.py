"""The README's production setup for the afternoon benchmark: deploy/ as it is, on this machine.

nginx with deploy/nginx.conf (its ports, certificate and paths changed, nothing else), two
gunicorn processes from deploy/koppelkiek@.service's ExecStart with deploy/koppelkiek.env
(KOPPELKIEK_TRUSTED_PROXIES=1), on a fresh PostgreSQL database and Redis. Only nginx's own
limits are raised (worker connections, open files): a site file cannot set those. The setup
itself is the tests' (tests/live_server.py: Deployed), as the production smoke test runs it.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.live_server import (  # noqa: E402  (the shared harness of tests and benchmarks)
    Deployed,
    children,
    clean_env,
    deploy_settings,
    koppelkiek,
    recreate_database,
)


def run_cli(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    """`koppelkiek ARGS`; `check` may exit 1 (its answer is in the output), nothing else may."""
    done = koppelkiek(env, *args, stdin=stdin, timeout=300)
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
    """Same surface as afternoon.Server: setup, start, stop, cli, url, pids, app_pids."""

    def __init__(self, folder: Path, database_url: str, redis_url: str) -> None:
        self.folder, self.database_url, self.redis_url = folder, database_url, redis_url
        self.env: dict[str, str] = {}
        self.url = ""
        self.nginx_dir = Path(tempfile.mkdtemp(prefix="kk-afternoon-nginx-"))
        self.deployed: Deployed | None = None

    @property
    def pids(self) -> list[int]:
        assert self.deployed is not None
        return [p.pid for p in self.deployed.procs[:2]]  # the app processes; nginx is not ours

    @property
    def app_pids(self) -> list[int]:
        """The gunicorn workers, the masters' children, that run the app itself."""
        return [c for p in self.pids for c in children(p)]

    def cli(self, *args: str, stdin: str | None = None) -> str:
        return run_cli(self.env, *args, stdin=stdin)

    def setup(self, ports: list[int], boundary: dict[str, Any]) -> dict[str, Any]:
        import redis

        https, plain, *app_ports = ports
        self.url = f"https://127.0.0.1:{https}"
        recreate_database(self.database_url)
        redis.Redis.from_url(self.redis_url).flushdb()
        self.env = clean_env(**deploy_settings() | {
            "KOPPELKIEK_INSTANCE": str(self.folder), "KOPPELKIEK_DATABASE_URL": self.database_url,
            "KOPPELKIEK_MESSAGE_QUEUE": self.redis_url,
            "KOPPELKIEK_RATELIMIT_STORAGE_URI": self.redis_url,
            "KOPPELKIEK_PUBLIC_URL": self.url})
        rnd = live_round(self.cli, self.folder, boundary)
        # What Debian's nginx.conf gives a site, with room for 1,000 phones' connections.
        self.deployed = Deployed(folder=self.nginx_dir, logs=self.folder, env=self.env,
                                 https=https, http_port=plain, app_ports=app_ports,
                                 connections=16384, open_files=32768, error_level="warn")
        self.deployed.configure()
        return rnd  # type: ignore[no-any-return]

    def start(self) -> None:
        assert self.deployed is not None
        self.deployed.start()

    def log(self) -> str:
        assert self.deployed is not None
        return "".join((self.folder / f"gunicorn-{p}.log").read_text(errors="replace")
                       for p in self.deployed.app_ports)

    def stop(self) -> None:
        if self.deployed is not None:
            self.deployed.stop(20.0)
        shutil.rmtree(self.nginx_dir, ignore_errors=True)
