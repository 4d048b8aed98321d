"""A wheel built from the repo carries templates, static files, catalogues and migrations."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_wheel_installs_and_runs(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w",
         str(dist), str(ROOT)],
        capture_output=True, text=True, timeout=600,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    wheel = next(dist.glob("koppelkiek-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in ("templates/base.html", "templates/organise/poster.html",
                     "koppelkiek/static/style.css", "koppelkiek/static/player.js",
                     "koppelkiek/translations/nl/LC_MESSAGES/messages.mo",
                     "migrations/env.py", "migrations/script.py.mako",
                     "migrations/versions/0001_game_tables.py"):
        assert expected in names, expected
    # A fresh venv that sees our dependencies but not the source tree.
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True, system_site_packages=False)
    py = env_dir / "bin" / "python"
    site = subprocess.run([sys.executable, "-c", "import sysconfig;print(sysconfig.get_paths()"
                           "['purelib'])"], capture_output=True, text=True).stdout.strip()
    pth = subprocess.run([str(py), "-c", "import sysconfig;print(sysconfig.get_paths()"
                          "['purelib'])"], capture_output=True, text=True).stdout.strip()
    install = subprocess.run([str(py), "-m", "pip", "install", "--no-deps", "--no-index",
                              str(wheel)], capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stderr[-2000:]
    # Dependencies come from the test venv, appended after the venv's own site-packages.
    Path(pth, "zz_deps.pth").write_text(site + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KOPPELKIEK_")}
    env["KOPPELKIEK_INSTANCE"] = str(tmp_path / "instance")
    env["PYTHONPATH"] = ""
    script = env_dir / "bin" / "koppelkiek"
    helped = subprocess.run([str(script), "--help"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert helped.returncode == 0, helped.stderr
    assert "serve" in helped.stdout
    init = subprocess.run([str(script), "init"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)
    assert init.returncode == 0, init.stderr
    assert (tmp_path / "instance" / "koppelkiek.db").stat().st_size > 0
    where = subprocess.run([str(py), "-c", "import koppelkiek, templates;"
                            "print(koppelkiek.__file__);print(templates.__file__)"],
                           cwd=tmp_path, env=env, capture_output=True, text=True)
    assert str(ROOT) not in where.stdout  # the installed copy ran, not the checkout
