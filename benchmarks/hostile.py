"""Benchmark of hostile and heavy photo traffic against `koppelkiek serve` (issues 10 and 11).

    python benchmarks/hostile.py [--seconds 40] [--capacity 120] [--no-record]

Starts `koppelkiek serve` as a user does (gevent, SQLite, its own intake workers) on a port
in 8830..8839, seeded through the game's own use cases, and runs:

1. slow bodies: 65 uploads from one player whose bodies trickle 1 byte every 5 s (each one
   answered is opened again a second later), then the same from 65 different players (each
   may take an upload slot), while 20 other players poll `/api/v1/me`, the standings and now
   and then a pairing code. Goal: their p99 < 1 s, 0 errors.
2. WebP bombs: 20 uploads in flight at all times from one player (a 7745x7745 WebP of
   ~100 KB, and one of 3500x3500 just under the pixel cap that must be decoded), while a
   neighbour uploads normal ~1 MB photos one after another. Goal: the neighbour's median
   upload <= 3x its median on the idle server. Run with the default photo rate limit, and
   again with it lifted (so only the in-flight bound, the fair queue and the pixel cap
   protect the neighbour).
3. capacity: distinct ~1 MB photos from many players, 6 at a time, 503s retried after their
   Retry-After: accepted photos per minute of one server.

Memory of the server and its intake workers (sum of VmRSS) is sampled every 0.25 s
throughout. Goal: < 300 MB. Writes the "## Hostile traffic" section of RESULTS.md.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fanout import BOUNDARY, ROOT, SPOT, percentile, process  # noqa: E402
from results import machine, record  # noqa: E402

from tests.live_server import free_port, rss_mb, tree  # noqa: E402

SECTION = "Hostile traffic"
PORTS = range(8830, 8840)
SLOW = 65
BOMBS = 20
OTHERS = 20
P99_GOAL_S = 1.0
NEIGHBOUR_GOAL = 3.0
RSS_GOAL_MB = 300.0
FORM = {k: str(v) for k, v in SPOT.items()}
WHAT_MATTERED = (
    "What mattered (from shorter runs of this script during the work, same machine):"
    " (1) a refused upload used to be answered in about a millisecond, so 20 uploads \"in"
    " flight\" were about a thousand requests a second: the neighbour's upload took 7.5 s"
    " against 0.87 s idle, and with the rate limit lifted 15.9 s and a 503 `busy`. Refusals of"
    " a player's uploads in flight or over their rate limit now wait 2 s before the answer,"
    " holding no database connection, and the unread body is dropped after the answer at the"
    " pace a body must keep. (2) `GivingWay` waited for an idle loop before each 64 KB chunk"
    " of a large body; under the flood the loop was never idle, and a neighbour's 1 MB body"
    " was cut off as too slow: that wait is now bounded (3 ms). (3) When a worker frees up it"
    " goes to the waiting player served longest ago. (4) With WebP/PNG capped at 12.6 MP,"
    " bombs of 3500x3500 reaching the worker peaked server + worker at 337 MB; the cap is now"
    " 8.4 MP (a 4K frame). Bombs just under the cap still cost the worker a full decode"
    " (~8 bytes a pixel), which keeps the lifted-limit peak close to the 300 MB goal."
)
NEIGHBOUR_BUSY: list[int] = []  # 503 busy answers the neighbour retried


class Photos:
    """Distinct ~1 MB phone-like JPEGs, quickly: one grain image, a different scene each."""

    def __init__(self, size: tuple[int, int] = (2600, 1950)) -> None:
        from PIL import Image

        self.size = size
        big = (size[0] + 64, size[1] + 64)
        self._grain = Image.merge("RGB", [Image.effect_noise(big, 28 + 4 * c) for c in range(3)])

    def __call__(self, seed: int) -> bytes:
        from PIL import Image

        rng = random.Random(seed)
        scene = Image.frombytes("RGB", (64, 48), rng.randbytes(64 * 48 * 3))
        scene = scene.resize(self.size, Image.Resampling.BILINEAR)
        dx, dy = rng.randrange(64), rng.randrange(64)
        grain = self._grain.crop((dx, dy, dx + self.size[0], dy + self.size[1]))
        out = io.BytesIO()
        Image.blend(scene, grain, 0.12).save(out, "JPEG", quality=91)
        return out.getvalue()


def bomb(side: int) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (side, side), (90, 140, 60)).save(out, "WEBP", quality=10)
    return out.getvalue()


@dataclass
class Cast:
    """Who plays: tokens, and meetings as (meeting id, uploader's token)."""

    round_id: int = 0
    attacker: str = ""
    attacker_meetings: list[int] = field(default_factory=list)
    slow_attacker: tuple[int, str] = (0, "")
    slow_players: list[tuple[int, str]] = field(default_factory=list)
    neighbour_meetings: list[tuple[int, str]] = field(default_factory=list)
    others: list[str] = field(default_factory=list)
    capacity: list[tuple[int, str]] = field(default_factory=list)


def seed(folder: Path, env: dict[str, str], capacity: int) -> Cast:
    subprocess.run([sys.executable, "-m", "koppelkiek.cli", "init"], env=env, cwd=ROOT,
                   check=True, capture_output=True, timeout=120)
    sys.path.insert(0, str(ROOT))
    from koppelkiek import create_app
    from koppelkiek.db import db
    from koppelkiek.game.meetings import claim
    from koppelkiek.game.neighbourhoods import create_neighbourhood
    from koppelkiek.game.organisers import create_organiser
    from koppelkiek.game.pairing import Fix, issue_code
    from koppelkiek.game.players import join
    from koppelkiek.game.rounds import RoundSpec, change_state, create_round

    app = create_app({"INSTANCE": str(folder), "LOG_LEVEL": "WARNING"})
    now = datetime.now(UTC)
    fix = Fix(SPOT["lat"], SPOT["lon"], SPOT["accuracy"])
    cast = Cast()
    names = iter(range(100_000))
    with db.sessions(app)() as s:
        org = create_organiser(s, "bench@koppelkiek.test", "bench password 123", now)
        hood = create_neighbourhood(s, name="Hoograven hostile", boundary=json.dumps(BOUNDARY),
                                    now=now, organiser=org)
        rnd = create_round(s, hood, RoundSpec("Hostile", now - timedelta(minutes=10),
                                              now + timedelta(hours=3)), now,
                           {"meeting_minutes": 120})
        change_state(s, rnd, "start", now)

        def player() -> Any:
            return join(s, rnd, display_name=f"Speler {next(names):05d}", team=None, now=now)

        def meeting(uploader: Any) -> int:
            partner = player()
            code = issue_code(s, partner.player, rnd, now, fix)
            met = claim(s, uploader.player, code.code, now, fix)
            s.flush()
            return met.meeting.id

        attacker = player()
        cast.attacker = attacker.token
        cast.attacker_meetings = [meeting(attacker) for _ in range(60)]
        slow = player()
        cast.slow_attacker = (meeting(slow), slow.token)
        for _ in range(SLOW):
            slow = player()
            cast.slow_players.append((meeting(slow), slow.token))
        neighbour = player()
        cast.neighbour_meetings = [(meeting(neighbour), neighbour.token) for _ in range(40)]
        cast.others = [player().token for _ in range(OTHERS)]
        for _ in range(capacity):
            uploader = player()
            cast.capacity.append((meeting(uploader), uploader.token))
        s.commit()
        cast.round_id = rnd.id
    db.engine(app).dispose()
    return cast


class Memory:
    """Sum of VmRSS of the server and its children (the intake workers), sampled."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def now(self) -> float:
        pids = tree(self.pid)
        sizes = [rss_mb(p) for p in pids]
        self.server = max(getattr(self, "server", 0.0), sizes[0])
        return sum(sizes)

    def _run(self) -> None:
        while not self._stop.wait(0.25):
            self.samples.append(self.now())

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return max(self.samples)


class Others:
    """Players going about their afternoon: /me, the standings, now and then a code."""

    def __init__(self, url: str, cast: Cast) -> None:
        self.url, self.cast = url, cast
        self.times: list[float] = []
        self.statuses: Counter[str] = Counter()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(t,), daemon=True)
                         for t in cast.others]

    def _run(self, token: str) -> None:
        import requests

        auth = {"Authorization": f"Bearer {token}"}
        calls = [("GET", "/api/v1/me"), ("GET", f"/api/v1/rounds/{self.cast.round_id}/standings")]
        with requests.Session() as http:
            turn = 0
            while not self._stop.wait(0.2):
                turn += 1
                method, path = calls[turn % 2]
                if turn % 30 == 0:  # a code every ~6 s: under its 12 a minute
                    method, path = "POST", "/api/v1/pairing-codes"
                started = time.perf_counter()
                try:
                    res = http.request(method, self.url + path, headers=auth, json=FORM
                                       if method == "POST" else None, timeout=60)
                    status = str(res.status_code)
                except OSError as exc:
                    status = type(exc).__name__
                self.times.append(time.perf_counter() - started)
                self.statuses[status] += 1

    def __enter__(self) -> Others:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()

    def errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status not in ("200", "201"))


class SlowBody:
    """An upload whose body trickles in: 1 byte every 5 s; reopened when answered."""

    def __init__(self, port: int, meeting: int, token: str) -> None:
        self.port, self.meeting, self.token = port, meeting, token
        self.answers: Counter[str] = Counter()

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
                    sock.sendall((f"POST /api/v1/meetings/{self.meeting}/photo HTTP/1.1\r\n"
                                  f"Host: x\r\nAuthorization: Bearer {self.token}\r\n"
                                  "Content-Type: multipart/form-data; boundary=b\r\n"
                                  "Content-Length: 1000000\r\n\r\n").encode())
                    sock.settimeout(0.1)
                    answer = b""
                    next_byte = time.monotonic()
                    while not stop.is_set() and b"\r\n" not in answer:
                        if time.monotonic() >= next_byte:
                            sock.sendall(b"-")
                            next_byte += 5
                        try:
                            answer += sock.recv(4096)
                        except TimeoutError:
                            continue
                    if answer:
                        self.answers[answer.split()[1].decode()] += 1
            except OSError as exc:
                self.answers[type(exc).__name__] += 1
            stop.wait(1.0)


def slow_bodies(port: int, url: str, cast: Cast, seconds: float,
                one_player: bool) -> dict[str, Any]:
    stop = threading.Event()
    bodies = ([SlowBody(port, *cast.slow_attacker) for _ in range(SLOW)]
              if one_player else [SlowBody(port, m, t) for m, t in cast.slow_players])
    threads = [threading.Thread(target=b.run, args=(stop,), daemon=True) for b in bodies]
    with Others(url, cast) as others:
        for thread in threads:
            thread.start()
        time.sleep(seconds)
        stop.set()
    for thread in threads:
        thread.join()
    answers: Counter[str] = sum((b.answers for b in bodies), Counter())
    return {"p50": percentile(others.times, 0.5), "p99": percentile(others.times, 0.99),
            "n": len(others.times), "errors": others.errors(),
            "statuses": dict(others.statuses), "slow": dict(answers)}


def upload(http: Any, url: str, meeting: int, token: str, data: bytes) -> Any:
    return http.post(f"{url}/api/v1/meetings/{meeting}/photo",
                     headers={"Authorization": f"Bearer {token}"},
                     files={"photo": ("kiek.jpg", data, "image/jpeg")}, data=FORM, timeout=120)


def neighbour_uploads(url: str, meetings: Iterator[tuple[int, str]], photos: Iterator[bytes],
                      count: int) -> list[float]:
    import requests

    took = []
    with requests.Session() as http:
        for _ in range(count):
            meeting, token = next(meetings)
            data = next(photos)
            started = time.perf_counter()
            res = upload(http, url, meeting, token, data)
            while res.status_code == 503:  # as the phone does: again after Retry-After
                NEIGHBOUR_BUSY.append(1)
                time.sleep(float(res.headers.get("Retry-After", "1")))
                res = upload(http, url, meeting, token, data)
            took.append(time.perf_counter() - started)
            assert res.status_code == 201, res.text
    return took


def bombing(url: str, cast: Cast, payload: bytes, during: Callable[[], list[float]]
            ) -> tuple[list[float], Counter[str]]:
    import requests

    stop = threading.Event()
    answers: Counter[str] = Counter()
    meetings = iter(cast.attacker_meetings * 1000)
    lock = threading.Lock()

    def attack() -> None:
        with requests.Session() as http:
            while not stop.is_set():
                with lock:
                    meeting = next(meetings)
                try:
                    res = upload(http, url, meeting, cast.attacker, payload)
                    code = res.json().get("error", {}).get("code", str(res.status_code))
                except (OSError, ValueError) as exc:
                    code = type(exc).__name__
                answers[code] += 1

    threads = [threading.Thread(target=attack, daemon=True) for _ in range(BOMBS)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)  # all 20 in flight
    took = during()
    stop.set()
    for thread in threads:
        thread.join()
    return took, answers


def capacity(url: str, cast: Cast, photos: list[bytes]) -> dict[str, Any]:
    import requests

    busy = Counter[str]()

    def send(i: int) -> None:
        meeting, token = cast.capacity[i]
        with requests.Session() as http:
            while True:
                res = upload(http, url, meeting, token, photos[i])
                if res.status_code != 503:
                    assert res.status_code == 201, res.text
                    return
                busy["503"] += 1
                time.sleep(float(res.headers.get("Retry-After", "1")))

    started = time.perf_counter()
    with ThreadPoolExecutor(6) as pool:
        list(pool.map(send, range(len(photos))))
    took = time.perf_counter() - started
    return {"photos": len(photos), "seconds": took, "per_minute": len(photos) / took * 60,
            "busy": busy["503"], "mb": statistics.mean(len(p) for p in photos) / 1e6}


@contextmanager
def serving(folder: Path, env: dict[str, str]) -> Iterator[tuple[int, str, Any]]:
    chosen = free_port(PORTS)
    url = f"http://127.0.0.1:{chosen}"
    args = [sys.executable, "-m", "koppelkiek.cli", "serve", "--host", "127.0.0.1",
            "--port", str(chosen)]
    with process(args, env | {"KOPPELKIEK_PUBLIC_URL": url}, folder / "server.log",
                 chosen) as proc:
        yield chosen, url, proc


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=40.0,
                        help="length of each slow-body phase")
    parser.add_argument("--capacity", type=int, default=120, help="photos in the capacity run")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    began = time.monotonic()
    make_photo = Photos()
    neighbour_photos = iter([make_photo(1000 + n) for n in range(30)])
    capacity_photos = [make_photo(n) for n in range(args.capacity)]
    bombs = {"7745x7745 (issue's bomb)": bomb(7745), "2850x2850 (under the cap)": bomb(2850)}
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="kk-hostile-") as tmp:
        folder = Path(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith("KOPPELKIEK_")}
        env |= {"KOPPELKIEK_INSTANCE": str(folder), "PYTHONUNBUFFERED": "1",
                "KOPPELKIEK_LOG_LEVEL": "WARNING"}
        cast = seed(folder, env, args.capacity)
        neighbour = iter(cast.neighbour_meetings)
        peak: dict[str, float] = {}
        for label, extra in (("default limits", {}),
                             ("photo rate limit lifted",
                              {"KOPPELKIEK_PHOTO_RATE_LIMIT": "100000 per minute"})):
            with serving(folder, env | extra) as (chosen, url, proc):
                memory = Memory(proc.pid)
                idle = neighbour_uploads(url, neighbour, neighbour_photos, 4)[1:]
                print(f"[{label}] neighbour idle: {statistics.median(idle):.3f} s", flush=True)
                for name, payload in bombs.items():
                    took, answers = bombing(url, cast, payload, lambda: neighbour_uploads(
                        url, neighbour, neighbour_photos, 3))
                    results[f"{label} / bombs {name}"] = {
                        "idle": statistics.median(idle), "under": statistics.median(took),
                        "answers": dict(answers), "kb": len(payload) / 1024,
                        "busy": len(NEIGHBOUR_BUSY)}
                    NEIGHBOUR_BUSY.clear()
                    print(f"[{label}] {name}: neighbour {statistics.median(took):.3f} s,"
                          f" attacker {dict(answers)}", flush=True)
                if label == "default limits":
                    for one in (True, False):
                        key = f"slow bodies from {'one player' if one else f'{SLOW} players'}"
                        results[key] = slow_bodies(chosen, url, cast, args.seconds, one)
                        print(key, results[key], flush=True)
                    results["capacity"] = capacity(url, cast, capacity_photos)
                    print("capacity", results["capacity"], flush=True)
                peak[label] = memory.stop()
                peak[f"{label}, server process alone"] = memory.server
                print(f"[{label}] peak RSS server+workers {peak[label]:.0f} MB,"
                      f" server alone {memory.server:.0f} MB", flush=True)
    elapsed = time.monotonic() - began
    return report(results, peak, elapsed, args)


def report(results: dict[str, Any], peak: dict[str, float], elapsed: float,
           args: argparse.Namespace) -> int:
    slow_ok = all(r["p99"] < P99_GOAL_S and r["errors"] == 0
                  for k, r in results.items() if k.startswith("slow"))
    bomb_rows = {k: r for k, r in results.items() if "/ bombs" in k}
    bomb_ok = all(r["under"] / r["idle"] <= NEIGHBOUR_GOAL for r in bomb_rows.values())
    rss_ok = max(peak.values()) < RSS_GOAL_MB
    totals = {k: v for k, v in peak.items() if "alone" not in k}
    cap = results["capacity"]
    yes = {True: "yes", False: "no"}
    lines = [
        f"## {SECTION}",
        "",
        f"`python benchmarks/hostile.py`, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
        f" ({elapsed:.0f} s).",
        "",
        f"Machine: {machine()}. The 2 cores were shared with other developers' test runs while"
        " this ran, so absolute times are noisy; the ratios compare runs of the same minute.",
        "",
        "Setup: `koppelkiek serve` with its defaults (gevent, SQLite, one intake worker on 2"
        " cores), the load generator on the same machine.",
        "",
        f"**Slow bodies** ({args.seconds:g} s each): {SLOW} uploads whose bodies trickle 1 byte"
        " every 5 s, each reopened a second after it is answered, while"
        f" {OTHERS} other players poll `/api/v1/me` and the standings every 0.2 s and ask for a"
        " pairing code every 6 s. The one player is a fresh one (not rate-limited yet).",
        "",
        "| slow bodies from | others' p50 ms | p99 ms | requests | errors"
        " | slow uploads answered |",
        "|---|---:|---:|---:|---:|---|",
        *(f"| {k.removeprefix('slow bodies from ')} | {r['p50'] * 1000:.0f} |"
          f" {r['p99'] * 1000:.0f} | {r['n']} | {r['errors']} |"
          f" {', '.join(f'{s}: {n}' for s, n in sorted(r['slow'].items()))} |"
          for k, r in results.items() if k.startswith("slow")),
        "",
        f"- others' p99 < {P99_GOAL_S:g} s with 0 errors: goal met: **{yes[slow_ok]}**",
        "",
        f"**WebP bombs**: {BOMBS} uploads in flight at all times from one player (each answer"
        " is followed at once by the next), while a neighbour uploads ~1 MB photos one after"
        " another (median of 3, against the median of 3 on the idle server just before).",
        "",
        "| server, bomb | neighbour idle s | under attack s | ratio | neighbour's 503s"
        " | attacker's answers |",
        "|---|---:|---:|---:|---:|---|",
        *(f"| {k.replace(' / bombs ', ', ')} ({r['kb']:.0f} KB) | {r['idle']:.2f} |"
          f" {r['under']:.2f} | {r['under'] / r['idle']:.2f} | {r['busy']} |"
          f" {', '.join(f'{c}: {n}' for c, n in Counter(r['answers']).most_common())} |"
          for k, r in bomb_rows.items()),
        "",
        f"- neighbour <= {NEIGHBOUR_GOAL:g}x idle: goal met: **{yes[bomb_ok]}**",
        "",
        f"**Memory**: server + intake workers, VmRSS summed every 0.25 s: peak"
        f" {', '.join(f'{v:.0f} MB ({k})' for k, v in totals.items())}; the server process"
        f" alone at most {max(v for k, v in peak.items() if 'alone' in k):.0f} MB."
        f" Goal < {RSS_GOAL_MB:.0f} MB: **{yes[rss_ok]}**.",
        "",
        f"**Capacity**: {cap['photos']} distinct {cap['mb']:.2f} MB 2600x1950 JPEGs (browser"
        " position, no EXIF), each from its own player and meeting, 6 uploads at a time, a"
        " 503 `busy` retried after its Retry-After:"
        f" **{cap['per_minute']:.0f} accepted photos per minute** ({cap['seconds']:.1f} s;"
        f" {cap['busy']} answers were 503 busy first).",
        "",
        WHAT_MATTERED,
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_record:
        record(text, SECTION)
        print("recorded in benchmarks/RESULTS.md")
    return 0 if slow_ok and bomb_ok and rss_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
