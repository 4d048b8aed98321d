"""The layers import downwards only: koppelkiek (web) -> game -> scoring; koppelkiek -> uploads;
game -> uploads. game/, scoring/ and uploads/ install as koppelkiek.game and so on, so the rule
is about the web layer's modules (koppelkiek.app, koppelkiek.db, ...), not the package name.
Every import counts, also one inside a function: no late imports around the rule."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.helpers import ROOT

DOMAIN = ("game", "scoring", "uploads")
# What each domain layer may import of the project's own layers.
ALLOWED = {"game": {"game", "scoring", "uploads"}, "scoring": {"scoring"}, "uploads": {"uploads"}}
PROJECT = {"koppelkiek", *DOMAIN, "templates", "migrations"}


def layer_of(module: str) -> str | None:
    """The layer a module belongs to, under its installed or its folder name; None: not ours."""
    parts = module.split(".")
    if parts[0] == "koppelkiek" and len(parts) > 1 and parts[1] in PROJECT - {"koppelkiek"}:
        parts = parts[1:]
    return parts[0] if parts[0] in PROJECT else None


def imported_modules(path: Path, package: str) -> list[str]:
    """Every module a file imports, anywhere in it; relative imports resolved."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                found.append(".".join([*base, node.module] if node.module else base))
            else:
                assert node.module
                if node.module == "koppelkiek":  # `from koppelkiek import db`: koppelkiek.db
                    found += [f"koppelkiek.{alias.name}" for alias in node.names]
                else:
                    found.append(node.module)
    return found


def breaches(folder: Path, layer: str) -> list[str]:
    wrong = []
    for path in sorted(folder.rglob("*.py")):
        package = ".".join([layer, *path.relative_to(folder).parent.parts])
        for module in imported_modules(path, package):
            target = layer_of(module)
            if target is not None and target not in ALLOWED[layer]:
                wrong.append(f"{path.relative_to(folder.parent)} imports {module}")
    return wrong


@pytest.mark.parametrize("layer", DOMAIN)
def test_domain_layers_never_import_upwards(layer: str) -> None:
    assert breaches(ROOT / layer, layer) == []


def test_the_rule_sees_both_names_and_late_imports(tmp_path: Path) -> None:
    folder = tmp_path / "scoring"
    folder.mkdir()
    (folder / "bad.py").write_text(
        "from koppelkiek.game.models import Round\n"
        "import game.rounds\n"
        "from koppelkiek import db\n"
        "from koppelkiek.scoring import rules\n"
        "from . import tally\n"
        "def late():\n"
        "    from koppelkiek.app import build_app\n"
    )
    assert breaches(folder, "scoring") == [
        "scoring/bad.py imports koppelkiek.game.models",
        "scoring/bad.py imports game.rounds",
        "scoring/bad.py imports koppelkiek.db",
        "scoring/bad.py imports koppelkiek.app",
    ]
