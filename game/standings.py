"""Reading the leaderboard: standings are data, so this never sums the ledger."""

from __future__ import annotations

import json
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from threading import Lock
from types import MappingProxyType
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, or_, select
from sqlalchemy.orm import Session, aliased

from koppelkiek.game.errors import GameError
from koppelkiek.game.events import Event, StandingsChanged
from koppelkiek.game.models import Organiser, Player, Round, Standing
from koppelkiek.game.organisers import manages
from koppelkiek.game.players import participation
from koppelkiek.game.rounds import LEADERBOARD_MODES, next_seq
from koppelkiek.game.teams import team_key
from koppelkiek.game.values import LeaderboardMode, RoundState

TOP = 10


def _ordered(session: Session, round_id: int) -> list[Any]:
    # Points first, then who got there first, then who joined first. Plain columns, no ORM
    # objects: with ten thousand players that is most of the cost of a rebuild.
    return list(session.execute(
        select(Player.id, Player.display_name, Player.team, Standing.points, Standing.meetings)
        .join(Player, Player.id == Standing.player_id)
        .where(Standing.round_id == round_id)
        .order_by(Standing.points.desc(), Standing.last_scored_at.asc().nulls_last(),
                  Standing.joined_order.asc())
    ))


@dataclass(frozen=True, slots=True)
class BoardRow:
    rank: int
    player_id: int
    display_name: str
    team: str | None
    points: int
    meetings: int

    def as_json(self) -> dict[str, Any]:
        return {"rank": self.rank, "player_id": self.player_id,
                "display_name": self.display_name, "team": self.team, "points": self.points,
                "meetings": self.meetings}


@dataclass(frozen=True, slots=True)
class TeamRow:
    team: str
    members: int
    points: int
    rank: int

    def as_json(self) -> dict[str, Any]:
        return {"team": self.team, "members": self.members, "points": self.points,
                "rank": self.rank}


@dataclass(frozen=True)
class Board:
    """A round's leaderboard at one seq. Immutable: the cached one is shared by every reader.

    `by_player` indexes `standings` (built once, read-only); a hidden board has no rows and
    says when it will be revealed, a frozen one shows the rows as they were when frozen.
    """

    seq: int
    standings: tuple[BoardRow, ...]
    teams: tuple[TeamRow, ...]
    hidden: bool = False
    frozen: bool = False
    reveal_at: str | None = None
    by_player: Mapping[int, BoardRow] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index = MappingProxyType({row.player_id: row for row in self.standings})
        object.__setattr__(self, "by_player", index)

    def top(self, count: int = TOP) -> tuple[BoardRow, ...]:
        return self.standings[:count]

    def as_json(self, top: int | None = None) -> dict[str, Any]:
        """The answer of GET /api/v1/rounds/<id>/standings (`top`: only the first rows)."""
        rows = self.standings if top is None else self.standings[:top]
        data: dict[str, Any] = {"seq": self.seq, "standings": [r.as_json() for r in rows],
                                "teams": [t.as_json() for t in self.teams]}
        if self.frozen:
            data["frozen"] = True
        if self.hidden:
            data["hidden"] = True
            data["reveal_at"] = self.reveal_at
        return data


def board(session: Session, rnd: Round) -> Board:
    """The whole leaderboard of a round at its current seq."""
    rows = []
    first: dict[str, tuple[int, str]] = {}  # team -> (earliest player, their spelling)
    members: dict[str, int] = defaultdict(int)
    team_points: dict[str, int] = defaultdict(int)
    for rank, (player_id, name, team, points, meetings) in enumerate(
            _ordered(session, rnd.id), start=1):
        rows.append(BoardRow(rank, player_id, name, team, points, meetings))
        if team:
            key = team_key(team)
            # Joins store the first spelling already; two racing joins could still differ.
            first[key] = min(first.get(key, (player_id, team)), (player_id, team))
            members[key] += 1
            team_points[key] += points
    names = {key: spelling for key, (_, spelling) in first.items()}
    ordered = sorted(names, key=lambda k: (-team_points[k], names[k].casefold()))
    teams = tuple(TeamRow(names[k], members[k], team_points[k], rank)
                  for rank, k in enumerate(ordered, start=1))
    return Board(rnd.seq, tuple(rows), teams)


class BoardCache:
    """Serialized boards keyed by (round, seq): a change makes a new key, nothing to invalidate.

    Bounded twice: at most `size` boards, and at most `budget` by `weigh` (say, bytes of JSON),
    so a round of ten thousand players cannot make it grow past what the server can hold. The
    newest board always stays, even alone over budget: it is the one everyone reads.
    """

    def __init__(self, size: int = 64, budget: int | None = None,
                 weigh: Callable[[Any], int] | None = None) -> None:
        self._items: OrderedDict[tuple[int, int], tuple[Any, int]] = OrderedDict()
        self._size = size
        self._budget = budget
        self._weigh = weigh or (lambda _value: 0)
        self._weight = 0
        self._lock = Lock()

    def __len__(self) -> int:
        return len(self._items)

    @property
    def weight(self) -> int:
        return self._weight

    def newest(self, round_id: int) -> Any | None:
        """The cached board of the round with the highest seq, whatever that seq is."""
        with self._lock:
            keys = [key for key in self._items if key[0] == round_id]
            return self._items[max(keys)][0] if keys else None

    def get_or_make(self, key: tuple[int, int], make: Any) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key][0]
        value = make()
        weight = self._weigh(value)
        with self._lock:
            if key in self._items:  # made meanwhile by someone else: keep one
                self._weight -= self._items.pop(key)[1]
            self._items[key] = (value, weight)
            self._weight += weight
            while len(self._items) > 1 and (
                    len(self._items) > self._size
                    or (self._budget is not None and self._weight > self._budget)):
                self._weight -= self._items.popitem(last=False)[1][1]
        return value


def shown_rank(rnd: Round, rank: int) -> int | None:
    """A player's own rank as phones see it: none unless the board is visible."""
    return rank if rnd.leaderboard == LeaderboardMode.VISIBLE else None


@dataclass(frozen=True)
class OwnStanding:
    """One player's row as `/me` shows it."""

    points: int
    meetings: int
    rank: int


def _own_row() -> Select[tuple[int, int, int]]:
    """A player's row and the count of players ahead of it in the board's order (points, then
    who got there first, then who joined first), as one statement."""
    me, other = aliased(Standing), aliased(Standing)
    earlier = or_(and_(me.last_scored_at.is_(None), other.last_scored_at.is_not(None)),
                  other.last_scored_at < me.last_scored_at)  # never scored sorts last
    same_time = or_(other.last_scored_at == me.last_scored_at,
                    and_(other.last_scored_at.is_(None), me.last_scored_at.is_(None)))
    ahead = (select(func.count()).select_from(other).where(
        other.round_id == me.round_id,
        or_(other.points > me.points,
            and_(other.points == me.points,
                 or_(earlier, and_(same_time, other.joined_order < me.joined_order)))))
        .scalar_subquery())
    return select(me.points, me.meetings, ahead).where(
        me.round_id == bindparam("round_id"), me.player_id == bindparam("player_id"))


_OWN_ROW = _own_row()


def standing_of(session: Session, round_id: int, player_id: int) -> OwnStanding | None:
    """One player's points, meetings and rank, exact at this moment, without building the board.

    Rank is 1 + the players ahead: one statement, a count over the round's standings, where a
    whole board is a thousand rows turned into dicts. `/me` asks this on every page load of
    every phone, so it is built once and read as plain columns (no ORM object).
    """
    row = session.execute(_OWN_ROW, {"round_id": round_id, "player_id": player_id}).first()
    if row is None:
        return None
    points, meetings, ahead = row
    return OwnStanding(points, meetings, 1 + (ahead or 0))


def may_see_round(session: Session, rnd: Round, player: Player | None,
                  organiser: Organiser | None) -> bool:
    """Players see their own rounds, organisers theirs; a round is public once it has opened."""
    if player is not None and participation(session, player.id, rnd.id) is not None:
        return True
    if organiser is not None and manages(session, organiser, rnd.neighbourhood_id):
        return True
    return rnd.state != RoundState.DRAFT


def public_board(rnd: Round, full: Board, insider: bool) -> Board:
    """What the leaderboard shows: organisers always see it; others see it hidden or frozen."""
    if insider or rnd.leaderboard == LeaderboardMode.VISIBLE:
        return full
    if rnd.leaderboard == LeaderboardMode.FROZEN and rnd.frozen_board:
        frozen = json.loads(rnd.frozen_board)
        return Board(full.seq, tuple(BoardRow(**row) for row in frozen["standings"]),
                     tuple(TeamRow(**row) for row in frozen["teams"]), frozen=True)
    return Board(full.seq, (), (), hidden=True, reveal_at=rnd.ends_at.isoformat())


def set_leaderboard(session: Session, rnd: Round, mode: str, now: datetime) -> list[Event]:
    """Show, hide or freeze the board; screens hear of it like any other change of standings."""
    if mode == rnd.leaderboard:
        return []
    if mode not in LEADERBOARD_MODES:
        raise GameError("rule_out_of_range", rule="leaderboard", low=0, high=0)
    if mode == LeaderboardMode.FROZEN:
        frozen = board(session, rnd).as_json()
        rnd.frozen_board = json.dumps({"standings": frozen["standings"],
                                       "teams": frozen["teams"]})
    else:
        rnd.frozen_board = None
    rnd.leaderboard = mode
    session.flush()
    seq = next_seq(session, rnd.id, f"leaderboard_{mode}", now)
    return [StandingsChanged(rnd.id, seq, (), {})]
