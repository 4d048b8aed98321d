"""Exports of a round: its tables as rows, CSV files in a ZIP, and a photo album for the community.

Exact locations (of photos and of the two phones at a meeting) are left out unless the caller
asks for them with ``with_locations=True``; without it no latitude, longitude or accuracy appears
in any table, not even as an empty column.

CSV files are RFC 4180: comma-separated, CRLF line ends, UTF-8 without a byte order mark, one
header row. Text that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return) gets a leading apostrophe; numbers are written as they are.
"""

from __future__ import annotations

import csv
import html
import io
import json
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from koppelkiek.game.audit import Actor, audit
from koppelkiek.game.models import Meeting, Photo, PhotoImage, Player, Round
from koppelkiek.game.outcome import Outcome
from koppelkiek.game.standings import board
from koppelkiek.game.values import ImageKind

TABLES = ("standings", "teams", "meetings", "photos")
COLUMNS: dict[str, tuple[str, ...]] = {
    "standings": ("rank", "player_id", "display_name", "team", "points", "meetings"),
    "teams": ("rank", "team", "members", "points"),
    "meetings": ("id", "met_at", "met_at_local", "player_a_id", "player_a", "player_b_id",
                 "player_b", "has_photo", "photo_id", "photo_status"),
    "photos": ("id", "meeting_id", "player_a_id", "player_a", "player_b_id", "player_b",
               "uploader_id", "taken_at", "taken_at_local", "time_source", "status", "reason",
               "location_source", "flags", "consent_a", "consent_b", "on_wall"),
}
LOCATION_COLUMNS: dict[str, tuple[str, ...]] = {
    "meetings": ("a_lat", "a_lon", "a_accuracy_m", "b_lat", "b_lon", "b_accuracy_m"),
    "photos": ("lat", "lon", "accuracy_m"),
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def columns(table: str, with_locations: bool = False) -> tuple[str, ...]:
    extra = LOCATION_COLUMNS.get(table, ()) if with_locations else ()
    return COLUMNS[table] + extra


def _tz(rnd: Round) -> ZoneInfo:
    return ZoneInfo(rnd.neighbourhood.timezone)


def _iso(value: datetime | None, tz: ZoneInfo | None = None) -> str | None:
    if value is None:
        return None
    return (value.astimezone(tz) if tz else value).isoformat()


def _meetings(session: Session, rnd: Round, with_locations: bool) -> list[dict[str, Any]]:
    a, b = aliased(Player), aliased(Player)
    tz = _tz(rnd)
    rows = []
    for meeting, name_a, name_b, photo_id, status in session.execute(
        select(Meeting, a.display_name, b.display_name, Photo.id, Photo.status)
        .join(a, a.id == Meeting.player_a_id)
        .join(b, b.id == Meeting.player_b_id)
        .outerjoin(Photo, Photo.meeting_id == Meeting.id)
        .where(Meeting.round_id == rnd.id)
        .order_by(Meeting.met_at, Meeting.id)
    ):
        row: dict[str, Any] = {
            "id": meeting.id,
            "met_at": _iso(meeting.met_at),
            "met_at_local": _iso(meeting.met_at, tz),
            "player_a_id": meeting.player_a_id,
            "player_a": name_a,
            "player_b_id": meeting.player_b_id,
            "player_b": name_b,
            "has_photo": photo_id is not None,
            "photo_id": photo_id,
            "photo_status": status,
        }
        if with_locations:
            row.update({c: getattr(meeting, c) for c in LOCATION_COLUMNS["meetings"]})
        rows.append(row)
    return rows


def _round_photos(session: Session, rnd: Round) -> list[tuple[Photo, Meeting, str, str]]:
    a, b = aliased(Player), aliased(Player)
    return [
        (photo, meeting, name_a, name_b)
        for photo, meeting, name_a, name_b in session.execute(
            select(Photo, Meeting, a.display_name, b.display_name)
            .join(Meeting, Meeting.id == Photo.meeting_id)
            .join(a, a.id == Meeting.player_a_id)
            .join(b, b.id == Meeting.player_b_id)
            .where(Photo.round_id == rnd.id)
            .order_by(Photo.taken_at, Photo.id)
        )
    ]


def _photos(session: Session, rnd: Round, with_locations: bool) -> list[dict[str, Any]]:
    tz = _tz(rnd)
    rows = []
    for photo, meeting, name_a, name_b in _round_photos(session, rnd):
        row: dict[str, Any] = {
            "id": photo.id,
            "meeting_id": meeting.id,
            "player_a_id": meeting.player_a_id,
            "player_a": name_a,
            "player_b_id": meeting.player_b_id,
            "player_b": name_b,
            "uploader_id": photo.uploader_id,
            "taken_at": _iso(photo.taken_at),
            "taken_at_local": _iso(photo.taken_at, tz),
            "time_source": photo.time_source,
            "status": photo.status,
            "reason": photo.reason,
            "location_source": photo.location_source,
            "flags": photo.flags or "",
            "consent_a": photo.consent_a,
            "consent_b": photo.consent_b,
            "on_wall": photo.on_wall,
        }
        if with_locations:
            row.update({"lat": photo.lat, "lon": photo.lon, "accuracy_m": photo.accuracy_m})
        rows.append(row)
    return rows


def round_info(rnd: Round) -> dict[str, Any]:
    hood = rnd.neighbourhood
    return {
        "id": rnd.id,
        "name": rnd.name,
        "neighbourhood": hood.name,
        "timezone": hood.timezone,
        "state": rnd.state,
        "starts_at": _iso(rnd.starts_at),
        "ends_at": _iso(rnd.ends_at),
    }


def tables(session: Session, rnd: Round, *, with_locations: bool = False
           ) -> dict[str, list[dict[str, Any]]]:
    """The four tables of a round, each a list of rows with the keys of ``columns(table)``."""
    standings = board(session, rnd).as_json()
    return {
        "standings": [{c: row.get(c) for c in COLUMNS["standings"]}
                      for row in standings["standings"]],
        "teams": [{c: row.get(c) for c in COLUMNS["teams"]} for row in standings["teams"]],
        "meetings": _meetings(session, rnd, with_locations),
        "photos": _photos(session, rnd, with_locations),
    }


def as_json(session: Session, rnd: Round, *, with_locations: bool = False,
            exported_at: datetime | None = None) -> dict[str, Any]:
    """One object: the round, whether locations are included, and the four lists."""
    return {
        "round": round_info(rnd),
        "exported_at": _iso(exported_at),
        "with_locations": with_locations,
        **tables(session, rnd, with_locations=with_locations),
    }


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return "'" + value if value.startswith(_FORMULA_START) else value
    return str(value)


def csv_text(rows: Iterable[Mapping[str, Any]], names: Sequence[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)  # excel dialect: comma, double quotes, CRLF
    writer.writerow(names)
    for row in rows:
        writer.writerow([_cell(row.get(n)) for n in names])
    return out.getvalue()


def _entry(name: str, when: datetime, tz: ZoneInfo, compress: int) -> zipfile.ZipInfo:
    """A ZIP member dated in the neighbourhood's local time (ZIP has no time zones)."""
    local = max(when.astimezone(tz).replace(tzinfo=None), datetime(1980, 1, 1))
    info = zipfile.ZipInfo(name, date_time=local.timetuple()[:6])
    info.compress_type = compress
    info.external_attr = 0o644 << 16
    return info


def csv_zip(session: Session, rnd: Round, *, with_locations: bool = False,
            made_at: datetime) -> bytes:
    """standings.csv, teams.csv, meetings.csv and photos.csv in one ZIP."""
    found = tables(session, rnd, with_locations=with_locations)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for table in TABLES:
            text = csv_text(found[table], columns(table, with_locations))
            zf.writestr(_entry(f"{table}.csv", made_at, _tz(rnd), zipfile.ZIP_DEFLATED),
                        text.encode("utf-8"))
    return out.getvalue()


@dataclass(frozen=True)
class AlbumWords:
    """The album's words, translated by the caller; the caption fills in %(a)s, %(b)s, %(time)s."""

    lang: str = "en"
    direction: str = "ltr"  # "rtl" for Arabic
    date: str = ""  # the round's date as the reader writes it; ISO when empty
    intro: str = ("Neighbours who met during this round. Every photo is here with the "
                  "permission of both people in it.")
    caption: str = "%(a)s and %(b)s, %(time)s"
    empty: str = "No photos were on the wall."


_STYLE = """
body{margin:0;padding:1.5rem;font-family:system-ui,-apple-system,"Segoe UI",sans-serif;
background:#faf7f2;color:#222}
header{max-width:60rem;margin:0 auto 1.5rem}
h1{margin:0 0 .25rem;font-size:2rem}
.meta{margin:0 0 .5rem;color:#555}
main{max-width:60rem;margin:0 auto;display:grid;gap:1.25rem;
grid-template-columns:repeat(auto-fill,minmax(16rem,1fr))}
figure{margin:0;background:#fff;border-radius:.5rem;overflow:hidden;
box-shadow:0 1px 3px rgba(0,0,0,.15)}
figure img{display:block;width:100%;height:auto}
figcaption{padding:.6rem .8rem;font-size:1rem}
""".strip()


def _index_html(rnd: Round, words: AlbumWords, figures: list[tuple[str, str, int, int]]) -> str:
    e = html.escape
    date = words.date or rnd.starts_at.astimezone(_tz(rnd)).date().isoformat()
    parts = [
        "<!doctype html>",
        f'<html lang="{e(words.lang)}" dir="{e(words.direction)}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(rnd.name)} · {e(rnd.neighbourhood.name)}</title>",
        f"<style>{_STYLE}</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{e(rnd.name)}</h1>",
        f'<p class="meta">{e(rnd.neighbourhood.name)} · <time datetime="'
        f'{e(rnd.starts_at.astimezone(_tz(rnd)).date().isoformat())}">{e(date)}</time></p>',
        f"<p>{e(words.intro)}</p>",
        "</header>",
        "<main>",
    ]
    if not figures:
        parts.append(f"<p>{e(words.empty)}</p>")
    for src, caption, width, height in figures:
        parts.append(
            f'<figure><img src="{e(src)}" alt="{e(caption)}" width="{width}" height="{height}"'
            f' loading="lazy"><figcaption>{e(caption)}</figcaption></figure>'
        )
    parts += ["</main>", "</body>", "</html>", ""]
    return "\n".join(parts)


def wall_photos(session: Session, rnd: Round) -> list[tuple[Photo, Meeting, str, str]]:
    """The round's photos on the public wall, in the order they were taken."""
    return [found for found in _round_photos(session, rnd) if found[0].on_wall]


def write_album(session: Session, rnd: Round, out: IO[bytes], words: AlbumWords | None = None
                ) -> int:
    """Write a ZIP of the wall's display JPEGs and an index.html to ``out``; returns the count.

    Images are read one at a time, so a big round does not sit in memory twice.
    """
    words = words or AlbumWords()
    tz = _tz(rnd)
    figures = []
    with zipfile.ZipFile(out, "w") as zf:
        for photo, _meeting, name_a, name_b in wall_photos(session, rnd):
            found = session.execute(
                select(PhotoImage.data, PhotoImage.width, PhotoImage.height)
                .where(PhotoImage.photo_id == photo.id, PhotoImage.kind == ImageKind.DISPLAY)
            ).first()
            if found is None:  # purged
                continue
            data, width, height = found
            local = photo.taken_at.astimezone(tz)
            src = f"photos/{photo.id}.jpg"
            # JPEGs are compressed already: store them as they are.
            zf.writestr(_entry(src, photo.taken_at, tz, zipfile.ZIP_STORED), data)
            caption = words.caption % {"a": name_a, "b": name_b, "time": local.strftime("%H:%M")}
            figures.append((src, caption, width, height))
        zf.writestr(_entry("index.html", rnd.ends_at, tz, zipfile.ZIP_DEFLATED),
                    _index_html(rnd, words, figures).encode("utf-8"))
    return len(figures)


def album_zip(session: Session, rnd: Round, words: AlbumWords | None = None) -> bytes:
    out = io.BytesIO()
    write_album(session, rnd, out, words)
    return out.getvalue()


def export_round(session: Session, actor: Actor, rnd: Round, fmt: str, *, with_locations: bool,
                 now: datetime) -> Outcome[bytes]:
    """The round's tables as JSON or as a ZIP of CSV files; every download is audited, with
    whether exact locations went out."""
    if fmt == "json":
        text = json.dumps(as_json(session, rnd, with_locations=with_locations, exported_at=now),
                          ensure_ascii=False, indent=2) + "\n"
        data = text.encode("utf-8")
    else:
        data = csv_zip(session, rnd, with_locations=with_locations, made_at=now)
    audit(session, actor, "export", now, neighbourhood_id=rnd.neighbourhood_id, round=rnd.id,
          format=fmt, locations=with_locations)
    return Outcome(data)


def export_album(session: Session, actor: Actor, rnd: Round, out: IO[bytes],
                 words: AlbumWords, now: datetime) -> Outcome[int]:
    """The album written to `out`, audited; the number of photos in it."""
    count = write_album(session, rnd, out, words)
    audit(session, actor, "export", now, neighbourhood_id=rnd.neighbourhood_id, round=rnd.id,
          format="album", locations=False, photos=count)
    return Outcome(count)
