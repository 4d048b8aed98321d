"""A wheel built from the repo carries templates, static files, catalogues and migrations, all
under the `koppelkiek` name: nothing generic (game, scoring, uploads, templates, migrations)
lands in site-packages."""

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
    for expected in ("koppelkiek/templates/base.html", "koppelkiek/templates/organise/poster.html",
                     "koppelkiek/static/style.css", "koppelkiek/static/player.js",
                     "koppelkiek/translations/nl/LC_MESSAGES/messages.mo",
                     "koppelkiek/migrations/env.py", "koppelkiek/migrations/script.py.mako",
                     "koppelkiek/migrations/versions/0001_game_tables.py",
                     "koppelkiek/game/models.py", "koppelkiek/scoring/rules.py",
                     "koppelkiek/uploads/worker.py"):
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
    where = subprocess.run([str(py), "-c", "import koppelkiek.game, koppelkiek.templates as t;"
                            "print(koppelkiek.game.__file__);print(t.__file__)"],
                           cwd=tmp_path, env=env, capture_output=True, text=True)
    assert where.returncode == 0, where.stderr
    assert str(ROOT) not in where.stdout  # the installed copy ran, not the checkout
    # The installed file list: one package and its metadata in site-packages, the script in bin.
    listed = subprocess.run([str(py), "-c", "from importlib.metadata import files;"
                             "print('\\n'.join(str(f) for f in files('koppelkiek')))"],
                            cwd=tmp_path, env=env, capture_output=True, text=True)
    assert listed.returncode == 0, listed.stderr
    installed = listed.stdout.split()
    top = {path.split("/")[0] for path in installed if not path.startswith("../")}
    assert top == {"koppelkiek", "koppelkiek-0.1.0.dist-info"}, top
    assert {path for path in installed if path.startswith("../")} == {"../../../bin/koppelkiek"}
    for generic in ("game", "scoring", "uploads", "templates", "migrations"):
        gone = subprocess.run([str(py), "-c", f"import {generic}"], cwd=tmp_path, env=env,
                              capture_output=True, text=True)
        assert gone.returncode == 1 and "ModuleNotFoundError" in gone.stderr, generic


def test_the_editable_install_maps_the_folders_under_koppelkiek(tmp_path: Path) -> None:
    """`make install` (pip install -e): koppelkiek.game is the checkout's game/ folder, seen
    from anywhere, and the folder's own name is not importable outside the checkout."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    found = subprocess.run([sys.executable, "-c", "import koppelkiek.game, koppelkiek.uploads, "
                            "koppelkiek.migrations as m; print(koppelkiek.game.__file__);"
                            "print(koppelkiek.uploads.__file__); print(m.__file__)"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert found.returncode == 0, found.stderr
    assert found.stdout.split() == [str(ROOT / "game" / "__init__.py"),
                                    str(ROOT / "uploads" / "__init__.py"),
                                    str(ROOT / "migrations" / "__init__.py")]
    gone = subprocess.run([sys.executable, "-c", "import game"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)
    assert gone.returncode == 1 and "ModuleNotFoundError" in gone.stderr
