"""The intake worker process answers over its pipes as take_in would, refusals included."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys

import pytest

from koppelkiek.uploads.worker import read_frame, write_frame
from tests.helpers import PHOTOS


def test_each_job_has_its_own_cpu_budget_and_the_kernel_ends_an_overrun() -> None:
    """The budget is CPU time per photo: many photos together may use more than one budget,
    but one photo over it ends the worker with SIGPROF (how the server tells an overrun)."""
    photo = (PHOTOS / "jpg/gps/DSCN0010.jpg").read_bytes()
    worker = subprocess.Popen([sys.executable, "-m", "koppelkiek.uploads.worker"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert worker.stdin is not None and worker.stdout is not None
    try:
        used = 0.0
        while used < 1.0:  # more than two budgets of 0.4 s in all
            write_frame(worker.stdin, (60_000_000, 320, 0.4), photo)
            assert read_frame(worker.stdout)[0][0] == "ok"
            with open(f"/proc/{worker.pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            used = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        write_frame(worker.stdin, (60_000_000, 320, 0.000_001), photo)
        with pytest.raises(EOFError):
            read_frame(worker.stdout)
        assert worker.wait(timeout=30) == -signal.SIGPROF
    finally:
        worker.kill()
        worker.wait()
        worker.stdin.close()
        worker.stdout.close()


def test_worker_answers_photos_and_refusals_in_order() -> None:
    worker = subprocess.Popen([sys.executable, "-m", "koppelkiek.uploads.worker"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert worker.stdin is not None and worker.stdout is not None
    try:
        write_frame(worker.stdin, (60_000_000, 320, 15.0),
                    (PHOTOS / "jpg/gps/DSCN0010.jpg").read_bytes())
        (status, intake, _), rest = read_frame(worker.stdout)
        assert rest == b""
        assert status == "ok"
        assert abs(intake.facts.exif_position.lat - 43.467448) < 1e-5
        assert intake.images.display[:2] == b"\xff\xd8"
        write_frame(worker.stdin, (60_000_000, 320, 15.0), b"not a photo")
        assert read_frame(worker.stdout)[0][:2] == ("refused", "unsupported_type")
        write_frame(worker.stdin, (60_000_000, 320, 15.0),
                    (PHOTOS / "jpg/Canon_40D.jpg").read_bytes())
        assert read_frame(worker.stdout)[0][:2] == ("refused", "image_too_small")
    finally:
        worker.stdin.close()
        assert worker.wait(timeout=30) == 0  # it leaves when its parent closes the pipe
        worker.stdout.close()


def test_frames_carry_a_message_and_raw_bytes_and_notice_a_cut_pipe() -> None:
    stream = io.BytesIO()
    write_frame(stream, {"n": 1}, b"\xff\xd8 raw")
    write_frame(stream, ("no", "payload"))
    stream.seek(0)
    assert read_frame(stream) == ({"n": 1}, b"\xff\xd8 raw")
    assert read_frame(stream) == (("no", "payload"), b"")
    with pytest.raises(EOFError):
        read_frame(stream)
    cut = io.BytesIO()
    write_frame(cut, 1, b"0123456789")
    with pytest.raises(EOFError):  # the writer died halfway through the photo
        read_frame(io.BytesIO(cut.getvalue()[:-3]))
