"""The README tells the truth about commands and settings."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from koppelkiek import config
from koppelkiek.commands import COMMANDS

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def test_readme_starts_with_the_two_commands() -> None:
    first_block = README.split("```sh\n", 1)[1].split("```", 1)[0]
    assert first_block.split() == ["make", "run", "make", "test"]


@pytest.mark.parametrize("name", list(config.SETTINGS))
def test_every_setting_is_documented(name: str) -> None:
    assert f"`KOPPELKIEK_{name}`" in README


def test_every_command_is_documented() -> None:
    for command in COMMANDS:
        assert f"`{command.name}" in README


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch,
                                             tmp_path: Path) -> None:
    monkeypatch.setenv("KOPPELKIEK_INSTANCE", str(tmp_path / "inst"))
    monkeypatch.setenv("KOPPELKIEK_MAX_UPLOAD_MB", "7")
    monkeypatch.setenv("KOPPELKIEK_SECURE_COOKIES", "true")
    loaded = config.load()
    assert loaded["MAX_UPLOAD_MB"] == 7
    assert loaded["SESSION_COOKIE_SECURE"] is True
    assert loaded["DATABASE_URL"] == f"sqlite:///{tmp_path / 'inst' / 'koppelkiek.db'}"
    assert (tmp_path / "inst" / "secret_key").stat().st_mode & 0o777 == 0o600
    # An explicit override wins over the environment.
    assert config.load({"MAX_UPLOAD_MB": 3})["MAX_UPLOAD_MB"] == 3
    assert os.environ["KOPPELKIEK_MAX_UPLOAD_MB"] == "7"


@pytest.mark.parametrize("name", ["nginx.conf", "koppelkiek@.service", "koppelkiek.env"])
def test_the_readme_shows_the_deploy_files_that_ci_runs(name: str) -> None:
    """tests/web/test_deployment.py runs deploy/; the README must show those very files."""
    text = (ROOT / "deploy" / name).read_text()
    assert f"`deploy/{name}`:\n\n```" in README
    assert "\n" + text + "```" in README


def test_every_proxy_example_trusts_its_proxy() -> None:
    assert "KOPPELKIEK_TRUSTED_PROXIES=1" in README.split("Caddy", 1)[1].split("## ", 1)[0]
    assert "KOPPELKIEK_TRUSTED_PROXIES=1" in (ROOT / "deploy" / "koppelkiek.env").read_text()
