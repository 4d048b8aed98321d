"""Deadlines said plainly: "nog 12 min 31 s" and "tot 14:32", in the neighbourhood's timezone.

Pages render the words once (so they read right before any script runs) and kk.js keeps them
counting, with the same words from the element's data-msg-* attributes.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask
from flask_babel import gettext


def duration_words(seconds: int) -> str:
    """"2 u 51 min", "12 min 31 s", "8 s": hours drop the seconds, which no one needs then."""
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return gettext("%(hours)s h %(minutes)s min", hours=hours, minutes=minutes)
    if minutes:
        return gettext("%(minutes)s min %(seconds)s s", minutes=minutes, seconds=secs)
    return gettext("%(seconds)s s", seconds=secs)


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "Europe/Amsterdam")
    except (ZoneInfoNotFoundError, ValueError):  # checked when saved; never a 500 here
        return ZoneInfo("Europe/Amsterdam")


def clock(moment: datetime, timezone: str | None) -> str:
    """The wall-clock time in the neighbourhood, 24-hour, as on the poster: "14:32"."""
    return moment.astimezone(zone(timezone)).strftime("%H:%M")


def time_left(until: datetime, now: datetime) -> str:
    """"nog 12 min 31 s" / "12 min 31 s left"; "de tijd is om" once it has passed."""
    seconds = int((until - now).total_seconds())
    if seconds <= 0:
        return gettext("time is up")
    return gettext("%(time)s left", time=duration_words(seconds))


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(time_left=time_left, clock=clock)
