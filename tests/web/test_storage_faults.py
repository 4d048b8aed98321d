"""A database that cannot be written (read-only, disk full): JSON 503 for the API, a friendly
page for people, and /healthz says 503 too. Real faults, not mocks: an immutable SQLite file,
a full tmpfs, a read-only PostgreSQL database."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from sqlalchemy import create_engine, make_url, text

from koppelkiek import create_app
from koppelkiek.db import db
from tests.helpers import Clock, World, csrf_from, need


def _run(*args: str) -> bool:
    return subprocess.run(args, capture_output=True, check=False).returncode == 0


@contextmanager
def unwritable(app: Flask) -> Iterator[None]:
    """Make the app's database refuse writes, the way an operator's mistake or a failing
    disk would: SQLite's file becomes immutable, PostgreSQL's database read-only."""
    url = make_url(app.config["DATABASE_URL"])
    db.engine(app).dispose()  # new connections meet the fault
    if url.get_backend_name() == "sqlite":
        path = Path(str(url.database))
        need(_run("chattr", "+i", str(path)), "chattr +i needs root on ext4 (an immutable file)")
        try:
            yield
        finally:
            db.engine(app).dispose()
            _run("chattr", "-i", str(path))
        return
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    name = url.database
    with admin.connect() as conn:  # opened before: this session itself stays writable
        conn.execute(text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'))
        try:
            yield
        finally:
            db.engine(app).dispose()
            conn.execute(text(f'ALTER DATABASE "{name}" RESET default_transaction_read_only'))
    admin.dispose()


def test_a_read_only_database_answers_503(world: World) -> None:
    app = world.app
    app.config["STORAGE_TROUBLE_SECONDS"] = 0  # only the probe speaks for /healthz here
    phone, _ = world.join("Fatma")
    form_page = app.test_client()
    token = csrf_from(form_page.get(f"/r/{world.join_code}").get_data(as_text=True))
    assert app.test_client().get("/healthz").status_code == 200
    with unwritable(app):
        health = app.test_client().get("/healthz")
        assert health.status_code == 503
        assert health.get_json()["error"]["code"] == "storage_unavailable"
        res = app.test_client().post("/api/v1/join", json={"join_code": world.join_code,
                                                           "display_name": "Jan"})
        assert res.status_code == 503, res.get_data(as_text=True)[:300]
        assert res.get_json()["error"]["code"] == "storage_unavailable"
        assert res.get_json()["error"]["message"] and int(res.headers["Retry-After"]) > 0
        res = phone.post("/api/v1/pairing-codes", json={})
        assert res.status_code == 503 and res.get_json()["error"]["code"] == "storage_unavailable"
        page = form_page.post(f"/r/{world.join_code}", data={"display_name": "Jan",
                                                              "csrf_token": token})
        assert page.status_code == 503 and page.mimetype == "text/html"
        assert 'data-code="storage_unavailable"' in page.get_data(as_text=True)
        # Reading still works.
        board = app.test_client().get(f"/api/v1/rounds/{world.round_id}/standings")
        assert board.status_code == 200
    assert app.test_client().get("/healthz").status_code == 200
    assert phone.post("/api/v1/pairing-codes", json={}).status_code == 201


@contextmanager
def small_disk(where: Path, megabytes: int) -> Iterator[Path]:
    where.mkdir()
    need(_run("mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", str(where)),
         "mounting a tmpfs needs root (a disk that can fill up)")
    try:
        yield where
    finally:
        _run("umount", "-l", str(where))


def _fill(disk: Path) -> None:
    """Fill the disk to the last byte."""
    with (disk / "filler").open("wb", buffering=0) as f:
        for size in (65536, 1):
            try:
                while f.write(b"\0" * size):
                    pass
            except OSError:
                pass


def test_a_full_disk_answers_503_and_healthz_says_so(
        sqlite_template: Path, tmp_path: Path, clock: Clock) -> None:
    with small_disk(tmp_path / "disk", 8) as disk:
        shutil.copy(sqlite_template, disk / "koppelkiek.db")
        app = create_app({"INSTANCE": str(tmp_path / "instance"), "SECRET_KEY": "test",
                          "TESTING": True, "CLOCK": clock, "RATELIMIT_ENABLED": False,
                          "DATABASE_URL": f"sqlite:///{disk / 'koppelkiek.db'}"})
        try:
            world = World(app, clock).seed()
            phone, _ = world.join("Fatma")
            assert app.test_client().get("/healthz").status_code == 200
            _fill(disk)
            codes = [phone.post("/api/v1/pairing-codes", json={}) for _ in range(200)]
            full = [r for r in codes if r.status_code != 201]
            assert full, "the disk never filled"
            assert {r.status_code for r in full} == {503}
            assert {r.get_json()["error"]["code"] for r in full} == {"storage_unavailable"}
            assert app.test_client().get("/healthz").status_code == 503
        finally:
            db.engine(app).dispose()
