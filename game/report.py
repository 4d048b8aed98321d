"""The neighbourhood report: what the rounds changed, for the organiser and the housing association.

For one round, or across all the rounds of a neighbourhood: how many residents took part and how
many came back from an earlier round, the new connections (pairs meeting for the first time ever
in the neighbourhood), the share across streets, a street-to-street matrix of meetings, and the
streets that met no one.

It is built on the web of meetings (game/web.py), so a meeting counts here exactly when it counts
there and for points: once its photo is accepted. Everything is aggregated:

- no person is named, and no player id leaves this module: only counts per street;
- a street with fewer than SMALL_STREET players is folded into "other streets" (``Street.name``
  is None), together with the players who gave no street;
- erased players are not counted at all, as in the web: their street is personal data they asked
  us to drop. A report made after an erasure therefore shows one resident fewer.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from koppelkiek.game.audit import Actor, audit
from koppelkiek.game.exports import csv_text
from koppelkiek.game.models import Neighbourhood, Round
from koppelkiek.game.outcome import Outcome
from koppelkiek.game.teams import team_key
from koppelkiek.game.values import RoundState
from koppelkiek.game.web import Link, MeetingWeb, figures_of, meeting_web

# Fewer players than this and a street is folded into "other streets": in a street of two or
# three, "the street met the school street twice" says who met whom. Five is the usual smallest
# group in published statistics (and what the issue asks for).
SMALL_STREET = 5


@dataclass(frozen=True, slots=True)
class Figures:
    residents: int  # residents who took part
    came_back: int  # round: who took part in an earlier round; neighbourhood: in two or more
    meetings: int  # meetings with an accepted photo
    new_connections: int  # pairs meeting for the first time ever in the neighbourhood
    across_streets: float | None  # share of the pairs from two different streets
    longest_chain: int  # the longest chain of introductions (game.web.longest_chain)

    def as_json(self) -> dict[str, Any]:
        return {"residents": self.residents, "came_back": self.came_back,
                "meetings": self.meetings, "new_connections": self.new_connections,
                "across_streets": self.across_streets, "longest_chain": self.longest_chain}


@dataclass(frozen=True, slots=True)
class Street:
    name: str | None  # None: "other streets"
    players: int
    meetings: int  # meetings one of its players was in (one within the street counts once)
    across: int  # of those, with a player of another street (or of "other streets")

    def as_json(self) -> dict[str, Any]:
        return {"street": self.name, "other_streets": self.name is None,
                "players": self.players, "meetings": self.meetings, "across": self.across}


@dataclass(frozen=True, slots=True)
class RoundLine:
    id: int
    name: str
    starts_at: datetime
    figures: Figures

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "starts_at": self.starts_at.isoformat(),
                **self.figures.as_json()}


@dataclass(frozen=True, slots=True)
class Report:
    neighbourhood: Neighbourhood
    round: Round | None  # None: across all the neighbourhood's rounds
    figures: Figures
    streets: tuple[Street, ...]  # the named streets, most players first; "other streets" last
    matrix: tuple[tuple[int, ...], ...]  # meetings between streets, in the order of `streets`
    rounds: tuple[RoundLine, ...]  # each round up to this one, oldest first

    @property
    def met_no_one(self) -> tuple[Street, ...]:
        return tuple(s for s in self.streets if s.meetings == 0)

    @property
    def met_no_other_street(self) -> tuple[Street, ...]:
        """Streets whose players met only each other (or no one)."""
        return tuple(s for s in self.streets if s.across == 0)

    @property
    def busiest_cell(self) -> int:
        return max((n for row in self.matrix for n in row), default=0)

    def as_json(self) -> dict[str, Any]:
        rnd = self.round
        return {
            "neighbourhood": {"slug": self.neighbourhood.slug, "name": self.neighbourhood.name},
            "round": {"id": rnd.id, "name": rnd.name, "state": rnd.state,
                      "starts_at": rnd.starts_at.isoformat(),
                      "ends_at": rnd.ends_at.isoformat()} if rnd else None,
            "small_street": SMALL_STREET,
            "figures": self.figures.as_json(),
            "streets": [s.as_json() for s in self.streets],
            "matrix": {"streets": [s.name for s in self.streets],
                       "meetings": [list(row) for row in self.matrix]},
            "met_no_one": [s.name for s in self.met_no_one],
            "met_no_other_street": [s.name for s in self.met_no_other_street],
            "rounds": [line.as_json() for line in self.rounds],
        }


def _played_rounds(session: Session, hood: Neighbourhood) -> list[Round]:
    """The neighbourhood's rounds in the order they were played; drafts have not been."""
    return list(session.scalars(
        select(Round).where(Round.neighbourhood_id == hood.id, Round.state != RoundState.DRAFT)
        .order_by(Round.starts_at, Round.id)))


def _pairs(web: MeetingWeb) -> set[tuple[int, int]]:
    return {(link.a, link.b) for link in web.links}


def _history(webs: list[tuple[Round, MeetingWeb]]) -> list[RoundLine]:
    """Each round's figures against all the rounds before it."""
    seen: set[int] = set()
    met: set[tuple[int, int]] = set()
    lines = []
    for rnd, web in webs:
        people = {n.id for n in web.neighbours}
        pairs = _pairs(web)
        lines.append(RoundLine(rnd.id, rnd.name, rnd.starts_at, Figures(
            residents=len(people), came_back=len(people & seen),
            meetings=web.figures.meetings, new_connections=len(pairs - met),
            across_streets=web.figures.across_streets,
            longest_chain=web.figures.longest_chain)))
        seen |= people
        met |= pairs
    return lines


def street_groups(teams: dict[int, str | None]) -> tuple[list[str | None], dict[int, int]]:
    """The groups the report shows (named streets, then None for "other streets" if any) and
    each player's place in that list.

    A street with fewer than SMALL_STREET players, and every player without a street, go to
    "other streets". If that leaves "other streets" itself smaller than SMALL_STREET, the next
    smallest street joins it, so it never stands for one small street under another name.
    """
    keys = {pid: team_key(team) if team else None for pid, team in teams.items()}
    size = Counter(k for k in keys.values() if k)
    spelling: dict[str, str] = {}
    for pid in sorted(teams):
        key = keys[pid]
        if key and key not in spelling:
            spelling[key] = str(teams[pid]).strip()
    named = {k for k, n in size.items() if n >= SMALL_STREET}
    other = len(teams) - sum(size[k] for k in named)
    while 0 < other < SMALL_STREET and named:
        smallest = min(named, key=lambda k: (size[k], spelling[k].casefold()))
        named.discard(smallest)
        other += size[smallest]
    order: list[str | None] = sorted(named, key=lambda k: (-size[k], spelling[k].casefold()))
    if other:
        order.append(None)
    index = {k: i for i, k in enumerate(order)}
    places = {pid: index[k] if k in named else index[None] for pid, k in keys.items()}
    return [spelling[k] if k else None for k in order], places


def _streets(teams: dict[int, str | None], links: tuple[Link, ...]
             ) -> tuple[tuple[Street, ...], tuple[tuple[int, ...], ...]]:
    names, places = street_groups(teams)
    size = len(names)
    matrix = [[0] * size for _ in range(size)]
    for link in links:
        i, j = places[link.a], places[link.b]
        matrix[i][j] += link.meetings
        if i != j:
            matrix[j][i] += link.meetings
    players = Counter(places.values())
    streets = tuple(Street(name, players[i], sum(matrix[i]), sum(matrix[i]) - matrix[i][i])
                    for i, name in enumerate(names))
    return streets, tuple(tuple(row) for row in matrix)


def _report(hood: Neighbourhood, rnd: Round | None, webs: list[tuple[Round, MeetingWeb]]
            ) -> Report:
    lines = _history(webs)
    if rnd is not None:  # one round: its own web, against the rounds before it
        web = webs[-1][1]
        teams = {n.id: n.team for n in web.neighbours}
        links = web.links
        figures = lines[-1].figures
    else:  # the neighbourhood: every round's web laid on top of each other
        teams = {n.id: n.team for _, web in webs for n in web.neighbours}
        counts: Counter[tuple[int, int]] = Counter()
        for _, web in webs:
            for link in web.links:
                counts[(link.a, link.b)] += link.meetings
        links = tuple(Link(a, b, n, None) for (a, b), n in sorted(counts.items()))
        rounds_of = Counter(n.id for _, web in webs for n in web.neighbours)
        whole = figures_of(teams, links)
        figures = Figures(residents=len(teams),
                          came_back=sum(1 for n in rounds_of.values() if n > 1),
                          meetings=whole.meetings, new_connections=len(links),
                          across_streets=whole.across_streets,
                          longest_chain=whole.longest_chain)
    streets, matrix = _streets(teams, links)
    return Report(hood, rnd, figures, streets, matrix, tuple(lines))


def round_report(session: Session, rnd: Round) -> Report:
    """One round, against the neighbourhood's rounds played before it."""
    played = [r for r in _played_rounds(session, rnd.neighbourhood) if r.id != rnd.id]
    earlier = [r for r in played if (r.starts_at, r.id) < (rnd.starts_at, rnd.id)]
    webs = [(r, meeting_web(session, r.id)) for r in [*earlier, rnd]]
    return _report(rnd.neighbourhood, rnd, webs)


def neighbourhood_report(session: Session, hood: Neighbourhood) -> Report:
    """All the neighbourhood's rounds together (drafts have had no one yet)."""
    webs = [(r, meeting_web(session, r.id)) for r in _played_rounds(session, hood)]
    return _report(hood, None, webs)


def report_json(report: Report) -> bytes:
    return (json.dumps(report.as_json(), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


FIGURES = ("residents", "came_back", "meetings", "new_connections", "across_streets",
           "longest_chain")
STREET_COLUMNS = ("street", "players", "meetings", "across", "met_no_one", "met_no_other_street")
ROUND_COLUMNS = ("round_id", "round", "starts_at", *FIGURES)


def report_csv(report: Report, other_streets: str, made_at: datetime) -> bytes:
    """figures.csv, streets.csv, matrix.csv and rounds.csv in one ZIP, as the exports are.

    `other_streets` is what the reader calls the folded group, in their language. Street names
    are residents' typing: csv_text defuses any that a spreadsheet would run as a formula.
    """
    label = [s.name if s.name is not None else other_streets for s in report.streets]
    figures = report.figures.as_json()
    streets = [{"street": label[i], "players": s.players, "meetings": s.meetings,
                "across": s.across, "met_no_one": s.meetings == 0,
                "met_no_other_street": s.across == 0} for i, s in enumerate(report.streets)]
    matrix = [{"street": label[i], **dict(zip(label, row, strict=True))}
              for i, row in enumerate(report.matrix)]
    rounds = [{"round_id": line.id, "round": line.name,
               "starts_at": line.starts_at.isoformat(), **line.figures.as_json()}
              for line in report.rounds]
    files = {
        "figures.csv": csv_text([{"figure": k, "value": figures[k]} for k in FIGURES],
                                ("figure", "value")),
        "streets.csv": csv_text(streets, STREET_COLUMNS),
        "matrix.csv": csv_text(matrix, ("street", *label)),
        "rounds.csv": csv_text(rounds, ROUND_COLUMNS),
    }
    out = io.BytesIO()
    stamp = made_at.replace(tzinfo=None).timetuple()[:6]
    with zipfile.ZipFile(out, "w") as zf:
        for name, text in files.items():
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, text.encode("utf-8"))
    return out.getvalue()


def download_report(session: Session, actor: Actor, report: Report, fmt: str, data: bytes,
                    now: datetime) -> Outcome[bytes]:
    """A report leaving the server (CSV, JSON, the CLI): one audit line, as for every export."""
    scope = {"round": report.round.id} if report.round else {}
    audit(session, actor, "report", now, neighbourhood_id=report.neighbourhood.id, **scope,
          format=fmt)
    return Outcome(data)
