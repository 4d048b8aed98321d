"""Teams (a street, a club): one team however it is typed, shown as it was first spelled.

A team is a player's text, not a table of its own. "via roma" and "Via  Roma" are the same
team; the spelling of the neighbourhood's first player with it is the one everyone gets, so
the screen, the exports and the phones never flip between spellings.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from koppelkiek.game.models import Participation, Player
from koppelkiek.game.names import name_key

SUGGESTIONS_MAX = 50


def team_key(team: str) -> str:
    """The team as compared: compatibility-normalised, case-folded, single spaces."""
    return " ".join(name_key(team).split())


def _spellings(session: Session, *where: object) -> list[str]:
    """Distinct spellings of the players matching `where`, the first joined's first."""
    return list(session.scalars(
        select(Player.team).where(Player.team.is_not(None), *where)
        .group_by(Player.team).order_by(func.min(Player.id))))


def canonical_team(session: Session, neighbourhood_id: int, team: str) -> str:
    """The neighbourhood's spelling of this team if it has one, else the team as typed."""
    key = team_key(team)
    for spelling in _spellings(session, Player.neighbourhood_id == neighbourhood_id):
        if team_key(spelling) == key:
            return spelling
    return team


def round_teams(session: Session, round_id: int) -> list[str]:
    """The teams of a round's players, one spelling each, in the order they first joined:
    offered on the join page while someone types theirs."""
    taken = select(Participation.player_id).where(Participation.round_id == round_id)
    seen: dict[str, str] = {}
    for spelling in _spellings(session, Player.id.in_(taken)):
        seen.setdefault(team_key(spelling), spelling)
    return list(seen.values())[:SUGGESTIONS_MAX]
