"""The real server in subprocesses, as an organiser starts it, for tests and benchmarks alike.

- `live_server`: `koppelkiek init`, then `koppelkiek serve` (gevent), with SQLite in a temporary
  instance folder and a port from 8765..8865 (browser tests, event-loop test, backups).
- `two_processes`: two `koppelkiek serve` processes on one PostgreSQL database and one Redis.
- The production setup of deploy/ (nginx site, gunicorn's ExecStart, koppelkiek.env), with only
  its ports, certificate and paths changed, each change checked.
- What every harness needs: free ports, waiting for /healthz, stopping process groups, a fresh
  PostgreSQL database next to a given one, and the memory of a process and its children.

The benchmarks import this module too (with the repository root on sys.path), also in
processes they spawn: so it imports only the standard library at the top, and psycopg,
SQLAlchemy and Pillow where a function needs them. Nothing here imports the app.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import shlex
import shutil
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
# A boundary around Utrecht's Hoograven: where the seeded live rounds are played.
HOOGRAVEN = {
    "type": "Polygon",
    "coordinates": [[[5.1150, 52.0720], [5.1330, 52.0720], [5.1330, 52.0800],
                     [5.1150, 52.0800], [5.1150, 52.0720]]],
}
# live_server; the benchmarks and other harnesses keep clear of it. KOPPELKIEK_TEST_PORTS=9200-9299
# gives one checkout its own range, so two test runs on one machine never share a server.
_first, _, _last = os.environ.get("KOPPELKIEK_TEST_PORTS", "8765-8865").partition("-")
PORTS = range(int(_first), int(_last or _first) + 1)
CLUSTER_PORTS = range(8900, 9000)  # two_processes, clear of PORTS
DEPLOY = ROOT / "deploy"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SEED_PASSWORD = "seed password 123"  # every organiser that `live_round` creates
SPOT = {"lat": 52.0760, "lon": 5.1240, "accuracy": 10}  # inside HOOGRAVEN
AMSTERDAM = ZoneInfo("Europe/Amsterdam")  # the CLI's default neighbourhood zone


# ---- ports, health, stopping --------------------------------------------------------------

def free_port(ports: range = PORTS, taken: set[int] | None = None) -> int:
    """The first port in `ports` that nobody listens on (and that is not in `taken`)."""
    for port in ports:
        if taken and port in taken:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {ports.start}..{ports.stop - 1}")


def free_ports(count: int, ports: range) -> list[int]:
    found: list[int] = []
    for port in ports:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        found.append(port)
        if len(found) == count:
            return found
    raise RuntimeError(f"no {count} free ports in {ports.start}..{ports.stop - 1}")


def wait_healthy(url: str, procs: subprocess.Popen[bytes] | Sequence[subprocess.Popen[bytes]],
                 log: Path, timeout: float = 30.0, interval: float = 0.1,
                 context: ssl.SSLContext | None = None) -> None:
    """Until `url`/healthz answers 200; fails early with the log when a process exits."""
    watched = [procs] if isinstance(procs, subprocess.Popen) else list(procs)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for proc in watched:
            if proc.poll() is not None:
                raise RuntimeError(f"{proc.args!r} exited with {proc.returncode}:\n"
                                   f"{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2, context=context) as res:
                if res.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(interval)
    raise RuntimeError(f"{url} did not answer /healthz within {timeout:.0f} s:\n"
                       f"{log.read_text(errors='replace')}")


def stop(procs: subprocess.Popen[bytes] | Sequence[subprocess.Popen[bytes]],
         timeout: float = 10.0) -> None:
    """SIGTERM to all, then wait for each; SIGKILL whoever does not go in time."""
    procs = [procs] if isinstance(procs, subprocess.Popen) else list(procs)
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def clean_env(**settings: str) -> dict[str, str]:
    """This process's environment without any KOPPELKIEK_ setting of the caller's shell."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KOPPELKIEK_")}
    return env | {"PYTHONUNBUFFERED": "1"} | settings


def koppelkiek(env: dict[str, str], *args: str, stdin: str | None = None,
               timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`koppelkiek ARGS` in a subprocess, as an organiser types it."""
    return subprocess.run([sys.executable, "-m", "koppelkiek.cli", *args], env=env, cwd=ROOT,
                          input=stdin, capture_output=True, text=True, timeout=timeout,
                          check=False)


def serve(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    """`koppelkiek serve` on 127.0.0.1:`port`, its output appended to `log`."""
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "koppelkiek.cli", "serve", "--host", "127.0.0.1",
             "--port", str(port)], env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)


# ---- memory of a process and its children ------------------------------------------------

def children(pid: int) -> list[int]:
    """A process's direct children (gunicorn's worker under its master)."""
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


def tree(pid: int) -> list[int]:
    """A process and its descendants (the intake workers; gunicorn's worker)."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo += children(p)
    return found


def memory_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of a process in MB: now and at its peak; zeros when it is gone."""
    found: dict[str, float] = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                found[key] = int(value.split()[0]) / 1024
    return found.get("VmRSS", 0.0), found.get("VmHWM", 0.0)


def rss_mb(pid: int) -> float:
    return memory_mb(pid)[0]


def tree_rss_mb(pid: int) -> float:
    """VmRSS of a process and its descendants, in MB."""
    return sum(rss_mb(p) for p in tree(pid))


def own_cpu_seconds(pid: int) -> float:
    """CPU time of one process (0 once it is gone)."""
    with contextlib.suppress(OSError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return 0.0


def cpu_seconds(pid: int) -> float:
    """CPU time of a process and its living descendants."""
    return sum(own_cpu_seconds(p) for p in tree(pid))


# ---- a fresh PostgreSQL database next to the test database --------------------------------

def _admin(url: str) -> str:
    from sqlalchemy.engine import make_url

    admin = make_url(url).set(drivername="postgresql", database="postgres")
    return admin.render_as_string(hide_password=False)


def recreate_database(url: str) -> None:
    """Drop (forcing connections out) and create the database that `url` names."""
    import psycopg
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    with psycopg.connect(_admin(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def fresh_database(url: str, suffix: str = "two") -> str:
    """Create (or re-create) `<db>_<suffix>` on the same server; returns its SQLAlchemy URL."""
    from sqlalchemy.engine import make_url

    base = make_url(url)
    target = base.set(database=f"{base.database or 'koppelkiek'}_{suffix}")
    found = target.render_as_string(hide_password=False)
    recreate_database(found)
    return found


def drop_database(url: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    with psycopg.connect(_admin(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


# ---- one `koppelkiek serve` with SQLite -----------------------------------------------------

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
        self.proc = serve(self.env, self.port, self.log)
        wait_healthy(self.url, self.proc, self.log)

    def kill(self) -> None:
        """SIGKILL, as in a power cut: no goodbye to the sockets, nothing flushed."""
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None:
            stop(self.proc)

    def cli(self, *args: str, stdin: str | None = None) -> str:
        done = koppelkiek(self.env, *args, stdin=stdin)
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


@contextmanager
def live_server(instance: Path, **settings: str) -> Iterator[Server]:
    """`koppelkiek init` + `koppelkiek serve` on a free port; stopped on exit. `settings`: more
    environment (KOPPELKIEK_...). The console's maps load no tiles unless a setting names a
    tile server: a test never reaches the internet."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = clean_env(**{"KOPPELKIEK_MAP_TILES": "", **settings},
                    KOPPELKIEK_INSTANCE=str(instance), KOPPELKIEK_PUBLIC_URL=url)
    log = instance / "server.log"
    srv = Server(url=url, env=env, instance=instance, log=log)
    srv.cli("init")
    log.write_bytes(b"")
    try:
        srv.start()
        yield srv
    finally:
        srv.stop()


# ---- two processes on PostgreSQL and Redis --------------------------------------------------

@dataclass
class Cluster:
    env: dict[str, str]
    urls: list[str]
    folder: Path

    def cli(self, *args: str, stdin: str | None = None) -> str:
        done = koppelkiek(self.env, *args, stdin=stdin, timeout=120)
        assert done.returncode == 0, f"koppelkiek {' '.join(args)} failed:\n{done.stderr}"
        return done.stdout

    def cli_json(self, *args: str, stdin: str | None = None) -> dict[str, Any]:
        return json.loads(self.cli(*args, "--json", stdin=stdin).strip().splitlines()[-1])

    def seq_of(self, round_id: int, kind: str) -> int:
        """The seq the database handed out for the round's (only) event of this kind."""
        import psycopg
        from sqlalchemy.engine import make_url

        url = make_url(self.env["KOPPELKIEK_DATABASE_URL"]).set(drivername="postgresql")
        with psycopg.connect(url.render_as_string(hide_password=False)) as conn:
            rows = conn.execute("SELECT seq FROM round_events WHERE round_id = %s AND kind = %s",
                                (round_id, kind)).fetchall()
        assert len(rows) == 1, rows
        return int(rows[0][0])

    def live_round(self) -> dict[str, Any]:
        self.cli_json("organiser", "create", "--email", "two@koppelkiek.test",
                      "--password-stdin", stdin=f"{SEED_PASSWORD}\n")
        boundary = self.folder / "boundary.geojson"
        boundary.write_text(json.dumps(HOOGRAVEN))
        hood = self.cli_json("neighbourhood", "create", "--name", "Hoograven twee",
                             "--boundary", str(boundary), "--organiser", "two@koppelkiek.test")
        now = datetime.now().astimezone()
        rnd = self.cli_json("round", "create", "--neighbourhood", hood["slug"], "--name",
                            "Twee processen", "--starts",
                            (now - timedelta(minutes=10)).isoformat(), "--ends",
                            (now + timedelta(hours=3)).isoformat())
        self.cli("round", "start", str(rnd["id"]))
        return rnd


@contextmanager
def two_processes(folder: Path, database: str, redis_url: str) -> Iterator[Cluster]:
    """Two `koppelkiek serve` on a fresh `<db>_two` database and one Redis (queue and limits)."""
    database_url = fresh_database(database)
    instance = folder / "instance"  # shared: both processes use the same secret key
    env = clean_env(KOPPELKIEK_INSTANCE=str(instance), KOPPELKIEK_DATABASE_URL=database_url,
                    KOPPELKIEK_MESSAGE_QUEUE=redis_url,
                    KOPPELKIEK_RATELIMIT_STORAGE_URI=redis_url)
    ports = free_ports(2, CLUSTER_PORTS)
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    env["KOPPELKIEK_PUBLIC_URL"] = urls[0]
    found = Cluster(env=env, urls=urls, folder=folder)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        found.cli("init")
        for number, (port, url) in enumerate(zip(ports, urls, strict=True), start=1):
            log = folder / f"server{number}.log"
            log.write_bytes(b"")
            procs.append(serve(env, port, log))
            wait_healthy(url, procs[-1], log)
        yield found
    finally:
        stop(procs)
        drop_database(database_url)


# ---- the production setup of deploy/ --------------------------------------------------------

def swap(text: str, old: str, new: str) -> str:
    """One change to a deploy file; fails when the file no longer has what it changes."""
    if old not in text:
        raise AssertionError(f"deploy file no longer contains {old!r}")
    return text.replace(old, new)


def deploy_settings() -> dict[str, str]:
    """deploy/koppelkiek.env, as systemd's EnvironmentFile reads it."""
    settings = {}
    for line in (DEPLOY / "koppelkiek.env").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            settings[name.strip()] = value.strip()
    return settings


def exec_start(port: int) -> list[str]:
    """deploy/koppelkiek@.service's ExecStart for this port, with this venv's gunicorn."""
    unit = (DEPLOY / "koppelkiek@.service").read_text()
    line = next(x for x in unit.splitlines() if x.startswith("ExecStart="))
    words = shlex.split(line.removeprefix("ExecStart=").replace("%i", str(port)))
    assert words[0] == "/opt/koppelkiek/.venv/bin/gunicorn"
    return [str(Path(sys.executable).parent / "gunicorn"), *words[1:]]


def gunicorn(port: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """One app process, as systemd starts koppelkiek@PORT."""
    with log.open("wb") as out:
        return subprocess.Popen(exec_start(port), env=env, cwd=ROOT, stdout=out,
                                stderr=subprocess.STDOUT)


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, valid for a day."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    return cert, key


NGINX_TEMP = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


def nginx_folder(folder: Path) -> None:
    """nginx's workers may run as another user: a folder they can enter, temp folders they own."""
    folder.chmod(0o755)
    for kind in NGINX_TEMP:
        (folder / kind).mkdir(mode=0o777)
        (folder / kind).chmod(0o777)


def nginx_site(https: int, http_port: int, apps: list[int], cert: Path, key: Path) -> str:
    """deploy/nginx.conf with only its ports, certificate and upstreams changed."""
    site = (DEPLOY / "nginx.conf").read_text()
    site = swap(site, "listen 443 ssl;", f"listen 127.0.0.1:{https} ssl;")
    site = swap(site, "listen 80;", f"listen 127.0.0.1:{http_port};")
    site = swap(site, "/etc/letsencrypt/live/kiek.example.nl/fullchain.pem", str(cert))
    site = swap(site, "/etc/letsencrypt/live/kiek.example.nl/privkey.pem", str(key))
    site = swap(site, "server 127.0.0.1:5001;", f"server 127.0.0.1:{apps[0]};")
    return swap(site, "server 127.0.0.1:5002;", f"server 127.0.0.1:{apps[1]};")


def nginx_main(folder: Path, site: Path, connections: int = 256, open_files: int | None = None,
               access_log: str | None = None, error_level: str = "info") -> str:
    """What Debian's /etc/nginx/nginx.conf gives a site, in a folder of the test's own.

    `access_log` is a log_format (logged to folder/access.log) or None for no access log.
    """
    mime = "include /etc/nginx/mime.types;" if Path("/etc/nginx/mime.types").exists() else ""
    temp = "\n".join(f"    {kind}_temp_path {folder / kind};" for kind in NGINX_TEMP)
    rlimit = f"worker_rlimit_nofile {open_files};\n" if open_files else ""
    logs = (f"    log_format upstream {access_log};\n"
            f"    access_log {folder / 'access.log'} upstream;" if access_log
            else "    access_log off;")
    return f"""
worker_processes 1;
{rlimit}pid {folder / "nginx.pid"};
error_log {folder / "error.log"} {error_level};
events {{ worker_connections {connections}; }}
http {{
    {mime}
    default_type application/octet-stream;
{temp}
{logs}
    include {site};
}}
"""


@dataclass
class Deployed:
    """deploy/ as the README shows it: a gunicorn per app port (ExecStart, koppelkiek.env in
    `env`) behind nginx with deploy/nginx.conf over HTTPS. nginx's files live in `folder`,
    the app logs in `logs`. Only nginx's own limits differ between callers."""

    folder: Path
    logs: Path
    env: dict[str, str]
    https: int
    http_port: int
    app_ports: list[int]
    connections: int = 256
    open_files: int | None = None
    access_log: str | None = None  # a log_format for folder/access.log; None: no access log
    error_level: str = "info"
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.https}"

    @property
    def apps(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.app_ports]

    @property
    def cert(self) -> Path:
        return self.folder / "cert.pem"

    def configure(self) -> None:
        """The certificate, the site from deploy/nginx.conf and nginx's main configuration."""
        nginx_folder(self.folder)
        cert, key = self_signed(self.folder)
        site = self.folder / "koppelkiek.conf"
        site.write_text(nginx_site(self.https, self.http_port, self.app_ports, cert, key))
        (self.folder / "nginx.conf").write_text(nginx_main(
            self.folder, site, self.connections, self.open_files, self.access_log,
            self.error_level))

    def start(self) -> None:
        """The app processes, then nginx (after `nginx -t`), each once it answers /healthz."""
        unverified = ssl._create_unverified_context()  # our own self-signed certificate
        for port in self.app_ports:
            self.procs.append(gunicorn(port, self.env, self.logs / f"gunicorn-{port}.log"))
        for port, app in zip(self.app_ports, self.apps, strict=True):
            wait_healthy(app, self.procs, self.logs / f"gunicorn-{port}.log", 60.0, 0.2)
        main, errors = self.folder / "nginx.conf", self.folder / "error.log"
        # Config check first: a broken deploy/nginx.conf fails here with nginx's own words.
        checked = subprocess.run([NGINX, "-t", "-p", str(self.folder), "-e", str(errors),
                                  "-c", str(main)], capture_output=True, text=True, timeout=30)
        if checked.returncode != 0:
            raise AssertionError(checked.stderr)
        with (self.folder / "nginx.out").open("wb") as out:
            self.procs.append(subprocess.Popen(
                [NGINX, "-p", str(self.folder), "-e", str(errors), "-c", str(main),
                 "-g", "daemon off;"], stdout=out, stderr=subprocess.STDOUT))
        wait_healthy(self.url, self.procs, errors, 60.0, 0.2, unverified)

    def stop(self, timeout: float = 15.0) -> None:
        stop(self.procs, timeout)


# ---- a phone, over HTTP, against a live server ----------------------------------------------

def phone_photo(seed: int) -> bytes:
    """A 12 MP (4000x3000) phone-like JPEG of about 3 MB: EXIF GPS in Hoograven, Orientation 6,
    DateTimeOriginal now in local wall time. Each seed is a different picture (no duplicates)."""
    from PIL import Image

    rng = random.Random(seed)
    small = Image.frombytes("RGB", (400, 300), rng.randbytes(400 * 300 * 3))
    image = small.resize((4000, 3000), Image.Resampling.BICUBIC)
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 CW, as phones write it
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (52.0, 4.0, 33.6)  # 52.0760 N
    gps[3], gps[4] = "E", (5.0, 7.0, 26.4)  # 5.1240 E
    exif.get_ifd(0x8769)[0x9003] = datetime.now(AMSTERDAM).strftime("%Y:%m:%d %H:%M:%S")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


def join(http: Any, url: str, join_code: str, name: str) -> dict[str, str]:
    """Joins through the API (a requests.Session); returns the bearer header."""
    res = http.post(f"{url}/api/v1/join", json={"join_code": join_code, "display_name": name})
    assert res.status_code == 201, res.text
    return {"Authorization": f"Bearer {res.json()['token']}"}


def meet(http: Any, url: str, a: dict[str, str], b: dict[str, str]) -> int:
    """A shows a code at SPOT, B claims it there; returns the meeting's id."""
    res = http.post(f"{url}/api/v1/pairing-codes", json=SPOT, headers=a)
    assert res.status_code == 201, res.text
    res = http.post(f"{url}/api/v1/meetings", json={"code": res.json()["code"], **SPOT},
                    headers=b)
    assert res.status_code == 201, res.text
    return int(res.json()["meeting"]["id"])
