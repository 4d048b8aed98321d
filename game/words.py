"""The organiser's own words in other languages: a round's name, a story spot's name and story.

The organiser writes the original in the neighbourhood's language; each other language may carry
its own text, checked as the original is. A text missing in a language falls back to the
original. Which languages exist is the web layer's to say (koppelkiek/language.py): the use
cases get them as `languages`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping

from koppelkiek.game.errors import GameError
from koppelkiek.game.models import Round

# language -> field ("name", "story") -> text
Words = dict[str, dict[str, str]]
TypedWords = Mapping[str, Mapping[str, str | None]]  # as the organiser typed them
Check = Callable[[str], str]

SCREEN_SECONDS_MIN, SCREEN_SECONDS_MAX = 3, 600


def checked_words(typed: TypedWords, languages: Collection[str],
                  checks: Mapping[str, Check]) -> Words:
    """Each language's texts through the original's checks; a blank text is no translation.

    A refusal keeps the original's code and names the language (param `language`).
    """
    words: Words = {}
    for lang, fields in typed.items():
        if lang not in languages:
            raise GameError("language_unknown", language=lang)
        for field, text in fields.items():
            if field not in checks:
                raise GameError("bad_request")
            if text is None or not text.strip():
                continue
            try:
                words.setdefault(lang, {})[field] = checks[field](text)
            except GameError as exc:
                exc.params["language"] = lang
                raise
    return words


def in_language(original: str, words: Words | None, lang: str | None, field: str) -> str:
    """The text in `lang`, or the organiser's original when there is none."""
    if not lang or not words:
        return original
    return (words.get(lang) or {}).get(field) or original


def all_languages(original: str, words: Words | None, languages: Collection[str],
                  field: str) -> dict[str, str]:
    """The text in each language, the original where it has none (for screens that alternate)."""
    return {lang: in_language(original, words, lang, field) for lang in languages}


def set_screen_languages(rnd: Round, chosen: Collection[str], seconds: int | None,
                         languages: Collection[str]) -> None:
    """The big screen's languages, shown in turn in the order of `languages`; none chosen: the
    screen speaks its own browser's language."""
    unknown = [lang for lang in chosen if lang not in languages]
    if unknown:
        raise GameError("language_unknown", language=unknown[0])
    rnd.screen_languages = ",".join(lang for lang in languages if lang in chosen)
    if seconds is not None:
        if isinstance(seconds, bool) or not SCREEN_SECONDS_MIN <= seconds <= SCREEN_SECONDS_MAX:
            raise GameError("rule_out_of_range", rule="screen_seconds", low=SCREEN_SECONDS_MIN,
                            high=SCREEN_SECONDS_MAX)
        rnd.screen_seconds = seconds


def screen_languages(rnd: Round) -> list[str]:
    return [lang for lang in (rnd.screen_languages or "").split(",") if lang]
