"""When a photo was taken: EXIF date strings in, UTC out."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

_DATETIME = re.compile(r"(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_OFFSET = re.compile(r"([+-])(\d{2}):?(\d{2})")


def parse_exif_datetime(text: str | None, offset: str | None = None) -> datetime | None:
    """'2008:10:22 16:28:39' (+ optional '+01:00') -> datetime; anything odd -> None.

    Naive when there is no usable offset: EXIF wall time has no zone of its own.
    """
    if not text:
        return None
    match = _DATETIME.match(text.strip().strip("\x00"))
    if match is None:
        return None
    try:
        moment = datetime(*(int(part) for part in match.groups()))
    except ValueError:  # 0000:00:00 00:00:00 and other placeholders
        return None
    tz = _parse_offset(offset)
    return moment.replace(tzinfo=tz) if tz is not None else moment


def _parse_offset(text: str | None) -> timezone | None:
    if not text:
        return None
    match = _OFFSET.fullmatch(text.strip().strip("\x00"))
    if match is None:
        return None
    sign, hours, minutes = match.groups()
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    if delta > timedelta(hours=14) or int(minutes) >= 60:  # no real zone lies beyond +-14:00
        return None
    return timezone(-delta if sign == "-" else delta)


def to_utc(taken_at: datetime | None, tz_name: str) -> datetime | None:
    """Aware UTC time of a photo.

    A naive EXIF wall time is read in the neighbourhood's IANA zone `tz_name` (fold=0 for
    the repeated hour when clocks go back); an aware time keeps its own offset.
    An unknown `tz_name` raises ZoneInfoNotFoundError: that is a configuration error.
    """
    if taken_at is None:
        return None
    if taken_at.tzinfo is None or taken_at.utcoffset() is None:
        taken_at = taken_at.replace(tzinfo=ZoneInfo(tz_name))
    return taken_at.astimezone(UTC)
