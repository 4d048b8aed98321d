"""The organiser's own words in each person's language (game/words.py): the round's name and the
story spots on phones, on the big screen (in turn, koppelkiek/static/screen_languages.js) and
on the poster; the console form to give an existing spot its translations."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from babel import Locale
from flask import Flask, has_request_context
from flask_babel import force_locale, get_locale
from flask_babel import lazy_gettext as _l

from koppelkiek.game.models import Neighbourhood, Round, StorySpot
from koppelkiek.game.spots import excerpt
from koppelkiek.game.values import LANGUAGES
from koppelkiek.game.words import TypedWords, Words, all_languages, in_language, screen_languages

# The big screen's own labels, switched with its languages (templates/screen.html marks them
# with data-kk-text; screen.js reads the data-msg-* ones from the body).
SCREEN_LABELS = {
    "leaderboard": _l("Leaderboard"),
    "streets": _l("Streets"),
    "join-with-code": _l("Join with code"),
    "reconnecting": _l("reconnecting…"),
    "latest-points": _l("Latest points"),
    "invite": _l("Who takes the first koppelkiek?"),
    "how": _l("Meet a neighbour, scan their code and take a photo together."),
    "web": _l("Who met whom"),
    "web-neighbours": _l("neighbours taking part"),
    "web-meetings": _l("meetings"),
    "web-across": _l("across streets"),
    "web-chain": _l("longest chain"),
    "web-named": _l("Names only on links whose photo both agreed to show."),
    "map": _l("Stories of the neighbourhood"),
    "map-empty": _l("No story spots yet."),
}
SCREEN_MESSAGES = {
    "live": _l("Ends in"),
    "before": _l("Starts in"),
    "paused": _l("Paused"),
    "ended": _l("The round has ended"),
    "draft": _l("Not opened yet"),
    "hidden": _l("Scores are revealed at %(time)s"),
    "chime-on": _l("Chime on"),
    "chime-off": _l("Chime off"),
    "told-by": _l("told by %(name)s"),
    "no-street": _l("no street"),
}


def speaking() -> str | None:
    """The language of the person asking (Flask-Babel's choice); none outside a request."""
    return str(get_locale()) if has_request_context() else None


@cache
def language_name(lang: str) -> str:
    """A language in its own name (Nederlands, English, العربية)."""
    name = Locale.parse(lang).get_display_name(lang) or lang
    return name[:1].upper() + name[1:]


@cache
def direction(lang: str) -> str:
    return "rtl" if Locale.parse(lang).character_order == "right-to-left" else "ltr"


def round_name(rnd: Round, lang: str | None = None) -> str:
    return in_language(rnd.name, rnd.words, lang or speaking(), "name")


def spot_name(spot: StorySpot, lang: str | None = None) -> str:
    return in_language(spot.name, spot.words, lang or speaking(), "name")


def spot_story(spot: StorySpot, lang: str | None = None) -> str:
    return in_language(spot.story, spot.words, lang or speaking(), "story")


def other_languages(hood: Neighbourhood) -> list[str]:
    """The languages a translation can be given in: all but the one the organiser writes."""
    return [lang for lang in LANGUAGES if lang != hood.default_language]


def typed_words(form: Any, fields: Iterable[str], prefix: str = "") -> TypedWords:
    """{lang: {field: text}} from form fields named `<prefix><field>_<lang>`, for each language
    the form has fields for."""
    typed = {lang: {field: form.get(f"{prefix}{field}_{lang}") for field in fields
                    if f"{prefix}{field}_{lang}" in form}
             for lang in LANGUAGES}
    return {lang: fields for lang, fields in typed.items() if fields}


def words_of(words: Words | None, lang: str, field: str) -> str:
    """What the console shows in a translation field."""
    return ((words or {}).get(lang) or {}).get(field, "")


def screen_words(rnd: Round, spots: list[StorySpot]) -> dict[str, Any]:
    """Everything the screen switches between, per language, rendered once into its page."""
    languages = screen_languages(rnd) or [speaking() or LANGUAGES[0]]
    texts: dict[str, dict[str, str]] = {}
    messages: dict[str, dict[str, str]] = {}
    for lang in languages:
        with force_locale(lang):
            texts[lang] = {key: str(label) for key, label in SCREEN_LABELS.items()}
            messages[lang] = {key: str(text) for key, text in SCREEN_MESSAGES.items()}
        messages[lang]["hidden"] = messages[lang]["hidden"].replace("%(time)s", "__TIME__")
        messages[lang]["told-by"] = messages[lang]["told-by"].replace("%(name)s", "__NAME__")
        texts[lang]["round-name"] = round_name(rnd, lang)
    return {
        "languages": languages,
        "seconds": rnd.screen_seconds,
        "dir": {lang: direction(lang) for lang in languages},
        "texts": texts,
        "messages": messages,
        "spots": {
            str(spot.id): {
                lang: {"name": name, "excerpt": excerpt(spot_story(spot, lang))}
                for lang, name in all_languages(spot.name, spot.words, languages, "name").items()
            }
            for spot in spots
        },
    }


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        round_name=round_name, spot_name=spot_name, spot_story=spot_story,
        language_name=language_name, text_direction=direction,
        other_languages=other_languages, words_of=words_of, languages=LANGUAGES)
