"""Display names: something visible to read, and unique by how they look, not by code points.

Uniqueness compares the confusable skeleton of Unicode TR39 (ICU's SpoofChecker), so a
Cyrillic "а" or an invisible joiner cannot make a second "Fatma".
"""

from __future__ import annotations

import unicodedata
from functools import cache

import icu
import regex

from koppelkiek.game.errors import Code, GameError

JOINERS = "\u200c\u200d"  # ZWNJ, ZWJ
EMOJI_STYLE = "\ufe0e\ufe0f"  # text or emoji presentation of the symbol before it
# Characters that show nothing, or only blank space, yet are not white space: the default
# ignorables (U+200B, U+2060, U+3164 HANGUL FILLER, U+115F/U+1160, U+FFA0, ...) and the blank
# Braille pattern U+2800.
_INVISIBLE = regex.compile(r"[\p{Default_Ignorable_Code_Point}\u2800]")
_VISIBLE = regex.compile(r"[\p{L}\p{N}]")
# Scripts whose writing uses ZWJ/ZWNJ inside words (Indic conjuncts, Arabic-type joining).
_SCRIPTS = ("Arabic", "Syriac", "Nko", "Mongolian", "Devanagari", "Bengali", "Gurmukhi",
            "Gujarati", "Oriya", "Tamil", "Telugu", "Kannada", "Malayalam", "Sinhala", "Khmer",
            "Myanmar")
_SCRIPT_OF = {name: regex.compile(rf"\p{{Script={name}}}") for name in _SCRIPTS}


def _script(ch: str) -> str | None:
    return next((name for name, pattern in _SCRIPT_OF.items() if pattern.match(ch)), None)


def _joiner_fits(text: str, i: int) -> bool:
    """A joiner sits after a letter (or its marks, such as a virama) and before a letter,
    both of one script that needs joiners."""
    j = i - 1
    while j >= 0 and unicodedata.category(text[j]).startswith("M"):
        j -= 1
    if j < 0 or i + 1 >= len(text):
        return False
    before, after = text[j], text[i + 1]
    if not (unicodedata.category(before).startswith("L")
            and unicodedata.category(after).startswith("L")):
        return False
    script = _script(before)
    return script is not None and script == _script(after)


def clean_name(raw: str | None, *, limit: int, code: Code) -> str:
    """A name or team as it will be shown, or a refusal with `code` and a reason."""
    text = unicodedata.normalize("NFC", raw or "")
    for i, ch in enumerate(text):
        if ch in JOINERS:
            if not _joiner_fits(text, i):
                raise GameError(code, reason="invisible")
        elif ch in EMOJI_STYLE and i > 0 and unicodedata.category(text[i - 1]) == "So":
            continue  # "❤️": the symbol drawn as an emoji
        elif _INVISIBLE.match(ch):
            raise GameError(code, reason="invisible")
        elif unicodedata.category(ch).startswith("C"):
            raise GameError(code, reason="control")
    text = " ".join(text.split())
    if not 1 <= len(text) <= limit:
        raise GameError(code, reason="length", limit=limit)
    if not _VISIBLE.search(text):
        raise GameError(code, reason="invisible")
    return text


def name_key(name: str) -> str:
    return unicodedata.normalize("NFKC", name).casefold()


@cache
def _spoof_checker() -> icu.SpoofChecker:
    return icu.SpoofChecker()


def visible_part(text: str) -> str:
    return _INVISIBLE.sub("", text)


def skeleton(name: str) -> str:
    """TR39 skeleton of the case-folded name, without the invisible characters (joiners)."""
    return str(_spoof_checker().getSkeleton(0, visible_part(name_key(name))))
