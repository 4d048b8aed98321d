"""Benchmark of the live fan-out: 500 Socket.IO clients watch one round under `koppelkiek serve`.

    python benchmarks/fanout.py [--workers 10] [--clients 50] [--photos 20] [--no-record]

Starts the real server exactly as a user does (`koppelkiek init`, then `koppelkiek serve`:
gevent, SQLite in a temporary instance folder) and, next to it, a bare Flask-SocketIO gevent
server (BARE_SERVER below) whose HTTP handler does nothing but one `emit` to a room.
Worker processes (10 x 50 by default) each open a websocket client to both servers; every
client sends `watch` and waits for its snapshot. Then, interleaved, 20 times:

  koppelkiek  a photo is uploaded (HTTP, multipart, browser position inside the boundary);
              latency = each client's receipt of the `standings` delta for its seq
              minus the moment the upload's HTTP response arrived
  bare        POST /trigger with the same delta as JSON; the handler emits it to the room;
              latency = each client's receipt minus the moment the HTTP response arrived

All stamps are time.time() on one machine; the workers send theirs back through a
multiprocessing queue. In both servers the emit happens inside the request, before the response,
so a latency can be slightly negative when a delta overtakes the HTTP response.
Also reads the servers' VmRSS / VmHWM from /proc/<pid>/status with all clients connected.
Writes the "## Fan-out" section of benchmarks/RESULTS.md.
Goals (issue 5): p99 <= 1.5x the bare emit; server RSS <= 150 MB at 500 clients.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import multiprocessing as mp
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from results import RESULTS, machine, record

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.live_server import (  # noqa: E402  (the shared harness of tests and benchmarks)
    HOOGRAVEN,
    free_port,
    memory_mb,
    stop,
    wait_healthy,
)

SECTION = "Fan-out"
PORTS = range(8870, 8900)  # clear of the test servers (8765..8865, 8900..8999)
SPOT = {"lat": 52.0760, "lon": 5.1240, "accuracy": 10.0}  # inside BOUNDARY
BOUNDARY = HOOGRAVEN  # Utrecht
P99_GOAL, RSS_GOAL_MB = 1.5, 150.0
WAIT = 60.0  # safety net against a hang, not a measurement

# The bare comparison: a Flask-SocketIO app under gevent that only joins a room and emits.
# Same ping settings as koppelkiek/realtime.py; run with `python -c BARE_SERVER <port>`.
BARE_SERVER = """
from gevent import monkey
monkey.patch_all()
import sys
from flask import Flask, jsonify, request
from flask_socketio import SocketIO, emit, join_room

app = Flask("bare")
socketio = SocketIO(app, async_mode="gevent", ping_interval=20, ping_timeout=20)

@socketio.on("watch")
def watch(data):
    join_room("round")
    emit("snapshot", {"seq": 0})

@app.post("/trigger")
def trigger():
    socketio.emit("standings", request.get_json(), to="round")
    return jsonify(ok=True)

@app.get("/healthz")
def healthz():
    return jsonify(ok=True)

socketio.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_output=False)
"""


# ---- shared with benchmarks/event_loop.py and hostile.py ------------------------------------

def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@contextmanager
def process(args: list[str], env: dict[str, str], log: Path,
            port: int) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        proc = subprocess.Popen(args, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", proc, log, WAIT)
        yield proc
    finally:
        stop(proc)


@dataclass
class Game:
    """A live round in a fresh instance, seeded through the game's own use cases."""

    folder: Path
    env: dict[str, str] = field(default_factory=dict)
    round_id: int = 0
    tokens: list[str] = field(default_factory=list)
    meetings: list[tuple[int, str]] = field(default_factory=list)  # (meeting id, B's token)

    def cli(self, *args: str) -> None:
        subprocess.run([sys.executable, "-m", "koppelkiek.cli", *args], env=self.env, cwd=ROOT,
                       check=True, capture_output=True, timeout=120)

    def seed(self, pairs: int) -> None:
        """`koppelkiek init`, then a live round with `pairs` open meetings of distinct pairs."""
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("KOPPELKIEK_")}
        self.env |= {"KOPPELKIEK_INSTANCE": str(self.folder), "PYTHONUNBUFFERED": "1",
                     "KOPPELKIEK_LOG_LEVEL": "WARNING"}
        self.cli("init")
        sys.path.insert(0, str(ROOT))
        from koppelkiek import create_app
        from koppelkiek.db import db
        from koppelkiek.game.meetings import claim
        from koppelkiek.game.neighbourhoods import create_neighbourhood
        from koppelkiek.game.organisers import create_organiser
        from koppelkiek.game.pairing import Fix, issue_code
        from koppelkiek.game.players import join
        from koppelkiek.game.rounds import RoundSpec, change_state, create_round

        app = create_app({"INSTANCE": str(self.folder), "LOG_LEVEL": "WARNING"})
        now = datetime.now(UTC)
        fix = Fix(SPOT["lat"], SPOT["lon"], SPOT["accuracy"])
        with db.sessions(app)() as s:
            org = create_organiser(s, "bench@koppelkiek.test", "bench password 123", now)
            hood = create_neighbourhood(s, name="Hoograven bench",
                                        boundary=json.dumps(BOUNDARY), now=now, organiser=org)
            rnd = create_round(s, hood, RoundSpec("Bench", now - timedelta(minutes=10),
                                                  now + timedelta(hours=3)), now,
                               {"meeting_minutes": 120})
            change_state(s, rnd, "start", now)
            for n in range(pairs):
                a = join(s, rnd, display_name=f"Speler {2 * n:03d}", team=None, now=now)
                b = join(s, rnd, display_name=f"Speler {2 * n + 1:03d}", team=None, now=now)
                code = issue_code(s, a.player, rnd, now, fix)
                met = claim(s, b.player, code.code, now, fix)
                s.flush()
                self.tokens += [a.token, b.token]
                self.meetings.append((met.meeting.id, b.token))
            s.commit()
            self.round_id = rnd.id
        db.engine(app).dispose()

    @contextmanager
    def serve(self, port: int) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
        url = f"http://127.0.0.1:{port}"
        env = self.env | {"KOPPELKIEK_PUBLIC_URL": url}
        args = [sys.executable, "-m", "koppelkiek.cli", "serve", "--host", "127.0.0.1",
                "--port", str(port)]
        with process(args, env, self.folder / "server.log", port) as proc:
            yield url, proc


def noise_jpeg(seed: int, size: tuple[int, int]) -> bytes:
    """A distinct picture per seed (no near duplicates), no EXIF: the upload time counts."""
    from PIL import Image

    rng = random.Random(seed)
    small = Image.frombytes("RGB", (64, 48), rng.randbytes(64 * 48 * 3))
    image = small.resize(size, Image.Resampling.BICUBIC)
    grain = Image.merge("RGB", [Image.effect_noise(size, 24 + 4 * c) for c in range(3)])
    image = Image.blend(image, grain, 0.15)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def upload(http: Any, url: str, meeting_id: int, token: str, data: bytes) -> Any:
    return http.post(f"{url}/api/v1/meetings/{meeting_id}/photo",
                     headers={"Authorization": f"Bearer {token}"},
                     files={"photo": ("kiek.jpg", data, "image/jpeg")},
                     data={k: str(v) for k, v in SPOT.items()}, timeout=WAIT)


# ---- the worker processes ------------------------------------------------------------------

def worker(index: int, targets: dict[str, str], round_id: int, clients: int,
           out: Any, done: Any) -> None:
    """`clients` websocket clients per target; reports receipt stamps per (target, seq)."""
    import socketio

    lock = threading.Lock()
    stamps: dict[tuple[str, int], list[float]] = defaultdict(list)
    opened: list[Any] = []

    def on_standings(kind: str, data: dict[str, Any]) -> None:
        now = time.time()
        key = (kind, int(data["seq"]))
        with lock:
            stamps[key].append(now)
            complete = len(stamps[key]) == clients
        if complete:
            out.put(("got", index, kind, key[1], stamps[key],
                     data if index == 0 and kind == "koppelkiek" else None))

    try:
        for _ in range(clients):
            for kind, url in targets.items():
                client = socketio.Client(reconnection=False)
                ready = threading.Event()
                client.on("snapshot", lambda _data, ready=ready: ready.set())
                client.on("standings", lambda data, kind=kind: on_standings(kind, data))
                client.connect(url, transports=["websocket"], wait_timeout=WAIT)
                client.emit("watch", {"round_id": round_id, "since_seq": 0})
                if not ready.wait(WAIT):
                    raise RuntimeError(f"no snapshot from {url}")
                opened.append(client)
        out.put(("ready", index))
        done.wait()
    except BaseException as exc:  # reported to the main process
        out.put(("error", index, repr(exc)))
    finally:
        for client in opened:
            with contextlib.suppress(Exception):  # closing down anyway
                client.disconnect()


def collect(out: Any, workers: int, kind: str, seq: int, clients: int,
            pending: dict[tuple[str, int], list[Any]]) -> tuple[list[float], Any]:
    """Wait until every worker reported (kind, seq); returns the stamps and worker 0's payload."""
    deadline = time.monotonic() + WAIT
    while len(pending[(kind, seq)]) < workers:
        left = deadline - time.monotonic()
        if left <= 0:
            got = sum(len(r[0]) for r in pending[(kind, seq)])
            raise RuntimeError(f"{kind} seq {seq}: {got} of {workers * clients} clients got it")
        try:
            message = out.get(timeout=left)
        except Exception:  # queue.Empty
            continue
        if message[0] == "error":
            raise RuntimeError(f"worker {message[1]}: {message[2]}")
        if message[0] == "got":
            _, _index, got_kind, got_seq, stamps, payload = message
            pending[(got_kind, got_seq)].append((stamps, payload))
    rows = pending.pop((kind, seq))
    stamps = [t for r in rows for t in r[0]]
    payload = next((r[1] for r in rows if r[1] is not None), None)
    return stamps, payload


def summary(values: list[float]) -> dict[str, float]:
    ms = [v * 1000 for v in values]
    return {"p50": percentile(ms, 0.50), "p90": percentile(ms, 0.90),
            "p99": percentile(ms, 0.99), "max": max(ms), "min": min(ms)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=10)
    parser.add_argument("--clients", type=int, default=50, help="per worker and server")
    parser.add_argument("--photos", type=int, default=20)
    parser.add_argument("--no-record", action="store_true", help="do not touch RESULTS.md")
    args = parser.parse_args()
    import requests

    total = args.workers * args.clients
    began = time.monotonic()
    photos = [noise_jpeg(1000 + n, (1024, 768)) for n in range(args.photos)]
    ctx = mp.get_context("spawn")
    with tempfile.TemporaryDirectory(prefix="kk-fanout-") as folder:
        game = Game(Path(folder) / "instance")
        game.seed(args.photos)
        port = free_port(PORTS)
        bare_port = free_port(PORTS, {port})
        bare_url = f"http://127.0.0.1:{bare_port}"
        bare_args = [sys.executable, "-c", BARE_SERVER, str(bare_port)]
        with game.serve(port) as (url, server), \
                process(bare_args, game.env, Path(folder) / "bare.log", bare_port) as bare:
            http = requests.Session()
            base_seq = http.get(f"{url}/api/v1/rounds/{game.round_id}/standings").json()["seq"]
            idle_rss = memory_mb(server.pid)[0], memory_mb(bare.pid)[0]
            out, done = ctx.Queue(), ctx.Event()
            procs = [ctx.Process(target=worker, args=(
                i, {"koppelkiek": url, "bare": bare_url}, game.round_id, args.clients, out,
                done), daemon=True) for i in range(args.workers)]
            for p in procs:
                p.start()
            connecting = time.monotonic()
            ready = 0
            while ready < args.workers:
                message = out.get(timeout=300)
                if message[0] == "error":
                    raise RuntimeError(f"worker {message[1]}: {message[2]}")
                ready += message[0] == "ready"
            connect_s = time.monotonic() - connecting
            connected_rss = memory_mb(server.pid)[0], memory_mb(bare.pid)[0]
            print(f"{total} clients on each server after {connect_s:.1f} s;"
                  f" RSS koppelkiek {connected_rss[0]:.1f} MB, bare {connected_rss[1]:.1f} MB")

            latency: dict[str, list[float]] = {"koppelkiek": [], "bare": []}
            upload_ms: list[float] = []
            pending: dict[tuple[str, int], list[Any]] = defaultdict(list)
            for n, ((meeting_id, token), data) in enumerate(
                    zip(game.meetings, photos, strict=True)):
                seq = base_seq + n + 1
                sent = time.time()
                res = upload(http, url, meeting_id, token, data)
                answered = time.time()
                assert res.status_code == 201, res.text
                assert res.json()["photo"]["status"] == "accepted", res.text
                upload_ms.append((answered - sent) * 1000)
                stamps, payload = collect(out, args.workers, "koppelkiek", seq, args.clients,
                                          pending)
                latency["koppelkiek"] += [t - answered for t in stamps]
                time.sleep(0.3)
                res = http.post(f"{bare_url}/trigger", json={**payload, "seq": n + 1})
                answered = time.time()
                assert res.status_code == 200, res.text
                stamps, _ = collect(out, args.workers, "bare", n + 1, args.clients, pending)
                latency["bare"] += [t - answered for t in stamps]
                time.sleep(0.3)
            after_rss = memory_mb(server.pid), memory_mb(bare.pid)
            done.set()
            for p in procs:
                p.join(timeout=30)
                if p.is_alive():
                    p.terminate()
    elapsed = time.monotonic() - began

    kk, bare_s = summary(latency["koppelkiek"]), summary(latency["bare"])
    ratio_p99 = kk["p99"] / bare_s["p99"]
    ratio_p50 = kk["p50"] / bare_s["p50"]
    rss_peak = max(connected_rss[0], after_rss[0][0])
    ok_latency, ok_rss = ratio_p99 <= P99_GOAL, rss_peak <= RSS_GOAL_MB
    samples = len(latency["koppelkiek"])
    lines = [
        f"{args.workers} workers x {args.clients} clients = {total} per server;"
        f" {args.photos} photos; {samples} receipts each; run {elapsed:.0f} s",
        f"koppelkiek  upload response -> standings: p50 {kk['p50']:7.1f}  p90 {kk['p90']:7.1f}"
        f"  p99 {kk['p99']:7.1f}  max {kk['max']:7.1f} ms",
        f"bare emit   trigger response -> receipt:  p50 {bare_s['p50']:7.1f}"
        f"  p90 {bare_s['p90']:7.1f}  p99 {bare_s['p99']:7.1f}  max {bare_s['max']:7.1f} ms",
        f"ratio p99 {ratio_p99:.2f} (goal <= {P99_GOAL}), p50 {ratio_p50:.2f}",
        f"upload request median {statistics.median(upload_ms):.1f} ms",
        f"koppelkiek RSS: idle {idle_rss[0]:.1f} MB, {total} clients {connected_rss[0]:.1f} MB,"
        f" after photos {after_rss[0][0]:.1f} MB (HWM {after_rss[0][1]:.1f})"
        f" (goal <= {RSS_GOAL_MB:.0f})",
        f"bare RSS: idle {idle_rss[1]:.1f} MB, {total} clients {connected_rss[1]:.1f} MB",
        f"goals met: latency {'yes' if ok_latency else 'NO'}, RSS {'yes' if ok_rss else 'NO'}",
    ]
    print("\n".join(lines))
    if not args.no_record:
        record("\n".join([
            f"## {SECTION}",
            "",
            f"`python benchmarks/fanout.py`, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
            f" ({elapsed:.0f} s).",
            "",
            f"Machine: {machine()}.",
            "",
            f"Setup: `koppelkiek serve` (gevent, SQLite) and a bare Flask-SocketIO gevent app"
            f" side by side; {args.workers} worker processes x {args.clients} python-socketio"
            f" clients (websocket) on each server = **{total} clients per server**, all watching"
            f" one round. {args.photos} accepted photos (1024x768, browser position),"
            " interleaved with the same number of bare emits of the same delta; latency is"
            " receipt (time.time() in the worker) minus the moment the HTTP response arrived,"
            f" over {samples} receipts per side. The clients run on the same 2 cores as the"
            " servers.",
            "",
            "| ms | p50 | p90 | p99 | max |",
            "|---|---:|---:|---:|---:|",
            f"| koppelkiek: upload response -> `standings` delta | {kk['p50']:.1f} |"
            f" {kk['p90']:.1f} | {kk['p99']:.1f} | {kk['max']:.1f} |",
            f"| bare Flask-SocketIO: trigger response -> `emit` received | {bare_s['p50']:.1f} |"
            f" {bare_s['p90']:.1f} | {bare_s['p99']:.1f} | {bare_s['max']:.1f} |",
            "",
            f"- p99 koppelkiek / bare = **{ratio_p99:.2f}** (goal <= {P99_GOAL});"
            f" p50 ratio {ratio_p50:.2f}; goal met: **{'yes' if ok_latency else 'no'}**",
            f"- server RSS with {total} clients: **{rss_peak:.1f} MB** (idle {idle_rss[0]:.1f},"
            f" after the photos {after_rss[0][0]:.1f}, high-water mark {after_rss[0][1]:.1f};"
            f" goal <= {RSS_GOAL_MB:.0f} MB): goal met: **{'yes' if ok_rss else 'no'}**."
            f" The bare app: {idle_rss[1]:.1f} MB idle, {connected_rss[1]:.1f} MB with"
            f" {total} clients.",
            f"- connecting and watching: {connect_s:.1f} s for {total} clients per server;"
            f" upload request median {statistics.median(upload_ms):.1f} ms.",
            "",
            "Both latencies are mostly the clients' own time: 1,000 threaded python-socketio"
            " clients in 10 processes share the machine's 2 cores with both servers (and, on"
            " this shared machine, with other work; see the load average), so a delta reaches"
            " the last client only after every worker process got its turn. The comparison is"
            " fair because both sides take turns in the same run with the same clients. The"
            " RSS base before any client connects comes from Flask, SQLAlchemy, Shapely with"
            " NumPy (about 16 MB, for the boundary checks) and Pillow; Alembic runs in a child"
            " process at start and photo intake in worker processes, so neither stays in the"
            " server. Each client adds about 60 KB.",
            "",
        ]), SECTION)
        print(f"recorded in {RESULTS.relative_to(ROOT)}")
    return 0 if ok_latency and ok_rss else 1


if __name__ == "__main__":
    raise SystemExit(main())
