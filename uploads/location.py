"""Where a photo was taken: EXIF GPS or the browser's position, and how far apart they are."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

# Mean Earth radius (IUGG); haversine error against WGS-84 stays well under 0.5 %.
EARTH_RADIUS_M = 6_371_008.8


class LocationSource(StrEnum):
    """Where a photo's place came from."""

    EXIF = "exif"
    BROWSER = "browser"


@dataclass(frozen=True)
class Position:
    lat: float
    lon: float
    accuracy_m: float | None = None


def is_plausible(position: Position) -> bool:
    """Finite, on the globe, with a non-negative accuracy if one is given."""
    lat, lon, acc = position.lat, position.lon, position.accuracy_m
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return False
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        return False
    return acc is None or (math.isfinite(acc) and acc >= 0.0)


def distance_m(a: Position, b: Position) -> float:
    """Great-circle (haversine) distance in metres."""
    phi1, phi2 = math.radians(a.lat), math.radians(b.lat)
    dphi = phi2 - phi1
    dlam = math.radians(b.lon - a.lon)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlam / 2) ** 2
    # min() guards against rounding pushing h just above 1 for antipodal points.
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def choose_location(
    exif: Position | None,
    browser: Position | None,
    *,
    max_browser_accuracy_m: float = 75.0,
    disagree_m: float = 200.0,
) -> tuple[Position | None, LocationSource | None, bool]:
    """Pick the photo's position: (position, source 'exif'|'browser'|None, disagree flag).

    EXIF GPS wins when present. The browser position counts only with a known accuracy
    within `max_browser_accuracy_m`; an unknown accuracy is not "good enough".
    The flag is raised when EXIF and browser positions are more than `disagree_m` apart
    even after allowing for their stated accuracies, so a vague browser fix is not
    flagged merely for being vague.
    """
    if exif is not None and not is_plausible(exif):
        exif = None
    if browser is not None and not is_plausible(browser):
        browser = None

    if exif is not None:
        disagree = False
        if browser is not None:
            slack = (browser.accuracy_m or 0.0) + (exif.accuracy_m or 0.0)
            disagree = distance_m(exif, browser) - slack > disagree_m
        return exif, LocationSource.EXIF, disagree

    if (
        browser is not None
        and browser.accuracy_m is not None
        and browser.accuracy_m <= max_browser_accuracy_m
    ):
        return browser, LocationSource.BROWSER, False
    return None, None, False
