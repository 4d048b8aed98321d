"""Duplicates within a round: the same file (sha256), or nearly the same picture (dHash).

A near duplicate is within NEAR_DUPLICATE_BITS of 64. The 64 bits are cut into
NEAR_DUPLICATE_BITS + 1 bands; two hashes that differ in at most that many bits agree exactly
on at least one band (pigeonhole), so the search reads only photos sharing a band, an indexed
lookup, instead of every photo of the round.
"""

from __future__ import annotations

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from game.errors import GameError
from game.models import HashBand, Photo
from uploads import hamming

NEAR_DUPLICATE_BITS = 6  # of 64: a re-save or small crop, not another picture
BANDS = NEAR_DUPLICATE_BITS + 1
_WIDTHS = [64 // BANDS + (1 if i < 64 % BANDS else 0) for i in range(BANDS)]


def bands(dhash: int) -> list[tuple[int, int]]:
    """(band number, value) for a 64-bit dHash, signed or not."""
    bits = dhash & ((1 << 64) - 1)
    out = []
    for band, width in enumerate(_WIDTHS):
        out.append((band, bits & ((1 << width) - 1)))
        bits >>= width
    return out


def check_duplicates(session: Session, round_id: int, sha256: str, dhash: int) -> None:
    """Refuse a picture already played in this round, exactly or nearly."""
    same = session.scalar(select(Photo.id).where(Photo.round_id == round_id,
                                                 Photo.sha256 == sha256).limit(1))
    if same is not None:
        raise GameError("duplicate_photo", 409)
    candidates = select(HashBand.photo_id).where(
        HashBand.round_id == round_id,
        tuple_(HashBand.band, HashBand.value).in_(bands(dhash)))
    for other in session.scalars(select(Photo.dhash).where(Photo.id.in_(candidates))):
        if hamming(other, dhash) <= NEAR_DUPLICATE_BITS:
            raise GameError("duplicate_photo", 409)


def add_bands(session: Session, photo: Photo) -> None:
    session.add_all(HashBand(round_id=photo.round_id, band=band, value=value, photo_id=photo.id)
                    for band, value in bands(photo.dhash))
