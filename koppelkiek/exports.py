"""Console downloads of a round: its tables as CSV (a ZIP of four files) or JSON, and the album.

Every download is written to the audit log, with whether exact locations were included.
"""

from __future__ import annotations

from collections.abc import Iterator
from tempfile import SpooledTemporaryFile
from typing import IO, Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, request
from flask_babel import force_locale, format_date, gettext

from koppelkiek.db import session as db_session
from koppelkiek.game.exports import AlbumWords, export_album, export_round
from koppelkiek.game.models import Round
from koppelkiek.identity import (
    acting_organiser,
    now,
    organiser_required,
    organiser_round,
)
from koppelkiek.inputs import yes
from koppelkiek.language import LANGUAGES, text_direction
from koppelkiek.outcomes import commit

bp = Blueprint("exports", __name__, url_prefix="/organise")

SPOOL_BYTES = 8 * 1024 * 1024  # a bigger album goes to a temporary file, not memory



def attachment(response: Response, filename: str) -> Response:
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Personal data: never kept by a browser or proxy cache.
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/rounds/<int:round_id>/export.<any(csv, json):fmt>")
@organiser_required
def export(round_id: int, fmt: str) -> Any:
    """CSV is a ZIP of standings.csv, teams.csv, meetings.csv and photos.csv; JSON is one object."""
    rnd = organiser_round(round_id)
    with_locations = yes(request.args.get("locations"))
    data = commit(export_round(db_session(), acting_organiser(), rnd, fmt,
                               with_locations=with_locations, now=now()))
    name = f"round-{rnd.id}-export{'-locations' if with_locations else ''}"
    response = Response(data, mimetype="application/json" if fmt == "json" else "application/zip")
    return attachment(response, f"{name}.{'json' if fmt == 'json' else 'zip'}")


def album_words(rnd: Round) -> AlbumWords:
    """In the neighbourhood's language: the album is for the neighbours, not the console."""
    lang = rnd.neighbourhood.default_language
    lang = lang if lang in LANGUAGES else "nl"
    local_day = rnd.starts_at.astimezone(ZoneInfo(rnd.neighbourhood.timezone)).date()
    with force_locale(lang):
        return AlbumWords(
            lang=lang,
            direction=text_direction(lang),
            date=format_date(local_day, "long"),
            intro=gettext("Neighbours who met during this round. Every photo is here with the "
                          "permission of both people in it."),
            caption=gettext("%(a)s and %(b)s, %(time)s"),
            empty=gettext("No photos were on the wall."),
        )


@bp.get("/rounds/<int:round_id>/album.zip")
@organiser_required
def album(round_id: int) -> Any:
    """The photos on the wall with an index.html, to hand to the community afterwards."""
    rnd = organiser_round(round_id)
    out = SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - _stream closes it
    try:
        commit(export_album(db_session(), acting_organiser(), rnd, out, album_words(rnd), now()))
    except BaseException:
        out.close()
        raise
    size = out.tell()
    response = Response(_stream(out), mimetype="application/zip", direct_passthrough=True)
    response.content_length = size
    return attachment(response, f"round-{rnd.id}-album.zip")


def _stream(out: IO[bytes], chunk: int = 256 * 1024) -> Iterator[bytes]:
    """Send the finished ZIP and close it, also when the download is broken off."""
    try:
        out.seek(0)
        while block := out.read(chunk):
            yield block
    finally:
        out.close()
