"""What the intake hands back: facts about the photo and the derived images."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from koppelkiek.uploads.location import Position


@dataclass(frozen=True)
class PhotoFacts:
    kind: str  # "jpeg" | "png" | "heif" | "webp", from magic bytes
    width: int  # upright dimensions of the original
    height: int
    taken_at: datetime | None  # EXIF DateTimeOriginal; aware only with OffsetTimeOriginal
    exif_position: Position | None
    sha256: str  # hex of the uploaded bytes
    dhash: int  # 64-bit difference hash of the upright image, 0..2**64-1


@dataclass(frozen=True)
class DerivedImages:
    display: bytes  # JPEG, long side <= 1600, progressive, sRGB, no metadata
    thumb: bytes  # JPEG, long side <= 400, no metadata
    display_size: tuple[int, int]
    thumb_size: tuple[int, int]


@dataclass(frozen=True)
class Intake:
    facts: PhotoFacts
    images: DerivedImages
