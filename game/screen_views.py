"""The big screen's views: which of them it shows in turn, and how long each stays.

A change is a round event (`round_screen`), so a running screen hears it with the round's other
changes and never needs a reload.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from koppelkiek.game.audit import Actor, audit
from koppelkiek.game.errors import GameError
from koppelkiek.game.events import Event, RoundChanged
from koppelkiek.game.models import Round
from koppelkiek.game.outcome import Outcome
from koppelkiek.game.rounds import next_seq

# In the order the screen shows them: the leaderboard, the photo wall, the web of meetings and
# the map of story spots.
VIEWS = ("board", "wall", "web", "map")
VIEW_SECONDS_MIN, VIEW_SECONDS_MAX = 5, 600


def screen_views(rnd: Round) -> list[str]:
    chosen = [view for view in (rnd.screen_views or "").split(",") if view in VIEWS]
    return chosen or list(VIEWS)


def screen_json(rnd: Round) -> dict[str, Any]:
    return {"views": screen_views(rnd), "seconds": rnd.screen_view_seconds}


def set_screen_views(session: Session, actor: Actor, rnd: Round, chosen: Collection[str],
                     seconds: int | None, now: datetime) -> Outcome[Round]:
    """The views in VIEWS order (none chosen: all of them); `seconds` None keeps the pace."""
    unknown = [view for view in chosen if view not in VIEWS]
    if unknown:
        raise GameError("screen_view_unknown", view=unknown[0])
    if seconds is not None and (isinstance(seconds, bool)
                                or not VIEW_SECONDS_MIN <= seconds <= VIEW_SECONDS_MAX):
        raise GameError("rule_out_of_range", rule="screen_view_seconds", low=VIEW_SECONDS_MIN,
                        high=VIEW_SECONDS_MAX)
    before = (rnd.screen_views, rnd.screen_view_seconds)
    rnd.screen_views = ",".join(view for view in VIEWS if view in chosen) or ",".join(VIEWS)
    if seconds is not None:
        rnd.screen_view_seconds = seconds
    if (rnd.screen_views, rnd.screen_view_seconds) == before:
        return Outcome(rnd)
    session.flush()
    seq = next_seq(session, rnd.id, "round_screen", now)
    audit(session, actor, "round_screen", now, neighbourhood_id=rnd.neighbourhood_id,
          round=rnd.id, views=rnd.screen_views, seconds=rnd.screen_view_seconds)
    events: tuple[Event, ...] = (
        RoundChanged(rnd.id, seq, rnd.state, rnd.starts_at, rnd.ends_at),)
    return Outcome(rnd, events)
