"""The album to print: one A4 HTML page per download, built anew from the database, that the
organiser's browser turns into a PDF (print CSS in static/album.css). The web of meetings is
drawn here as an SVG, so the page needs no script and prints the same every time."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, render_template, request
from flask_babel import force_locale, format_date, format_percent

from koppelkiek.db import session as db_session
from koppelkiek.game.album import print_album
from koppelkiek.game.web import MeetingWeb
from koppelkiek.identity import acting_organiser, now, organiser_required, organiser_round
from koppelkiek.language import LANGUAGES, text_direction
from koppelkiek.outcomes import commit

bp = Blueprint("album", __name__, url_prefix="/organise")

PHOTOS_PER_PAGE = 4  # two rows of two: each A4 page of photos is one block that fits the page
LABELS_UP_TO = 60  # more neighbours than this: no names in the drawing (the photos carry them)
SIZE = 1000  # the drawing's own units; it is scaled to the page
LABEL = 18.0  # a name's font size in those units (about 9 pt on the page)
CHAR = 0.62  # DejaVu Sans: a character is at most about this wide, in font sizes, on average
# Street colours that stay apart in print and for most colour-blind readers (Okabe-Ito + a few).
PALETTE = ("#E69F00", "#56B4E9", "#009E73", "#D55E00", "#0072B2", "#CC79A7", "#F0E442",
           "#8C564B", "#7F7F00", "#17BECF")
NO_STREET = "#9E9E9E"


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    colour: str
    label: str | None  # a name only when a photo of them is on the wall
    anchor: str  # where the label starts: "start" on the right half, "end" on the left


@dataclass(frozen=True)
class Line:
    path: str
    named: bool


@dataclass(frozen=True)
class Drawing:
    dots: tuple[Dot, ...]
    lines: tuple[Line, ...]
    streets: tuple[tuple[str | None, str, int], ...]  # street (None: none), colour, neighbours
    radius: float
    font: float  # the names' size, smaller when a long name needs it to stay on the paper


def drawing(web: MeetingWeb) -> Drawing:
    """The neighbours on a circle, street by street, and each pair who met as a curve through
    the middle: a web that reads the same on paper whatever its size."""
    streets = sorted({n.team for n in web.neighbours if n.team is not None})
    colour: dict[str | None, str] = {team: PALETTE[i % len(PALETTE)]
                                     for i, team in enumerate(streets)}
    ordered = sorted(web.neighbours, key=lambda n: (n.team is None, n.team or "", n.id))
    names: dict[int, str] = {}
    for link in web.links:
        if link.names:
            names[link.a], names[link.b] = link.names
    # Room beside the ring for the longest name (24 characters at most), so none runs off.
    labelled = len(ordered) <= LABELS_UP_TO
    longest = max((len(name) for name in names.values()), default=0) if labelled else 0
    room = min(max(longest * CHAR * LABEL + 30, 60.0), 200.0)
    font = min(LABEL, (room - 30) / (CHAR * longest)) if longest else LABEL
    middle, ring = SIZE / 2, SIZE / 2 - room
    at: dict[int, tuple[float, float]] = {}
    dots = []
    for i, n in enumerate(ordered):
        angle = 2 * math.pi * i / max(len(ordered), 1) - math.pi / 2
        x, y = middle + ring * math.cos(angle), middle + ring * math.sin(angle)
        at[n.id] = (x, y)
        label = names.get(n.id) if labelled else None
        dots.append(Dot(round(x, 1), round(y, 1), colour.get(n.team, NO_STREET), label,
                        "start" if math.cos(angle) >= -1e-9 else "end"))
    lines = []
    for link in web.links:
        (x1, y1), (x2, y2) = at[link.a], at[link.b]
        # The curve bends towards the middle: close neighbours on the ring get a shallow arc.
        cx, cy = (x1 + x2) / 2 * 0.4 + middle * 0.6, (y1 + y2) / 2 * 0.4 + middle * 0.6
        lines.append(Line(f"M{x1:.1f},{y1:.1f} Q{cx:.1f},{cy:.1f} {x2:.1f},{y2:.1f}",
                          link.names is not None))
    counts = [(team, colour[team], sum(1 for n in ordered if n.team == team)) for team in streets]
    loose = sum(1 for n in ordered if n.team is None)
    legend = tuple(counts + ([(None, NO_STREET, loose)] if loose else []))
    size = max(4.0, min(12.0, 300 / max(len(ordered), 1)))
    return Drawing(tuple(dots), tuple(lines), legend, min(size, room / 4), round(font, 1))


def pages(items: tuple[Any, ...], size: int = PHOTOS_PER_PAGE) -> list[tuple[Any, ...]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


@bp.get("/rounds/<int:round_id>/album")
@organiser_required
def album_page(round_id: int) -> Any:
    """Read and audited on every download: a withdrawn consent or an erasure is respected.
    In the neighbourhood's language, as the album is for the neighbours; `?lang=` for another."""
    rnd = organiser_round(round_id)
    album = commit(print_album(db_session(), acting_organiser(), rnd, now()))
    hood = rnd.neighbourhood
    asked = request.args.get("lang")
    lang = asked if asked in LANGUAGES else (
        hood.default_language if hood.default_language in LANGUAGES else "nl")
    across = album.web.figures.across_streets
    with force_locale(lang):
        html = render_template(
            "album.html", album=album, rnd=rnd, lang=lang, dir=text_direction(lang),
            date=format_date(rnd.starts_at.astimezone(ZoneInfo(hood.timezone)).date(), "long"),
            drawing=drawing(album.web), photo_pages=pages(album.photos), size=SIZE,
            across=format_percent(across) if across is not None else "\u2013",
            tz=hood.timezone)
    # Personal data: never kept by a browser or proxy cache.
    return html, 200, {"Cache-Control": "private, no-store"}
