"""Every real camera and phone file in tests/data/photos: accepted with the right facts, or
refused with its specific code.

Expected GPS values are hard-coded decimal degrees that I computed by hand from the raw
EXIF rationals (deg, min, sec and ref as listed by `exifread`, e.g. DSCN0010 lat
43 28 1407/500 N -> 43 + 28/60 + 2.814/3600). `test_gps_matches_pillow_reader` cross-checks
them with Pillow's own, independent EXIF parser. These photos carry 2008-2022 timestamps;
the intake only reports taken_at, so no clock is involved here (the round/meeting window
check belongs to the game layer, which injects `now`).
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from koppelkiek.uploads import IntakeError, take_in
from koppelkiek.uploads.dhash import dhash, hamming
from tests.helpers import PHOTOS, real_photos, rel

ACCEPT = "accept"

# rel path -> (outcome, facts to check). Outcome is "accept" or an IntakeError code.
GPS = {
    "jpg/gps/DSCN0010.jpg": (43.467448333, 11.885126667, "2008-10-22 16:28:39"),
    "jpg/gps/DSCN0012.jpg": (43.467156667, 11.885395000, "2008-10-22 16:29:49"),
    "jpg/gps/DSCN0021.jpg": (43.467081667, 11.884538333, "2008-10-22 16:38:20"),
    "jpg/gps/DSCN0025.jpg": (43.468365000, 11.881635000, "2008-10-22 16:43:21"),
    "jpg/gps/DSCN0027.jpg": (43.468441667, 11.881515000, "2008-10-22 16:44:01"),
    "jpg/gps/DSCN0029.jpg": (43.468243333, 11.880171667, "2008-10-22 16:46:53"),
    "jpg/gps/DSCN0038.jpg": (43.467255000, 11.879213333, "2008-10-22 16:52:15"),
    "jpg/gps/DSCN0040.jpg": (43.466011667, 11.879111667, "2008-10-22 16:55:37"),
    "jpg/gps/DSCN0042.jpg": (43.464455000, 11.881478333, "2008-10-22 17:00:07"),
    # iPhone in Madrid: 40 26 49.1 N, 3 43 29.11 W (W -> negative)
    "jpg/hdr/iphone_hdr_NO.jpg": (40.446972222, -3.724752778, "2015-04-10 20:12:23"),
}

# Accepted without GPS: (kind, upright width, height, naive taken_at or None)
NO_GPS = {
    "heic/samplefilehub.heif": ("heif", 640, 426, None),
    "jpg/mobile/jolla.jpg": ("jpeg", 3264, 2448, "2014-09-21 16:00:56"),
    "jpg/xmp/no_exif.jpg": ("jpeg", 322, 466, None),
    "jpg/tests/11-tests.jpg": ("jpeg", 1136, 775, "2007-09-03 16:03:45"),
    "jpg/tests/22-canon_tags.jpg": ("jpeg", 1600, 1200, "2007-11-29 16:16:21"),
}

# Stated rule: a short side under 320 px is refused, whatever else the file holds.
TOO_SMALL = [
    "jpg/Canon_40D.jpg",  # 100x68
    "jpg/Kodak_CX7530.jpg",  # 100x78
    "jpg/tests/32-lens_data.jpeg",  # 200x133
    "jpg/invalid/image00971.jpg",  # 636x227
    "jpg/invalid/image01088.jpg",  # 425x120
    "jpg/invalid/image01137.jpg",  # 88x64
    "jpg/invalid/image01551.jpg",  # 61x58
    "jpg/invalid/image01713.jpg",  # 49x500
    "jpg/invalid/image01980.jpg",  # 284x25
    "jpg/invalid/image02206.jpg",  # 65x65
]

HEIC = "heic/mobile/iphone_13_pro_max.HEIC"
ORIENTATION = [
    f"jpg/orientation/{shape}_{n}.jpg" for shape in ("landscape", "portrait") for n in range(1, 9)
]

EXPECTED: dict[str, str] = {
    **{path: ACCEPT for path in (*GPS, *NO_GPS, HEIC, *ORIENTATION)},
    **{path: "image_too_small" for path in TOO_SMALL},
}


def _naive(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def test_table_covers_every_real_photo() -> None:
    on_disk = {rel(path) for path in real_photos()}
    assert on_disk, f"no photos found under {PHOTOS}"
    assert on_disk == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_real_photo_is_accepted_or_refused_with_its_code(
    name: str, record_property: pytest.RecordProperty
) -> None:
    data = (PHOTOS / name).read_bytes()
    started = time.perf_counter()
    try:
        result = take_in(data)
        outcome = ACCEPT
    except IntakeError as exc:
        outcome = exc.code
    # Recorded for the report, never asserted (the suite does not assert times).
    record_property("seconds", round(time.perf_counter() - started, 3))
    assert outcome == EXPECTED[name]
    if outcome == ACCEPT:
        assert max(result.images.display_size) <= 1600
        assert max(result.images.thumb_size) <= 400
        assert 0 <= result.facts.dhash < 2**64


@pytest.mark.parametrize("name", sorted(GPS))
def test_gps_photos_give_coordinates_and_time(name: str) -> None:
    lat, lon, taken = GPS[name]
    facts = take_in((PHOTOS / name).read_bytes()).facts
    assert facts.kind == "jpeg"
    assert facts.exif_position is not None
    assert facts.exif_position.lat == pytest.approx(lat, abs=1e-5)
    assert facts.exif_position.lon == pytest.approx(lon, abs=1e-5)
    assert facts.taken_at == _naive(taken)
    assert facts.taken_at is not None and facts.taken_at.tzinfo is None


def _pillow_degrees(dms: tuple[float, float, float], ref: str) -> float:
    value = float(dms[0]) + float(dms[1]) / 60 + float(dms[2]) / 3600
    return -value if ref in ("S", "W") else value


@pytest.mark.parametrize("name", sorted(GPS))
def test_gps_matches_pillow_reader(name: str) -> None:
    with Image.open(PHOTOS / name) as image:
        gps = image.getexif().get_ifd(0x8825)
    assert _pillow_degrees(gps[2], gps[1]) == pytest.approx(GPS[name][0], abs=1e-6)
    assert _pillow_degrees(gps[4], gps[3]) == pytest.approx(GPS[name][1], abs=1e-6)


@pytest.mark.parametrize("name", sorted(NO_GPS))
def test_photos_without_gps(name: str) -> None:
    kind, width, height, taken = NO_GPS[name]
    facts = take_in((PHOTOS / name).read_bytes()).facts
    assert (facts.kind, facts.width, facts.height) == (kind, width, height)
    assert facts.exif_position is None
    assert facts.taken_at == _naive(taken)


def test_iphone_heic_is_accepted_upright_without_gps() -> None:
    result = take_in((PHOTOS / HEIC).read_bytes())
    facts = result.facts
    assert facts.kind == "heif"
    assert (facts.width, facts.height) == (3024, 4032)
    assert facts.exif_position is None
    assert facts.taken_at is not None
    assert facts.taken_at.replace(tzinfo=None) == datetime(2022, 2, 16, 12, 55, 41)
    # OffsetTimeOriginal is +01:00 in this file, so the time is aware.
    assert facts.taken_at.utcoffset() == timedelta(hours=1)
    # pillow-heif hands over upright pixels; the stale Orientation=6 must not turn it again.
    assert result.images.display_size == (1200, 1600)
    assert result.images.thumb_size == (300, 400)


@pytest.mark.parametrize("name", ORIENTATION)
def test_orientation_files_come_out_upright(name: str) -> None:
    result = take_in((PHOTOS / name).read_bytes())
    facts, images = result.facts, result.images
    if Path(name).name.startswith("landscape"):
        assert facts.width > facts.height
        assert images.display_size[0] > images.display_size[1]
        assert images.thumb_size[0] > images.thumb_size[1]
    else:
        assert facts.width < facts.height
        assert images.display_size[0] < images.display_size[1]
        assert images.thumb_size[0] < images.thumb_size[1]
    # Same picture as orientation 1, not merely the right aspect: a 180-degree or mirrored
    # mistake changes the dHash far more than a few bits.
    shape = Path(name).name.split("_")[0]
    reference = take_in((PHOTOS / f"jpg/orientation/{shape}_1.jpg").read_bytes())
    assert hamming(facts.dhash, reference.facts.dhash) <= 6


@pytest.mark.parametrize("wrong", [Image.Transpose.ROTATE_180, Image.Transpose.FLIP_LEFT_RIGHT])
def test_dhash_would_catch_a_wrong_turn(wrong: Image.Transpose) -> None:
    # Guards the check above: a wrongly turned picture is far from the reference.
    with Image.open(PHOTOS / "jpg/orientation/landscape_1.jpg") as image:
        turned = image.transpose(wrong)
    reference = take_in((PHOTOS / "jpg/orientation/landscape_1.jpg").read_bytes()).facts.dhash
    assert hamming(dhash(turned), reference) > 12
