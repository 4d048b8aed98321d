"""Sums over awards, and the compensating awards that move a ledger to a new target.

The ledger is append-only: rule changes and rejections are applied by adding the difference,
never by editing or deleting earlier rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from koppelkiek.scoring.facts import Award

#: (player_id, photo_id, reason, spot_id): the grain at which the ledger is compared.
AwardKey = tuple[int, int, str, int | None]


def award_key(award: Award) -> AwardKey:
    return (award.player_id, award.photo_id, award.reason, award.spot_id)


def totals(awards: Iterable[Award]) -> dict[int, int]:
    """player_id -> sum of points. Players whose sum is zero are left out, so a ledger with
    reversed rows and a fresh recompute compare equal."""
    sums: dict[int, int] = {}
    for award in awards:
        sums[award.player_id] = sums.get(award.player_id, 0) + award.points
    return {player: points for player, points in sums.items() if points != 0}


def ledger_sums(awards: Iterable[Award]) -> dict[AwardKey, int]:
    """AwardKey -> sum of points, zero sums left out (the `current` argument of `compensate`)."""
    sums: dict[AwardKey, int] = {}
    for award in awards:
        key = award_key(award)
        sums[key] = sums.get(key, 0) + award.points
    return {key: points for key, points in sums.items() if points != 0}


def _sort_key(key: AwardKey) -> tuple[int, int, str, int]:
    player_id, photo_id, reason, spot_id = key
    return (photo_id, player_id, reason, -1 if spot_id is None else spot_id)


def compensate(current: Mapping[AwardKey, int], target: Iterable[Award]) -> list[Award]:
    """Given current ledger sums keyed by (player_id, photo_id, reason, spot_id) and the target
    awards, return the compensating awards (target - current, non-zero only) so that
    current + compensation == target.

    Target keys come first in target order, then keys only in `current` (to be reversed) in
    (photo, player, reason, spot) order, so the result is deterministic.
    """
    wanted = ledger_sums(target)
    result: list[Award] = []
    for key, points in wanted.items():
        difference = points - current.get(key, 0)
        if difference != 0:
            result.append(Award(key[0], difference, key[2], key[1], key[3]))
    for key in sorted(current.keys() - wanted.keys(), key=_sort_key):
        if current[key] != 0:
            result.append(Award(key[0], -current[key], key[2], key[1], key[3]))
    return result
