"""Pure scoring rules for Koppelkiek: facts in, points out.

Standard library only. No database, no clock, no web framework, and no import of our other
packages: `game` feeds accepted photos in, in acceptance order, and writes the awards to its
ledger.
"""

from koppelkiek.scoring.facts import Award, ScoredPhoto, SpotHit
from koppelkiek.scoring.ledger import AwardKey, award_key, compensate, ledger_sums, totals
from koppelkiek.scoring.rules import (
    ACROSS_TEAMS,
    DEFAULT_SPOT_BONUS,
    FIRST_MEETING,
    REASONS,
    REPEAT_MEETING,
    STORY_SPOT,
    WELCOME,
    Rules,
)
from koppelkiek.scoring.tally import Before, Outcome, Tally, across_teams, replay, score, team_key

__all__ = [
    "ACROSS_TEAMS",
    "DEFAULT_SPOT_BONUS",
    "FIRST_MEETING",
    "REASONS",
    "REPEAT_MEETING",
    "STORY_SPOT",
    "WELCOME",
    "Award",
    "Before",
    "Outcome",
    "AwardKey",
    "Rules",
    "ScoredPhoto",
    "SpotHit",
    "Tally",
    "across_teams",
    "award_key",
    "compensate",
    "ledger_sums",
    "replay",
    "score",
    "team_key",
    "totals",
]
