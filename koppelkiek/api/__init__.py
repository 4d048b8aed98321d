"""The JSON API under /api/v1, all in this package; the pages use it too.

One blueprint (v1.py); each module adds its routes to it: players.py (join, me, codes,
meetings), photos.py (upload, consent), rounds.py (standings, wall), spots.py, proposals.py
(residents' story spot proposals).
"""

from __future__ import annotations

from koppelkiek.api import photos, players, proposals, rounds, spots
from koppelkiek.api.v1 import bp

ROUTES = (players, photos, rounds, spots, proposals)
__all__ = ["ROUTES", "bp"]
