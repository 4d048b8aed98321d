"""The near-duplicate search reads only photos whose dHash bands come near: it must still find
every hash within NEAR_DUPLICATE_BITS (multi-index hashing's pigeonhole argument)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from koppelkiek.game.duplicates import NEAR_DUPLICATE_BITS, _near, bands
from koppelkiek.uploads import hamming


@given(st.integers(0, (1 << 64) - 1),
       st.sets(st.integers(0, 63), max_size=NEAR_DUPLICATE_BITS))
def test_every_near_hash_shares_a_near_band(dhash: int, flips: set[int]) -> None:
    other = dhash
    for bit in flips:
        other ^= 1 << bit
    assert hamming(dhash, other) == len(flips)
    assert any(theirs in _near(mine)
               for (_, mine), (_, theirs) in zip(bands(dhash), bands(other), strict=True))


@given(st.integers(-(1 << 63), (1 << 63) - 1))
def test_signed_and_unsigned_hashes_band_alike(dhash: int) -> None:
    assert bands(dhash) == bands(dhash & ((1 << 64) - 1))
