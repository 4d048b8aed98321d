"""The organiser's point values for one round, and the names of the reasons points are given."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Final

FIRST_MEETING: Final = "first_meeting"
REPEAT_MEETING: Final = "repeat_meeting"
ACROSS_TEAMS: Final = "across_teams"
WELCOME: Final = "welcome"
STORY_SPOT: Final = "story_spot"

#: Every reason an Award can carry; the ledger stores these strings as they are.
REASONS: Final[frozenset[str]] = frozenset(
    {FIRST_MEETING, REPEAT_MEETING, ACROSS_TEAMS, WELCOME, STORY_SPOT}
)

#: The bonus a new story spot gets unless the organiser sets another; the spot's own bonus
#: travels with the facts (SpotHit.bonus), so scoring never needs this value itself.
DEFAULT_SPOT_BONUS: Final = 5


@dataclass(frozen=True)
class Rules:
    """Points per rule; each field mirrors a typed rule column on the round."""

    first_meeting: int = 10
    repeat_meeting: int = 2
    max_repeats: int = 2
    across_teams: int = 3
    welcome: int = 2

    def __post_init__(self) -> None:
        # Refuse nonsense at the edge, so a bad rule column can never turn into odd ledger rows.
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"Rules.{field.name} must be an int, not {value!r}")
            if value < 0:
                raise ValueError(f"Rules.{field.name} must not be negative, got {value}")
