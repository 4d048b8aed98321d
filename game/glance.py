"""The afternoon at a glance, for organisers: joins, meetings and photos per five minutes, the
moderation queue and the streets taking part. Aggregates only: a handful of GROUP BY queries
per round, whatever the number of phones."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, ColumnElement, Integer, cast, func, select
from sqlalchemy.orm import Session, aliased

from koppelkiek.game.models import Meeting, Participation, Photo, Player, Round
from koppelkiek.game.values import PhotoStatus
from koppelkiek.scoring import across_teams, team_key

BUCKET_SECONDS = 300  # five minutes
MAX_BUCKETS = 288  # a day of five-minute buckets: the newest are kept
SERIES = ("joins", "meetings", "photos")


@dataclass(frozen=True)
class Street:
    """A team (a street) in the round: its first spelling, its players, and its meetings with
    players of another street."""

    name: str
    players: int
    across: int


@dataclass(frozen=True)
class Glance:
    seq: int
    start: datetime  # the first bucket's start (UTC)
    counts: dict[str, list[int]]  # series -> count per bucket, from `start`
    queue: int  # photos waiting for a moderator
    streets: list[Street]

    def as_json(self, timezone: str) -> dict[str, Any]:
        tz = ZoneInfo(timezone)
        size = len(self.counts["joins"])
        starts = [self.start + timedelta(seconds=BUCKET_SECONDS * i) for i in range(size)]
        return {
            "seq": self.seq,
            "bucket_seconds": BUCKET_SECONDS,
            "buckets": [{"at": at.isoformat(), "label": at.astimezone(tz).strftime("%H:%M"),
                         **{name: self.counts[name][i] for name in SERIES}}
                        for i, at in enumerate(starts)],
            "totals": {name: sum(self.counts[name]) for name in SERIES},
            "queue": self.queue,
            "streets": [{"name": s.name, "players": s.players, "across": s.across}
                        for s in self.streets],
        }


def _bucket(session: Session, column: Any) -> ColumnElement[int]:
    """The five-minute bucket of a UTC time, as whole buckets since 1970, in SQL."""
    if session.get_bind().dialect.name == "postgresql":
        seconds: ColumnElement[Any] = cast(func.floor(func.extract("epoch", column)), BigInteger)
    else:  # SQLite stores the UTC time as text
        seconds = cast(func.strftime("%s", column), Integer)
    return seconds // BUCKET_SECONDS  # floor division in every dialect (SQLAlchemy 2)


def _per_bucket(session: Session, column: Any, *where: Any) -> dict[int, int]:
    bucket = _bucket(session, column)
    rows = session.execute(select(bucket, func.count()).where(*where).group_by(bucket)).all()
    found: dict[int, int] = defaultdict(int)
    for b, n in rows:
        found[int(b)] += int(n)
    return found


def _streets(session: Session, round_id: int) -> list[Street]:
    teams = session.execute(
        select(Player.team, func.count(), func.min(Participation.joined_at))
        .join(Participation, Participation.player_id == Player.id)
        .where(Participation.round_id == round_id, Player.team.is_not(None))
        .group_by(Player.team)).all()
    names: dict[str, tuple[datetime, str]] = {}  # key -> (first joined, spelling)
    players: dict[str, int] = defaultdict(int)
    for team, count, first in teams:
        key = team_key(team)
        if key is None:
            continue
        players[key] += int(count)
        if key not in names or first < names[key][0]:
            names[key] = (first, team.strip())
    a, b = aliased(Player), aliased(Player)
    pairs = session.execute(
        select(a.team, b.team, func.count())
        .select_from(Meeting)
        .join(a, a.id == Meeting.player_a_id).join(b, b.id == Meeting.player_b_id)
        .where(Meeting.round_id == round_id, a.team.is_not(None), b.team.is_not(None))
        .group_by(a.team, b.team)).all()
    across: dict[str, int] = defaultdict(int)
    for team_a, team_b, count in pairs:
        if across_teams(team_a, team_b):
            across[team_key(team_a) or ""] += int(count)
            across[team_key(team_b) or ""] += int(count)
    streets = [Street(names[key][1], players[key], across.get(key, 0)) for key in names]
    return sorted(streets, key=lambda s: (-s.across, -s.players, s.name.casefold()))


def _queue(session: Session, round_id: int) -> int:
    return int(session.scalar(select(func.count()).where(
        Photo.round_id == round_id, Photo.status == PhotoStatus.PENDING_REVIEW)) or 0)


def fingerprint(session: Session, rnd: Round, now: datetime) -> tuple[int, ...]:
    """Changes whenever the glance may have: a few index-only counts, much cheaper than the
    glance itself, so a summary is made again only when something happened."""
    marks: list[int] = [rnd.seq, int(now.timestamp()) // BUCKET_SECONDS,
                        _queue(session, rnd.id)]
    for table in (Participation, Meeting, Photo):
        count, last = session.execute(select(func.count(), func.max(table.id))
                                      .where(table.round_id == rnd.id)).one()
        marks += [int(count), int(last or 0)]
    return tuple(marks)


def glance(session: Session, rnd: Round, now: datetime) -> Glance:
    """The round as the organiser's round page draws it."""
    counts = {
        "joins": _per_bucket(session, Participation.joined_at,
                             Participation.round_id == rnd.id),
        "meetings": _per_bucket(session, Meeting.met_at, Meeting.round_id == rnd.id),
        "photos": _per_bucket(session, Photo.created_at, Photo.round_id == rnd.id),
    }
    seen = [b for per in counts.values() for b in per]
    first = min([int(rnd.starts_at.timestamp()) // BUCKET_SECONDS, *seen])
    until = min(now, rnd.ends_at) if rnd.state != "draft" else rnd.starts_at
    last = max([first, int(until.timestamp()) // BUCKET_SECONDS, *seen])
    first = max(first, last - MAX_BUCKETS + 1)
    return Glance(
        seq=rnd.seq,
        start=datetime.fromtimestamp(first * BUCKET_SECONDS, UTC),
        counts={name: [per.get(b, 0) for b in range(first, last + 1)]
                for name, per in counts.items()},
        queue=_queue(session, rnd.id),
        streets=_streets(session, rnd.id),
    )
