"""Every user-facing string is in every language's catalogue, and the compiled files match."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from koppelkiek.errors import HTTP_CODES, STATUS, WEB_CODES, Refusal
from koppelkiek.game.errors import CODES as GAME_CODES
from koppelkiek.game.errors import GameError
from koppelkiek.language import LANGUAGES, NAMES, RIGHT_TO_LEFT
from koppelkiek.messages import MESSAGES
from koppelkiek.uploads.errors import CODES as INTAKE_CODES

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "koppelkiek" / "translations"


def extracted() -> set[str]:
    method_map = [("koppelkiek/**.py", "python"), ("templates/**.html", "jinja2")]
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, keywords={"_": None, "gettext": None, "_l": None,
                                         "lazy_gettext": None, "ngettext": (1, 2)},
        options_map={"templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}},
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


PLACEHOLDER = re.compile(r"%\((\w+)\)s|\{(\w*)\}")


def placeholders(text: str) -> set[str]:
    return {named or braced for named, braced in PLACEHOLDER.findall(text)}


def test_every_language_has_a_catalogue_and_its_own_name() -> None:
    folders = {p.parent.parent.name for p in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")}
    assert folders == set(LANGUAGES)
    assert set(NAMES) == set(LANGUAGES) and set(LANGUAGES) >= RIGHT_TO_LEFT


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogue_is_complete_and_compiled(lang: str) -> None:
    po_path = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as f:
        catalogue = read_po(f, locale=lang)
    translated = {m.id: m.string for m in catalogue if m.id}
    # All of them, so whoever fills in a language sees the whole list at once.
    missing = sorted(m for m in extracted() if not translated.get(m))
    assert missing == [], f"{len(missing)} untranslated in {lang}:\n" + "\n".join(missing)
    with (po_path.with_suffix(".mo")).open("rb") as f:
        compiled = {m.id: m.string for m in read_mo(f) if m.id}
    assert compiled == translated, "run `pybabel compile -f -d koppelkiek/translations`"
    # Placeholders survive translation: the same names, none lost, none invented.
    wrong = {msgid: text for msgid, text in translated.items()
             if placeholders(msgid) != placeholders(text)}
    assert wrong == {}, f"placeholders differ in {lang}"


def test_every_code_has_one_status_and_a_message() -> None:
    """The closed sets of codes (the game's, the intake's, the web layer's own) are the whole
    list: each code has its status in the one table and a message, and nothing else does."""
    codes = GAME_CODES | INTAKE_CODES | WEB_CODES
    assert len(codes) == len(GAME_CODES) + len(INTAKE_CODES) + len(WEB_CODES)  # disjoint
    assert sorted(c for c in codes if c not in STATUS) == []
    assert sorted(c for c in codes if c not in MESSAGES) == []
    assert sorted(set(STATUS) - codes) == [], "a status for a code that nobody raises"
    assert sorted(set(MESSAGES) - codes) == [], "a message for a code that nobody raises"
    assert {c: s for c, s in STATUS.items() if not 400 <= s < 600} == {}
    # A refused HTTP request gets the code whose status it has.
    assert {s: c for s, c in HTTP_CODES.items() if STATUS[c] != s} == {}


def _raised_codes(folder: str) -> dict[str, str]:
    """Each literal code at a raise site (GameError, Refusal, a module's `_bad`) -> where."""
    found = {}
    for path in sorted((ROOT / folder).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in ("GameError", "Refusal", "_bad") and node.args
                    and isinstance(node.args[0], ast.Constant)):
                found[node.args[0].value] = f"{path.relative_to(ROOT)}:{node.lineno}"
    return found


def test_raise_sites_use_codes_of_their_layers_set() -> None:
    in_game, in_web = _raised_codes("game"), _raised_codes("koppelkiek")
    assert len(in_game) > 40 and len(in_web) > 20  # the scan found the raise sites
    assert {c: at for c, at in in_game.items() if c not in GAME_CODES} == {}
    assert {c: at for c, at in in_web.items() if c not in Refusal.codes} == {}


def test_a_code_outside_the_closed_set_is_refused() -> None:
    with pytest.raises(ValueError):
        GameError("no_such_code")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        GameError("csrf_failed")  # type: ignore[arg-type]  # the web layer's, not the game's
    assert Refusal("unsupported_type").code == "unsupported_type"  # passed on from the intake
