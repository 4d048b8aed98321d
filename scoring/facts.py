"""Facts in (an accepted photo and where it was taken), points out (awards)."""

from __future__ import annotations

from dataclasses import dataclass

from koppelkiek.scoring.rules import REASONS, STORY_SPOT


@dataclass(frozen=True)
class SpotHit:
    """A story spot whose radius holds the photo's location, with the spot's bonus."""

    spot_id: int
    bonus: int

    def __post_init__(self) -> None:
        if self.bonus < 0:
            raise ValueError(f"spot {self.spot_id}: bonus must not be negative, got {self.bonus}")


@dataclass(frozen=True)
class ScoredPhoto:
    """One accepted photo: the two players, their teams at the time, and the spots it lies in."""

    photo_id: int
    player_a: int
    player_b: int
    team_a: str | None
    team_b: str | None
    spots: tuple[SpotHit, ...] = ()

    def __post_init__(self) -> None:
        # Checked here rather than in Tally, so bad facts fail where they are made.
        if self.player_a == self.player_b:
            raise ValueError(
                f"photo {self.photo_id}: player {self.player_a} cannot meet themselves"
            )
        # Callers may pass a list; keep the frozen photo hashable and immutable.
        object.__setattr__(self, "spots", tuple(self.spots))
        spot_ids = [spot.spot_id for spot in self.spots]
        if len(spot_ids) != len(set(spot_ids)):
            raise ValueError(f"photo {self.photo_id}: a story spot is listed twice: {spot_ids}")

    @property
    def pair(self) -> tuple[int, int]:
        """The unordered pair as a canonical key: (a, b) and (b, a) are the same pair."""
        return (min(self.player_a, self.player_b), max(self.player_a, self.player_b))


@dataclass(frozen=True)
class Award:
    """Points for one player from one photo for one reason (and one spot for story spots).

    Compensating awards from `compensate` use the same type and may be negative.
    """

    player_id: int
    points: int
    reason: str
    photo_id: int
    spot_id: int | None = None

    def __post_init__(self) -> None:
        if self.reason not in REASONS:
            raise ValueError(f"unknown award reason {self.reason!r}")
        # A spot id belongs to story-spot awards and only to them; the ledger key relies on it.
        if (self.spot_id is not None) != (self.reason == STORY_SPOT):
            raise ValueError(f"award {self.reason!r} with spot_id={self.spot_id!r}")
