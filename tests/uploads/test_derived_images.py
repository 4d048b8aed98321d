"""The derived JPEGs: upright, sRGB, right sizes, and no metadata at all."""

from __future__ import annotations

import io
import warnings

import pytest
from PIL import Image, ImageCms

from koppelkiek.uploads import take_in
from koppelkiek.uploads.heif import ensure_heif_opener
from koppelkiek.uploads.jpeg_segments import without_metadata
from tests.helpers import GARBAGE, GPS_PHOTO, PHOTOS, encode, noisy_image, with_app1

ACCEPTED = [
    "jpg/gps/DSCN0010.jpg",
    "jpg/hdr/iphone_hdr_NO.jpg",
    "jpg/orientation/landscape_6.jpg",  # carries an ICC profile
    "jpg/mobile/jolla.jpg",
    "jpg/xmp/no_exif.jpg",  # carries an ICC profile
    "jpg/tests/22-canon_tags.jpg",
    "heic/mobile/iphone_13_pro_max.HEIC",  # Display P3 profile and EXIF
    "heic/samplefilehub.heif",
]
LEAKS = [b"Exif", b"http://ns.adobe.com/xap", b"ICC_PROFILE", b"MPF\x00", b"GPS", b"Nikon"]


def assert_bare_jpeg(data: bytes, max_long_side: int) -> Image.Image:
    for needle in LEAKS:
        assert needle not in data, needle
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    assert image.mode == "RGB"
    assert max(image.size) <= max_long_side
    for key in ("exif", "icc_profile", "xmp", "XML:com.adobe.xmp", "comment", "mp"):
        assert key not in image.info, key
    assert not image.getexif()
    markers = {segment for segment, _ in image.applist}
    assert markers <= {"APP0"}, markers  # at most the plain JFIF header
    return image


@pytest.mark.parametrize("name", ACCEPTED)
def test_derived_images_carry_no_metadata(name: str) -> None:
    images = take_in((PHOTOS / name).read_bytes()).images
    display = assert_bare_jpeg(images.display, 1600)
    thumb = assert_bare_jpeg(images.thumb, 400)
    assert display.size == images.display_size
    assert thumb.size == images.thumb_size
    assert display.info.get("progressive") or display.info.get("progression")
    # The thumbnail is the display image scaled, so the aspect ratio carries over.
    assert thumb.size[0] / thumb.size[1] == pytest.approx(
        display.size[0] / display.size[1], rel=0.02
    )


def test_large_phone_jpeg_is_scaled_to_1600_and_400() -> None:
    images = take_in((PHOTOS / "jpg/hdr/iphone_hdr_NO.jpg").read_bytes()).images
    assert images.display_size == (1600, 1200)
    assert images.thumb_size == (400, 300)


def test_small_images_are_never_scaled_up() -> None:
    images = take_in((PHOTOS / "jpg/xmp/no_exif.jpg").read_bytes()).images
    assert images.display_size == (322, 466)
    assert images.thumb_size == (276, 400)


def test_dropping_metadata_keeps_the_pixels() -> None:
    data = GPS_PHOTO.read_bytes()
    stripped = without_metadata(data)
    assert b"Exif" not in stripped and len(stripped) < len(data)
    with Image.open(io.BytesIO(data)) as a, Image.open(io.BytesIO(stripped)) as b:
        assert a.tobytes() == b.tobytes()


def test_without_metadata_leaves_odd_headers_alone() -> None:
    data = GPS_PHOTO.read_bytes()
    for odd in (data[:100], data[:2] + b"\x00" * 10, b"not a jpeg"):
        assert without_metadata(odd) == odd


def test_garbage_exif_gives_the_same_answer_whatever_the_warning_filters() -> None:
    # Pillow warns on broken IFDs; under pytest a warning is an error. Because Pillow never
    # sees APP1, the outcome must not depend on the filters.
    data = with_app1(GPS_PHOTO.read_bytes(), b"Exif\x00\x00II*\x00\x08\x00\x00\x00" + GARBAGE)
    strict = take_in(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        relaxed = take_in(data)
    assert strict == relaxed


# P3 profile from the iPhone HEIC: a wide-gamut source that must be converted, not copied.
def _p3_profile() -> bytes:
    ensure_heif_opener()
    with Image.open(PHOTOS / "heic/mobile/iphone_13_pro_max.HEIC") as heic:
        icc = heic.info["icc_profile"]
    assert b"P3" in icc
    return icc


def test_wide_gamut_profile_is_converted_to_srgb() -> None:
    icc = _p3_profile()
    source = Image.new("RGB", (640, 480), (200, 60, 40))
    result = take_in(encode(source, "JPEG", quality=95, icc_profile=icc))
    assert_bare_jpeg(result.images.display, 1600)
    pixel = Image.open(io.BytesIO(result.images.display)).getpixel((320, 240))
    expected = ImageCms.profileToProfile(
        Image.new("RGB", (1, 1), (200, 60, 40)),
        ImageCms.ImageCmsProfile(io.BytesIO(icc)),
        ImageCms.createProfile("sRGB"),
    ).getpixel((0, 0))
    # P3 red is outside sRGB: the converted red channel clips higher than the source's.
    assert pixel[0] > 215
    assert all(abs(a - b) <= 4 for a, b in zip(pixel, expected, strict=True))


def test_broken_icc_profile_is_ignored() -> None:
    data = encode(noisy_image((640, 480)), "JPEG", icc_profile=b"\x00" * 300)
    assert_bare_jpeg(take_in(data).images.display, 1600)


@pytest.mark.parametrize(
    ("label", "image", "fmt", "kind"),
    [
        ("png rgba", noisy_image((800, 600), "RGBA"), "PNG", "png"),
        ("png palette", noisy_image((800, 600)).convert("P"), "PNG", "png"),
        ("png grey", noisy_image((800, 600), "L"), "PNG", "png"),
        ("png 16-bit grey", noisy_image((800, 600), "L").convert("I;16"), "PNG", "png"),
        ("webp", noisy_image((800, 600)), "WEBP", "webp"),
        ("webp rgba", noisy_image((800, 600), "RGBA"), "WEBP", "webp"),
        ("jpeg grey", noisy_image((800, 600), "L"), "JPEG", "jpeg"),
        ("jpeg cmyk", noisy_image((800, 600), "CMYK"), "JPEG", "jpeg"),
        ("jpeg progressive", noisy_image((2400, 1800)), "JPEG", "jpeg"),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_other_kinds_and_modes_become_rgb_jpegs(
    label: str, image: Image.Image, fmt: str, kind: str
) -> None:
    params = {"progressive": True} if label == "jpeg progressive" else {}
    result = take_in(encode(image, fmt, **params))
    assert result.facts.kind == kind
    assert (result.facts.width, result.facts.height) == image.size
    assert_bare_jpeg(result.images.display, 1600)
    assert_bare_jpeg(result.images.thumb, 400)


def test_transparent_png_is_laid_on_white() -> None:
    image = Image.new("RGBA", (640, 480), (0, 0, 0, 0))
    display = Image.open(io.BytesIO(take_in(encode(image, "PNG")).images.display))
    assert min(display.getpixel((320, 240))) >= 250


def test_png_exif_is_read_through_pillow() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 CW to be upright
    exif[0x8769] = {0x9003: "2024:03:31 02:30:00", 0x9011: "+02:00"}
    exif[0x8825] = {1: "S", 2: (33.0, 51.0, 54.0), 3: "E", 4: (151.0, 12.0, 36.0)}
    data = encode(noisy_image((800, 600)), "PNG", exif=exif)
    facts = take_in(data).facts
    assert (facts.width, facts.height) == (600, 800)
    assert facts.exif_position is not None
    assert facts.exif_position.lat == pytest.approx(-(33 + 51 / 60 + 54 / 3600), abs=1e-6)
    assert facts.exif_position.lon == pytest.approx(151 + 12 / 60 + 36 / 3600, abs=1e-6)
    assert facts.taken_at is not None and facts.taken_at.isoformat() == "2024-03-31T02:30:00+02:00"
