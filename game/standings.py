"""Reading the leaderboard: standings are data, so this never sums the ledger."""

from __future__ import annotations

import json
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from datetime import datetime
from threading import Lock
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from game.errors import GameError
from game.events import Event, StandingsChanged
from game.models import Organiser, Player, Round, Standing
from game.organisers import manages
from game.players import participation
from game.rounds import LEADERBOARD_MODES, next_seq

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


def board(session: Session, rnd: Round) -> dict[str, Any]:
    """The whole leaderboard of a round at its current seq."""
    rows = []
    teams: dict[str, dict[str, Any]] = {}
    team_points: dict[str, int] = defaultdict(int)
    for rank, (player_id, name, team, points, meetings) in enumerate(
            _ordered(session, rnd.id), start=1):
        rows.append({"rank": rank, "player_id": player_id, "display_name": name, "team": team,
                     "points": points, "meetings": meetings})
        if team:
            key = team.strip().casefold()
            teams.setdefault(key, {"team": team, "members": 0})
            teams[key]["members"] += 1
            team_points[key] += points
    team_rows = sorted(
        ({**teams[k], "points": team_points[k]} for k in teams),
        key=lambda t: (-t["points"], t["team"].casefold()),
    )
    for rank, row in enumerate(team_rows, start=1):
        row["rank"] = rank
    return {"seq": rnd.seq, "standings": rows, "teams": team_rows}


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


def of_player(board_data: dict[str, Any], player_id: int) -> dict[str, Any] | None:
    """One player's row; the index is built once per cached board."""
    index = board_data.get("_by_player")
    if index is None:
        index = {row["player_id"]: row for row in board_data["standings"]}
    return index.get(player_id)


def may_see_round(session: Session, rnd: Round, player: Player | None,
                  organiser: Organiser | None) -> bool:
    """Players see their own rounds, organisers theirs; a round is public once it has opened."""
    if player is not None and participation(session, player.id, rnd.id) is not None:
        return True
    if organiser is not None and manages(session, organiser, rnd.neighbourhood_id):
        return True
    return rnd.state != "draft"


def public_board(rnd: Round, full: dict[str, Any], insider: bool) -> dict[str, Any]:
    """What the leaderboard shows: organisers always see it; others see it hidden or frozen."""
    if insider or rnd.leaderboard == "visible":
        return full
    if rnd.leaderboard == "frozen" and rnd.frozen_board:
        return {**json.loads(rnd.frozen_board), "seq": full["seq"], "frozen": True}
    return {"seq": full["seq"], "standings": [], "teams": [], "hidden": True,
            "reveal_at": rnd.ends_at.isoformat()}


def set_leaderboard(session: Session, rnd: Round, mode: str, now: datetime) -> list[Event]:
    """Show, hide or freeze the board; screens hear of it like any other change of standings."""
    if mode == rnd.leaderboard:
        return []
    if mode not in LEADERBOARD_MODES:
        raise GameError("rule_out_of_range", rule="leaderboard", low=0, high=0)
    if mode == "frozen":
        frozen = board(session, rnd)
        rnd.frozen_board = json.dumps({"standings": frozen["standings"],
                                       "teams": frozen["teams"]})
    else:
        rnd.frozen_board = None
    rnd.leaderboard = mode
    session.flush()
    seq = next_seq(session, rnd.id, f"leaderboard_{mode}", now)
    return [StandingsChanged(rnd.id, seq, (), {})]
