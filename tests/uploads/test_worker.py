"""The intake worker process answers over its pipes as take_in would, refusals included."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from uploads.worker import read_frame, write_frame

PHOTOS = Path(__file__).resolve().parents[2].parent / "shared" / "photos"


def test_worker_answers_photos_and_refusals_in_order() -> None:
    worker = subprocess.Popen([sys.executable, "-m", "uploads.worker"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert worker.stdin is not None and worker.stdout is not None
    try:
        write_frame(worker.stdin, ((PHOTOS / "jpg/gps/DSCN0010.jpg").read_bytes(), 60_000_000,
                                   320))
        status, intake, _ = read_frame(worker.stdout)
        assert status == "ok"
        assert abs(intake.facts.exif_position.lat - 43.467448) < 1e-5
        assert intake.images.display[:2] == b"\xff\xd8"
        write_frame(worker.stdin, (b"not a photo", 60_000_000, 320))
        assert read_frame(worker.stdout)[:2] == ("refused", "unsupported_type")
        write_frame(worker.stdin, ((PHOTOS / "jpg/Canon_40D.jpg").read_bytes(), 60_000_000, 320))
        assert read_frame(worker.stdout)[:2] == ("refused", "image_too_small")
    finally:
        worker.stdin.close()
        assert worker.wait(timeout=30) == 0  # it leaves when its parent closes the pipe
        worker.stdout.close()
