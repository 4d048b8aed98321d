"""Every user-facing string is in both catalogues, and the compiled files match the sources."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from koppelkiek.messages import MESSAGES

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


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_catalogue_is_complete_and_compiled(lang: str) -> None:
    po_path = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as f:
        catalogue = read_po(f, locale=lang)
    translated = {m.id: m.string for m in catalogue if m.id}
    missing = sorted(m for m in extracted() if not translated.get(m))
    assert missing == [], f"untranslated in {lang}: {missing[:10]}"
    with (po_path.with_suffix(".mo")).open("rb") as f:
        compiled = {m.id: m.string for m in read_mo(f) if m.id}
    assert compiled == translated, "run `make translations` to recompile"
    # Placeholders survive translation.
    for msgid, text in translated.items():
        assert set(re.findall(r"%\((\w+)\)s", msgid)) == set(re.findall(r"%\((\w+)\)s", text))


def test_every_error_code_has_a_message() -> None:
    used = set()
    for path in list((ROOT / "game").glob("*.py")) + list((ROOT / "koppelkiek").glob("*.py")):
        used |= set(re.findall(r'GameError\(\s*"(\w+)"', path.read_text()))
        used |= set(re.findall(r'_bad\(\s*"(\w+)"', path.read_text()))
    assert len(used) > 30  # the scan found the codes
    missing = sorted(used - set(MESSAGES))
    assert missing == []
