"""The CLI, through Flask's test runner and as a real console script."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

from flask import Flask

from koppelkiek.db import db
from koppelkiek.game.models import Organiser, Round
from tests.helpers import HOOGRAVEN, csrf_from


def run(app: Flask, *args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=list(args), input=input)


def test_create_organiser_neighbourhood_round_and_states(app: Flask, tmp_path: Path) -> None:
    res = run(app, "organiser", "create", "--email", "Org@Example.nl", "--password-stdin",
              "--json", input="een lang wachtwoord\n")
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["email"] == "org@example.nl"
    boundary = tmp_path / "buurt.geojson"
    boundary.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "Hoograven"}, "geometry": HOOGRAVEN}]}))
    res = run(app, "neighbourhood", "create", "--name", "Hoograven", "--boundary",
              str(boundary), "--organiser", "org@example.nl", "--json")
    assert res.exit_code == 0, res.output
    hood = json.loads(res.output)
    assert hood["slug"] == "hoograven" and hood["timezone"] == "Europe/Amsterdam"
    res = run(app, "round", "create", "--neighbourhood", "hoograven", "--name", "Zomer",
              "--starts", "2026-06-13T14:00", "--ends", "2026-06-13T17:00", "--json")
    assert res.exit_code == 0, res.output
    rnd = json.loads(res.output)
    assert len(rnd["join_code"]) == 6 and rnd["state"] == "draft"
    assert rnd["starts_at"] == "2026-06-13T12:00:00+00:00"
    for action, state in [("start", "live"), ("pause", "paused"), ("end", "ended")]:
        res = run(app, "round", action, str(rnd["id"]))
        assert res.exit_code == 0, res.output
        with db.sessions(app)() as s:
            assert s.get(Round, rnd["id"]).state == state  # type: ignore[union-attr]
    res = run(app, "round", "start", str(rnd["id"]))
    assert res.exit_code != 0 and "round_state_conflict" in res.output


def test_cli_refusals_are_clear(app: Flask, tmp_path: Path) -> None:
    res = run(app, "organiser", "create", "--email", "x@y.nl", "--password-stdin",
              input="kort\n")
    assert res.exit_code != 0 and "password_too_short" in res.output
    bad = tmp_path / "open.geojson"
    bad.write_text(json.dumps({"type": "Polygon", "coordinates": [[[5.1, 52.0], [5.2, 52.0],
                                                                   [5.2, 52.1]]]}))
    res = run(app, "neighbourhood", "create", "--name", "X", "--boundary", str(bad))
    assert res.exit_code != 0 and "boundary_too_few_points" in res.output
    res = run(app, "round", "create", "--neighbourhood", "nope", "--name", "R",
              "--starts", "2026-01-01T10:00", "--ends", "2026-01-01T12:00")
    assert res.exit_code != 0 and "no neighbourhood" in res.output


def test_demo_seeds_once_and_prints_the_urls(app: Flask) -> None:
    first = run(app, "demo", "--if-empty")
    assert first.exit_code == 0, first.output
    assert "/r/" in first.output and "/screen/" in first.output and "password:" in first.output
    login = Path(app.config["INSTANCE"]) / "demo_login.json"
    assert stat.S_IMODE(login.stat().st_mode) == 0o600
    second = run(app, "demo", "--if-empty")
    assert second.output == first.output
    with db.sessions(app)() as s:
        assert s.query(Organiser).count() == 1
        rnd = s.query(Round).one()
        assert rnd.state == "live"
    password = json.loads(login.read_text())["password"]
    client = app.test_client()
    page = client.get("/organise/login").get_data(as_text=True)
    res = client.post("/organise/login", data={"email": "demo@koppelkiek.invalid",
                                               "password": password,
                                               "csrf_token": csrf_from(page)})
    assert res.status_code == 302


def test_console_script_init_is_idempotent_and_keeps_the_secret_private(tmp_path: Path) -> None:
    env = {**os.environ, "KOPPELKIEK_INSTANCE": str(tmp_path / "inst")}
    env.pop("KOPPELKIEK_DATABASE_URL", None)
    for _ in range(2):
        out = subprocess.run([sys.executable, "-m", "koppelkiek.cli", "init"], env=env,
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
    secret = tmp_path / "inst" / "secret_key"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert len(secret.read_text().strip()) == 64
    assert (tmp_path / "inst" / "koppelkiek.db").exists()
    helped = subprocess.run([sys.executable, "-m", "koppelkiek.cli", "--help"], env=env,
                            capture_output=True, text=True, timeout=120)
    for command in ("init", "serve", "demo", "organiser", "neighbourhood", "round"):
        assert command in helped.stdout
    flask = subprocess.run([sys.executable, "-m", "flask", "--app", "koppelkiek", "init"],
                           env=env, capture_output=True, text=True, timeout=120)
    assert flask.returncode == 0, flask.stderr
