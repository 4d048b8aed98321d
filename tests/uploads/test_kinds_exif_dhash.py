"""Type sniffing, the EXIF readers on odd real files, and the near-duplicate hash."""

from __future__ import annotations

import io
from fractions import Fraction

import pytest
from PIL import Image, ImageEnhance

from koppelkiek.uploads import hamming, take_in
from koppelkiek.uploads.exif import gps_position, read_jpeg_exif
from koppelkiek.uploads.kinds import sniff_kind
from tests.helpers import GPS_PHOTO, PHOTOS, encode, noisy_image


def ftyp(major: bytes, *compatible: bytes) -> bytes:
    body = major + b"\x00\x00\x00\x00" + b"".join(compatible)
    return (8 + len(body)).to_bytes(4, "big") + b"ftyp" + body + b"\x00" * 32


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"\xff\xd8\xff\xe0rest", "jpeg"),
        (b"\x89PNG\r\n\x1a\nrest", "png"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "webp"),
        (ftyp(b"heic", b"mif1", b"heic"), "heif"),
        (ftyp(b"mif1", b"heic"), "heif"),
        (ftyp(b"mif1", b"miaf"), "heif"),
        (ftyp(b"avif", b"mif1", b"miaf"), None),
        (ftyp(b"mif1", b"avif"), None),
        (ftyp(b"isom", b"mp41"), None),  # an MP4 video
        (b"\x00\x00\x00\x08ftyp", None),
        (b"\x00\x00\xff\xffftypheic" + b"\x00" * 16, None),  # box size past the end
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", None),
        (b"GIF89a", None),
        (b"<svg", None),
        (b"\xff\xd8", None),
        (b"", None),
        (b"II*\x00", None),  # TIFF
        (b"BM", None),
    ],
)
def test_sniff_kind(data: bytes, kind: str | None) -> None:
    assert sniff_kind(data) == kind


def test_real_heic_files_sniff_as_heif() -> None:
    for path in (PHOTOS / "heic").rglob("*"):
        if path.is_file():
            assert sniff_kind(path.read_bytes()[:64]) == "heif", path


def test_kodak_zero_degree_gps_parts_are_read() -> None:
    # GPS 0 deg 22.278' S, 36 deg 3.385' E: zero degrees is valid, not "missing".
    facts = read_jpeg_exif((PHOTOS / "jpg/Kodak_CX7530.jpg").read_bytes())
    assert facts.position is not None
    assert facts.position.lat == pytest.approx(-(22.278 / 60), abs=1e-6)
    assert facts.position.lon == pytest.approx(36 + 3.385 / 60, abs=1e-6)


@pytest.mark.parametrize("name", ["jpg/Canon_40D.jpg", "jpg/tests/32-lens_data.jpeg"])
def test_gps_block_without_coordinates_is_no_position(name: str) -> None:
    facts = read_jpeg_exif((PHOTOS / name).read_bytes())
    assert facts.position is None
    assert facts.taken_at is not None


@pytest.mark.parametrize("name", sorted(p.name for p in (PHOTOS / "jpg/invalid").iterdir()))
def test_exif_of_files_that_hung_old_readers(name: str) -> None:
    facts = read_jpeg_exif((PHOTOS / "jpg/invalid" / name).read_bytes())
    assert facts.orientation in range(1, 9)


R = Fraction
N, E = "N", "E"


@pytest.mark.parametrize(
    ("lat_ref", "lat", "lon_ref", "lon", "expected"),
    [
        (N, [R(52), R(5), R(30)], E, [R(5), R(7), R(12)], (52 + 5 / 60 + 30 / 3600, 5.12)),
        ("S", [R(1), R(0), R(0)], "W", [R(1), R(30), R(0)], (-1.0, -1.5)),
        ("n\x00", [(52, 1), (0, 1), (0, 1)], "e ", [(5, 1), (0, 1), (0, 1)], (52.0, 5.0)),
        (N, [(52, 0), (0, 1), (0, 1)], E, [(5, 1), (0, 1), (0, 1)], None),  # zero denominator
        (N, [(0, 0), (0, 0), (0, 0)], E, [(0, 0), (0, 0), (0, 0)], None),
        (N, [], E, [R(5), R(0), R(0)], None),  # empty rationals
        (N, [R(52), R(5)], E, [R(5), R(0), R(0)], None),  # only two parts
        (N, [R(52), R(5), R(3), R(1)], E, [R(5), R(0), R(0)], None),  # four parts
        (N, [R(52), R(65), R(0)], E, [R(5), R(0), R(0)], None),  # 65 minutes
        (N, [R(95), R(0), R(0)], E, [R(5), R(0), R(0)], None),  # beyond the pole
        (N, [R(52), R(0), R(0)], E, [R(185), R(0), R(0)], None),
        (N, [R(-52), R(0), R(0)], E, [R(5), R(0), R(0)], None),  # negative parts
        ("X", [R(52), R(0), R(0)], E, [R(5), R(0), R(0)], None),  # bad ref
        (None, [R(52), R(0), R(0)], E, [R(5), R(0), R(0)], None),  # missing ref
        (N, [R(0), R(0), R(0)], E, [R(0), R(0), R(0)], None),  # empty GPS block (0, 0)
        (N, ["52", "0", "0"], E, [R(5), R(0), R(0)], None),  # strings
        (N, [True, R(0), R(0)], E, [R(5), R(0), R(0)], None),
        (N, None, E, None, None),
    ],
)
def test_gps_position_rules(
    lat_ref: str | None,
    lat: list[object] | None,
    lon_ref: str | None,
    lon: list[object] | None,
    expected: tuple[float, float] | None,
) -> None:
    position = gps_position(lat_ref, lat, lon_ref, lon)
    if expected is None:
        assert position is None
    else:
        assert position is not None
        assert (position.lat, position.lon) == pytest.approx(expected, abs=1e-9)


def test_gps_accuracy_from_h_positioning_error() -> None:
    position = gps_position(N, [R(52), R(0), R(0)], E, [R(5), R(0), R(0)], [(65, 10)])
    assert position is not None and position.accuracy_m == 6.5
    assert gps_position(N, [R(52), R(0), R(0)], E, [R(5), R(0), R(0)], [(1, 0)]) is not None


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        (0, 0, 0),
        (0, 2**64 - 1, 64),
        (0b1011, 0b0001, 2),
        (2**63, 0, 1),
        (-1, 2**64 - 1, 0),  # a signed BIGINT read back equals its unsigned form
        (-(2**63), 2**63, 0),
    ],
)
def test_hamming(a: int, b: int, distance: int) -> None:
    assert hamming(a, b) == distance
    assert hamming(b, a) == distance


def _recompressed(data: bytes, quality: int, scale: float = 1.0) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        image = image.convert("RGB")
        if scale != 1.0:
            image = image.resize((round(image.width * scale), round(image.height * scale)))
        image = ImageEnhance.Brightness(image).enhance(1.05)
        return encode(image, "JPEG", quality=quality)


def test_near_duplicates_are_near_and_other_photos_far() -> None:
    original = take_in(GPS_PHOTO.read_bytes()).facts.dhash
    variants = [
        take_in(_recompressed(GPS_PHOTO.read_bytes(), 60)).facts.dhash,
        take_in(_recompressed(GPS_PHOTO.read_bytes(), 85, scale=0.8)).facts.dhash,
    ]
    with Image.open(GPS_PHOTO) as image:
        variants.append(take_in(encode(image.convert("RGB"), "PNG")).facts.dhash)
    for variant in variants:
        assert hamming(original, variant) <= 4
    others = sorted((PHOTOS / "jpg/gps").glob("*.jpg"))[1:]
    for other in others:
        assert hamming(original, take_in(other.read_bytes()).facts.dhash) > 10, other.name


def test_dhash_of_generated_images_differs() -> None:
    a = take_in(encode(noisy_image((640, 480), seed=1), "PNG")).facts.dhash
    b = take_in(encode(noisy_image((640, 480), seed=2), "PNG")).facts.dhash
    assert hamming(a, b) > 10
