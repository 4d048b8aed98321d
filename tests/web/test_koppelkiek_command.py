"""`koppelkiek` is a command line of its own: the game's commands and options, nothing of
Flask's (-A/--app, -e/--env-file, --debug) and no extension's (Flask-Limiter's `limiter`)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from koppelkiek.commands import COMMANDS, cli
from tests.helpers import HOOGRAVEN, ROOT


def test_help_lists_only_koppelkiek_commands_and_options() -> None:
    done = subprocess.run([sys.executable, "-m", "koppelkiek.cli", "--help"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    commands = done.stdout.split("Commands:", 1)[1]
    listed = {line.split()[0] for line in commands.splitlines() if line.strip()}
    assert listed == {command.name for command in COMMANDS}
    options = done.stdout.split("Options:", 1)[1].split("Commands:", 1)[0]
    assert re.findall(r"^\s+(-[-\w, ]+?)\s{2}", options, re.M) == ["--version", "--help"]
    for generic in ("--app", "--env-file", "--debug", "limiter", "Flask"):
        assert generic not in done.stdout


def test_flask_options_and_extension_commands_are_refused() -> None:
    runner = CliRunner()
    for args in (["-A", "koppelkiek", "init"], ["--app", "koppelkiek", "init"],
                 ["-e", ".env", "init"], ["--debug", "init"], ["limiter", "list"]):
        res = runner.invoke(cli, args)
        assert res.exit_code == 2, (args, res.output)
        assert "No such" in res.output


def test_version_is_koppelkiek_s() -> None:
    res = CliRunner().invoke(cli, ["--version"])
    assert res.exit_code == 0
    assert res.output.startswith("Koppelkiek, version ")


def test_commands_still_reach_the_app(tmp_path: Path) -> None:
    """The same group the console script runs: init, then commands that need the database."""
    runner = CliRunner(env={"KOPPELKIEK_INSTANCE": str(tmp_path / "instance")})
    res = runner.invoke(cli, ["init"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(cli, ["organiser", "create", "--email", "org@example.nl",
                              "--password-stdin", "--json"], input="een lang wachtwoord\n")
    assert res.exit_code == 0, res.output
    boundary = tmp_path / "buurt.geojson"
    boundary.write_text(json.dumps(HOOGRAVEN))
    res = runner.invoke(cli, ["neighbourhood", "create", "--name", "Hoograven", "--boundary",
                              str(boundary), "--organiser", "org@example.nl", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["slug"] == "hoograven"
