"""Reading the few EXIF facts we need: time taken, GPS position and orientation.

EXIF is hostile input. Every reader here returns "no EXIF" (or drops one field) instead
of raising: zero denominators, empty or odd rationals, bad refs and broken maker notes
are all found in real files.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import exifread
from PIL import Image

from koppelkiek.uploads.location import Position
from koppelkiek.uploads.taken_at import parse_exif_datetime

T = TypeVar("T")

_EXIF_IFD = 0x8769
_GPS_IFD = 0x8825
_ORIENTATION = 0x0112
_DATETIME_ORIGINAL = 0x9003
_OFFSET_TIME_ORIGINAL = 0x9011
_GPS_LAT_REF, _GPS_LAT, _GPS_LON_REF, _GPS_LON = 1, 2, 3, 4
_GPS_H_POSITIONING_ERROR = 0x001F


@dataclass(frozen=True)
class ExifFacts:
    taken_at: datetime | None = None
    position: Position | None = None
    orientation: int = 1  # EXIF 1..8; 1 means upright already


NO_EXIF = ExifFacts()


def _guarded(read: Callable[[], T], default: T) -> T:
    # One broken field must not cost the others.
    try:
        return read()
    except Exception:  # hostile metadata; any failure means "absent"
        return default


def read_jpeg_exif(data: bytes) -> ExifFacts:
    """EXIF of a JPEG via exifread (maker notes skipped)."""
    try:
        tags = exifread.process_file(
            io.BytesIO(data), details=False, extract_thumbnail=False, strict=False
        )
    except Exception:  # broken EXIF counts as no EXIF
        return NO_EXIF
    if not tags:
        return NO_EXIF

    def text(name: str) -> str | None:
        tag = tags.get(name)
        if tag is None:
            return None
        values = tag.values
        return values if isinstance(values, str) else None

    def values(name: str) -> list[Any] | None:
        tag = tags.get(name)
        return None if tag is None else list(tag.values)

    taken_at = _guarded(
        lambda: parse_exif_datetime(text("EXIF DateTimeOriginal"), text("EXIF OffsetTimeOriginal")),
        None,
    )
    position = _guarded(
        lambda: gps_position(
            text("GPS GPSLatitudeRef"),
            values("GPS GPSLatitude"),
            text("GPS GPSLongitudeRef"),
            values("GPS GPSLongitude"),
            values("GPS GPSHPositioningError"),
        ),
        None,
    )
    orientation = _guarded(lambda: _orientation(values("Image Orientation")), 1)
    return ExifFacts(taken_at=taken_at, position=position, orientation=orientation)


def read_pillow_exif(image: Image.Image, *, use_orientation: bool = True) -> ExifFacts:
    """EXIF through Pillow's getexif(): the fallback for HEIF, PNG and WebP."""
    exif = _guarded(image.getexif, None)
    if exif is None or not exif:
        return NO_EXIF
    sub = _guarded(lambda: dict(exif.get_ifd(_EXIF_IFD)), {})
    gps = _guarded(lambda: dict(exif.get_ifd(_GPS_IFD)), {})

    def text(ifd: dict[int, Any], key: int) -> str | None:
        value = ifd.get(key)
        if isinstance(value, bytes):
            value = value.decode("ascii", "replace")
        return value if isinstance(value, str) else None

    def many(ifd: dict[int, Any], key: int) -> list[Any] | None:
        value = ifd.get(key)
        if value is None:
            return None
        return list(value) if isinstance(value, tuple | list) else [value]

    taken_at = _guarded(
        lambda: parse_exif_datetime(
            text(sub, _DATETIME_ORIGINAL), text(sub, _OFFSET_TIME_ORIGINAL)
        ),
        None,
    )
    position = _guarded(
        lambda: gps_position(
            text(gps, _GPS_LAT_REF),
            many(gps, _GPS_LAT),
            text(gps, _GPS_LON_REF),
            many(gps, _GPS_LON),
            many(gps, _GPS_H_POSITIONING_ERROR),
        ),
        None,
    )
    orientation = 1
    if use_orientation:
        orientation = _guarded(lambda: _orientation(many(dict(exif), _ORIENTATION)), 1)
    return ExifFacts(taken_at=taken_at, position=position, orientation=orientation)


def _orientation(values: list[Any] | None) -> int:
    if not values or isinstance(values[0], bool) or not isinstance(values[0], int):
        return 1
    return values[0] if 1 <= values[0] <= 8 else 1


def _rational(value: Any) -> float | None:
    """A finite float from an EXIF rational or integer; None for 0/0, x/0, NaN..."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return float(value)
    num = getattr(value, "numerator", None)
    den = getattr(value, "denominator", None)
    if isinstance(value, tuple) and len(value) == 2:
        num, den = value
    if not isinstance(num, int) or not isinstance(den, int) or den == 0:
        return None
    result = num / den
    return result if math.isfinite(result) else None


def _degrees(parts: Iterable[Any] | None, ref: str | None, refs: str, limit: float) -> float | None:
    if parts is None or ref is None:
        return None
    ref = ref.strip().strip("\x00").upper()
    if len(ref) != 1 or ref not in refs:
        return None
    numbers = [_rational(part) for part in parts]
    # Exactly degrees, minutes, seconds; anything else is too odd to trust.
    if len(numbers) != 3 or any(n is None or n < 0 for n in numbers):
        return None
    deg, minutes, seconds = numbers  # type: ignore[misc]
    if minutes >= 60 or seconds >= 60:
        return None
    value = deg + minutes / 60 + seconds / 3600
    if value > limit:
        return None
    return -value if ref == refs[1] else value


def gps_position(
    lat_ref: str | None,
    lat: list[Any] | None,
    lon_ref: str | None,
    lon: list[Any] | None,
    h_error: list[Any] | None = None,
) -> Position | None:
    """Signed decimal degrees from EXIF DMS rationals and N/S, E/W refs."""
    latitude = _degrees(lat, lat_ref, "NS", 90.0)
    longitude = _degrees(lon, lon_ref, "EW", 180.0)
    if latitude is None or longitude is None:
        return None
    if latitude == 0.0 and longitude == 0.0:  # "null island": an empty GPS block
        return None
    accuracy = _rational(h_error[0]) if h_error else None
    if accuracy is not None and accuracy < 0:
        accuracy = None
    return Position(lat=latitude, lon=longitude, accuracy_m=accuracy)
