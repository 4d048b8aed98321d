"""Issue 13, backups: `koppelkiek backup` while a round is being played on `koppelkiek serve`,
then `koppelkiek restore` into a fresh instance, where `koppelkiek check` passes with every
photo that was in when the backup began."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import requests

from koppelkiek import create_app
from koppelkiek.db import db
from tests.helpers import PHOTOS, ROOT
from tests.live_server import live_server

SPOT = {"lat": "52.0760", "lon": "5.1240", "accuracy": "10"}  # inside HOOGRAVEN
HERE = {"lat": 52.0760, "lon": 5.1240, "accuracy": 10}  # both phones, side by side
# Real photos without an EXIF time or place (the upload time and browser position count),
# each a different picture, so none is refused as a duplicate.
PICTURES = [PHOTOS / "jpg" / "xmp" / "no_exif.jpg",
            PHOTOS / "jpg" / "orientation" / "landscape_1.jpg",
            PHOTOS / "jpg" / "orientation" / "portrait_1.jpg"]


def _pair(url: str, join_code: str, number: int) -> tuple[dict[str, str], int]:
    """Two neighbours join and meet; returns the scanner's auth header and the meeting."""
    heads = []
    for name in (f"Buur {number}a", f"Buur {number}b"):
        res = requests.post(f"{url}/api/v1/join", json={"join_code": join_code,
                                                          "display_name": name}, timeout=30)
        assert res.status_code == 201, res.text
        heads.append({"Authorization": f"Bearer {res.json()['token']}"})
    code = requests.post(f"{url}/api/v1/pairing-codes", json=HERE, headers=heads[0],
                         timeout=30).json()["code"]
    res = requests.post(f"{url}/api/v1/meetings", json={"code": code, **HERE}, headers=heads[1],
                        timeout=30)
    assert res.status_code == 201, res.text
    return heads[1], int(res.json()["meeting"]["id"])


def _upload(url: str, auth: dict[str, str], meeting: int, picture: Path) -> Any:
    with picture.open("rb") as photo:
        return requests.post(f"{url}/api/v1/meetings/{meeting}/photo", headers=auth, data=SPOT,
                             files={"photo": (picture.name, photo, "image/jpeg")}, timeout=60)


def _cli(instance: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"KOPPELKIEK_INSTANCE": str(instance), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "koppelkiek.cli", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)


def test_backup_of_a_round_in_play_restores_with_every_photo(tmp_path: Path) -> None:
    backup = tmp_path / "kiek-backup.db"
    with live_server(tmp_path / "playing") as server:
        rnd = server.live_round("Hoograven", tmp_path)
        url = server.url
        pairs = [_pair(url, rnd["join_code"], n) for n in range(3)]
        answered = [_upload(url, *pairs[n], PICTURES[n]) for n in range(2)]
        assert [res.status_code for res in answered] == [201, 201], [r.text for r in answered]
        # The third photo is on its way while the backup is made: in or out, never half.
        late: list[Any] = []
        uploading = threading.Thread(target=lambda: late.append(
            _upload(url, *pairs[2], PICTURES[2])))
        uploading.start()
        out = server.cli("backup", str(backup))
        uploading.join(timeout=60)
        assert late and late[0].status_code == 201, late
        assert "Backed up 1 rounds" in out
        # What the uploaders saw before the backup began: each photo's display image.
        originals = {}
        for (auth, _), res in zip(pairs, answered, strict=False):
            photo = res.json()["photo"]
            for key in ("display_url", "thumb_url"):
                image = requests.get(url + photo[key], headers=auth, timeout=30)
                assert image.status_code == 200
                originals[(photo[key], auth["Authorization"])] = image.content

    fresh = tmp_path / "fresh"
    done = _cli(fresh, "restore", str(backup))
    assert done.returncode == 0, done.stderr
    assert "Restored 1 rounds" in done.stdout
    checked = _cli(fresh, "check", str(rnd["id"]))
    assert checked.returncode == 0, checked.stderr

    app = create_app({"INSTANCE": str(fresh)})
    try:
        client = app.test_client()
        wall = client.get(f"/api/v1/rounds/{rnd['id']}/standings").get_json()
        assert len(wall["standings"]) == 6
        for (path, auth), image in originals.items():
            # The same phones still get in (their tokens are in the database) and see it.
            res = client.get(path, headers={"Authorization": auth})
            assert res.status_code == 200, path
            assert res.get_data() == image
    finally:
        db.engine(app).dispose()
    with sqlite3.connect(fresh / "koppelkiek.db") as conn:
        photos = conn.execute("SELECT count(*) FROM photos").fetchone()[0]
        images = conn.execute("SELECT count(*) FROM photo_images").fetchone()[0]
    assert photos in (2, 3)  # the third photo was in flight
    assert images == 2 * photos  # a display image and a thumbnail each, none orphaned


def test_restore_refuses_what_is_not_a_backup_and_keeps_rounds(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n" * 100)
    done = _cli(tmp_path / "a", "restore", str(text))
    assert done.returncode == 1 and "not a Koppelkiek backup" in done.stderr
    assert not (tmp_path / "a" / "koppelkiek.db").exists()

    playing = tmp_path / "playing"
    assert _cli(playing, "init").returncode == 0
    assert _cli(playing, "demo").returncode == 0
    assert _cli(playing, "backup", str(tmp_path / "b.db")).returncode == 0
    again = _cli(playing, "restore", str(tmp_path / "b.db"))
    assert again.returncode == 1 and "--replace" in again.stderr
    assert _cli(playing, "restore", "--replace", str(tmp_path / "b.db")).returncode == 0


def test_postgresql_is_backed_up_with_pg_dump(tmp_path: Path) -> None:
    env_url = "postgresql+psycopg://koppelkiek@127.0.0.1:1/koppelkiek"
    done = subprocess.run(
        [sys.executable, "-m", "koppelkiek.cli", "backup", str(tmp_path / "x.db")],
        env={"KOPPELKIEK_INSTANCE": str(tmp_path), "KOPPELKIEK_DATABASE_URL": env_url,
             "PATH": "/usr/bin:/bin"},
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1 and "pg_dump" in done.stderr
    assert not (tmp_path / "x.db").exists()
