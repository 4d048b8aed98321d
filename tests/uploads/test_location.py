"""choose_location and distance_m, with real coordinates from the Arezzo GPS photos."""

from __future__ import annotations

import math

import pytest

from koppelkiek.uploads import Position, choose_location, distance_m

# From the EXIF of tests/data/photos/jpg/gps (see test_real_photos.py).
DSCN0010 = Position(43.467448333, 11.885126667)
DSCN0012 = Position(43.467156667, 11.885395000)
DSCN0021 = Position(43.467081667, 11.884538333)
DSCN0025 = Position(43.468365000, 11.881635000)
MADRID = Position(40.446972222, -3.724752778)


def equirectangular_m(a: Position, b: Position) -> float:
    """An independent short-range formula to check the haversine against."""
    r = 6_371_008.8
    x = math.radians(b.lon - a.lon) * math.cos(math.radians((a.lat + b.lat) / 2))
    y = math.radians(b.lat - a.lat)
    return r * math.hypot(x, y)


@pytest.mark.parametrize(
    ("a", "b", "about_m"),
    [
        (DSCN0012, DSCN0021, 70),  # two photos of the same walk, ~70 m
        (DSCN0010, DSCN0021, 63),
        (DSCN0010, DSCN0025, 300),  # ~300 m
        (DSCN0010, DSCN0010, 0),
    ],
)
def test_distance_between_real_photos(a: Position, b: Position, about_m: float) -> None:
    d = distance_m(a, b)
    assert d == pytest.approx(equirectangular_m(a, b), rel=1e-3, abs=1e-6)
    assert d == pytest.approx(about_m, abs=1.5)
    assert distance_m(b, a) == pytest.approx(d)


def test_distance_on_a_large_scale() -> None:
    # One degree of latitude on the mean sphere; Arezzo-Madrid is ~1,330 km.
    assert distance_m(Position(52.0, 5.0), Position(53.0, 5.0)) == pytest.approx(111_195, rel=1e-4)
    assert distance_m(DSCN0010, MADRID) == pytest.approx(1_330_000, rel=0.01)
    assert distance_m(Position(0, 0), Position(0, 180)) == pytest.approx(math.pi * 6_371_008.8)


def b(pos: Position, accuracy: float | None) -> Position:
    return Position(pos.lat, pos.lon, accuracy)


@pytest.mark.parametrize(
    ("exif", "browser", "expected"),
    [
        # EXIF wins; a close browser fix agrees.
        (DSCN0010, b(DSCN0021, 20), (DSCN0010, "exif", False)),
        # EXIF wins; 300 m away with a 10 m fix disagrees -> moderation flag.
        (DSCN0010, b(DSCN0025, 10), (DSCN0010, "exif", True)),
        # 300 m apart but the browser itself is only good to 150 m: not a real disagreement.
        (DSCN0010, b(DSCN0025, 150), (DSCN0010, "exif", False)),
        # EXIF only.
        (DSCN0010, None, (DSCN0010, "exif", False)),
        # No EXIF: browser used when accurate enough (limit inclusive).
        (None, b(DSCN0012, 30), (b(DSCN0012, 30), "browser", False)),
        (None, b(DSCN0012, 75), (b(DSCN0012, 75), "browser", False)),
        (None, b(DSCN0012, 75.1), (None, None, False)),
        (None, b(DSCN0012, 1500), (None, None, False)),
        # Unknown accuracy is not "good enough".
        (None, b(DSCN0012, None), (None, None, False)),
        (None, None, (None, None, False)),
        # Nonsense positions are ignored.
        (None, Position(91.0, 5.0, 10), (None, None, False)),
        (None, Position(float("nan"), 5.0, 10), (None, None, False)),
        (None, Position(52.0, 5.0, -1), (None, None, False)),
        (Position(52.0, 181.0), b(DSCN0012, 10), (b(DSCN0012, 10), "browser", False)),
    ],
)
def test_choose_location(
    exif: Position | None,
    browser: Position | None,
    expected: tuple[Position | None, str | None, bool],
) -> None:
    assert choose_location(exif, browser) == expected


def test_choose_location_limits_are_parameters() -> None:
    browser = b(DSCN0012, 100)
    assert choose_location(None, browser, max_browser_accuracy_m=150) == (browser, "browser", False)
    flagged = choose_location(DSCN0012, b(DSCN0021, 5), disagree_m=50)
    assert flagged == (DSCN0012, "exif", True)
