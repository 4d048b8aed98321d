"""Duplicates within a round: the same file (sha256), or nearly the same picture (dHash).

A near duplicate is within NEAR_DUPLICATE_BITS of 64. The 64 bits are cut into BANDS bands of
16; two hashes that differ in at most 6 bits differ in at most 1 bit in at least one band
(pigeonhole: 4 bands x 2 bits > 6). So the search looks up, per band, the value and its 16
one-bit neighbours in an index (multi-index hashing) and reads only the few photos found,
instead of every photo of the round.
"""

from __future__ import annotations

from sqlalchemy import select, union_all
from sqlalchemy.orm import Session

from koppelkiek.game.errors import GameError
from koppelkiek.game.models import HashBand, Photo
from koppelkiek.uploads import hamming

NEAR_DUPLICATE_BITS = 6  # of 64: a re-save or small crop, not another picture
BANDS, WIDTH = 4, 16
RADIUS = NEAR_DUPLICATE_BITS // BANDS  # per band; BANDS * (RADIUS + 1) > NEAR_DUPLICATE_BITS
assert BANDS * WIDTH == 64 and RADIUS == 1


def bands(dhash: int) -> list[tuple[int, int]]:
    """(band number, value) for a 64-bit dHash, signed or not."""
    bits = dhash & ((1 << 64) - 1)
    return [(band, (bits >> (band * WIDTH)) & ((1 << WIDTH) - 1)) for band in range(BANDS)]


def _near(value: int) -> list[int]:
    """The band value and every value one bit away."""
    return [value, *(value ^ (1 << bit) for bit in range(WIDTH))]


def check_duplicates(session: Session, round_id: int, sha256: str, dhash: int) -> None:
    """Refuse a picture already played in this round, exactly or nearly."""
    # By the sha256 index alone (the same file in other rounds is rare): a planner offered
    # (round_id, sha256) may walk the round instead.
    if round_id in session.scalars(select(Photo.round_id).where(Photo.sha256 == sha256)):
        raise GameError("duplicate_photo")
    # Primary-key lookups per band; a row-value IN list is not always planned as that.
    candidates = union_all(*(
        select(HashBand.photo_id).where(HashBand.round_id == round_id, HashBand.band == band,
                                        HashBand.value.in_(_near(value)))
        for band, value in bands(dhash)))
    ids = list(session.scalars(candidates))
    if not ids:
        return
    for other in session.scalars(select(Photo.dhash).where(Photo.id.in_(ids))):
        if hamming(other, dhash) <= NEAR_DUPLICATE_BITS:
            raise GameError("duplicate_photo")


def add_bands(session: Session, photo: Photo) -> None:
    session.add_all(HashBand(round_id=photo.round_id, band=band, value=value, photo_id=photo.id)
                    for band, value in bands(photo.dhash))
