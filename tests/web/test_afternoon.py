"""A short afternoon through the benchmark's own code: 200 phones for 2 minutes.

Counts only, never times: every answer expected, no point lost, `koppelkiek check` passes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT


@pytest.mark.slow
def test_short_afternoon_loses_nothing(tmp_path: Path) -> None:
    out = tmp_path / "afternoon.json"
    done = subprocess.run(
        [sys.executable, "benchmarks/afternoon.py", "--phones", "200", "--minutes", "2",
         "--join-minutes", "0.5", "--meet-minutes", "0.25", "1", "--photo-kb", "300",
         "--procs", "2", "--screens", "2", "--no-record", "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    r = json.loads(out.read_text())
    assert r["errors"] == [], r["errors"]
    assert r["endpoints"]["join"]["statuses"] == {"201": 200}
    assert r["unexpected"] == 0, {n: e["statuses"] for n, e in r["endpoints"].items()}
    photos = r["photos"]
    assert photos["attempted"] >= 20, photos
    assert photos["accepted"] == photos["attempted"], photos
    assert r["phones_checked"] == 200
    assert r["lost_points"] == 0, r["lost_sample"]
    assert r["check_ok"], r["check"]
    assert not r["gaps"], r["gaps"]
    assert r["log_error_lines"] == 0
