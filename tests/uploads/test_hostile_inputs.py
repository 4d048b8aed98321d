"""Hostile and odd uploads: each gets its specific IntakeError code, or a safe accept."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image, ImageFile

from koppelkiek.uploads import IntakeError, take_in
from tests.helpers import GARBAGE, GPS_PHOTO, PHOTOS, encode, noisy_image, with_app1


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_declaring(width: int, height: int) -> bytes:
    """A few hundred bytes of PNG whose header claims width x height pixels."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", pixels)
        + _chunk(b"IEND", b"")
    )


def jpeg_declaring(width: int, height: int) -> bytes:
    """A real JPEG with its SOF frame size rewritten."""
    data = bytearray(GPS_PHOTO.read_bytes())
    # The last SOF0 is the main image's (the EXIF thumbnail's comes first); scan data
    # cannot contain FF C0 because of byte stuffing.
    at = data.rfind(b"\xff\xc0")
    assert at != -1
    struct.pack_into(">HH", data, at + 5, height, width)
    return bytes(data)


def _code(data: bytes, **kwargs: int) -> str:
    with pytest.raises(IntakeError) as caught:
        take_in(data, **kwargs)
    assert str(caught.value) == caught.value.detail
    return caught.value.code


GIF = encode(noisy_image((640, 480)).convert("P"), "GIF")
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="4000" '
    b'height="3000"><rect width="100%" height="100%" fill="red"/></svg>'
)
AVIF_HEADER = b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf" + b"\x00" * 64


@pytest.mark.parametrize(
    ("label", "data", "code"),
    [
        ("zero bytes", b"", "unsupported_type"),
        (
            "text named .jpg",
            b"Dit is geen foto, maar een boodschappenlijstje.\n" * 20,
            "unsupported_type",
        ),
        ("svg", SVG, "unsupported_type"),
        ("gif", GIF, "unsupported_type"),
        ("avif container", AVIF_HEADER, "unsupported_type"),
        ("bmp", encode(noisy_image((640, 480)), "BMP"), "unsupported_type"),
        ("tiff", encode(noisy_image((640, 480)), "TIFF"), "unsupported_type"),
        ("two jpeg bytes", b"\xff\xd8", "unsupported_type"),
        # Pillow's own bomb error (> 2x MAX_IMAGE_PIXELS): raised while opening.
        ("png bomb 100k x 100k", png_declaring(100_000, 100_000), "image_too_large"),
        # Pillow's DecompressionBombWarning range (90-179 MP); an error under pytest.
        ("png bomb 10k x 10k", png_declaring(10_000, 10_000), "image_too_large"),
        # Under Pillow's limits but over our 60 MP cap: refused before decoding.
        ("png 9000 x 7000", png_declaring(9_000, 7_000), "image_too_large"),
        ("jpeg bomb 65000 x 65000", jpeg_declaring(65_000, 65_000), "image_too_large"),
        ("jpeg 8000 x 8000", jpeg_declaring(8_000, 8_000), "image_too_large"),
        ("png header only", png_declaring(640, 480)[:33], "image_broken"),
        ("png declaring 640x480 with 1 KB of pixels", png_declaring(640, 480), "image_broken"),
        ("webp header only", b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 8, "image_broken"),
        ("heic ftyp only", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "image_broken"),
        ("tiny png", encode(noisy_image((319, 800)), "PNG"), "image_too_small"),
    ],
    ids=lambda value: value if isinstance(value, str) and len(value) < 60 else "",
)
def test_hostile_input_gets_its_code(label: str, data: bytes, code: str) -> None:
    assert _code(data) == code


@pytest.mark.parametrize("fraction", [0.002, 0.01, 0.05, 0.2, 0.5, 0.8, 0.95, 0.99])
def test_truncated_jpeg_is_broken(fraction: float) -> None:
    data = GPS_PHOTO.read_bytes()
    assert _code(data[: int(len(data) * fraction)]) == "image_broken"


@pytest.mark.parametrize("cut", [3, 20, 200, 2_000])
def test_jpeg_cut_in_its_header_is_broken(cut: int) -> None:
    assert _code(GPS_PHOTO.read_bytes()[:cut]) == "image_broken"


def test_truncated_large_phone_jpeg_is_broken() -> None:
    data = (PHOTOS / "jpg/hdr/iphone_hdr_NO.jpg").read_bytes()
    assert _code(data[: len(data) // 2]) == "image_broken"


def test_truncated_images_are_never_loaded_leniently() -> None:
    data = GPS_PHOTO.read_bytes()
    _code(data[: len(data) // 2])
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


@pytest.mark.parametrize(
    "payload",
    [
        b"Exif\x00\x00" + GARBAGE,
        b"Exif\x00\x00II*\x00\x08\x00\x00\x00" + GARBAGE,
        b"Exif\x00\x00MM\x00*\x00\x00\x00\x08" + b"\xff" * 60_000,
        GARBAGE,
    ],
    ids=["exif-random", "exif-tiff-header-random", "exif-tiff-header-ff", "no-header-random"],
)
def test_jpeg_with_60kb_garbage_app1_is_accepted_without_trusting_it(payload: bytes) -> None:
    data = with_app1(GPS_PHOTO.read_bytes(), payload)
    result = take_in(data)
    assert (result.facts.kind, result.facts.width, result.facts.height) == ("jpeg", 640, 480)
    # The garbage segment comes first, so the camera's real EXIF is not what gets read.
    assert result.facts.exif_position is None or result.facts.exif_position.lat != pytest.approx(
        43.467448, abs=1e-5
    )
    assert b"Exif" not in result.images.display


def test_pixel_cap_and_min_side_are_parameters() -> None:
    data = GPS_PHOTO.read_bytes()  # 640 x 480
    assert _code(data, max_pixels=640 * 480 - 1) == "image_too_large"
    assert take_in(data, max_pixels=640 * 480).facts.width == 640
    assert _code(data, min_side=481) == "image_too_small"
    assert take_in(data, min_side=480).facts.height == 480


def test_error_code_must_be_known() -> None:
    with pytest.raises(ValueError):
        IntakeError("no_such_code")
    assert IntakeError("image_broken").code == "image_broken"
    assert str(IntakeError("image_broken", "cut short")) == "cut short"


def test_image_open_is_limited_to_the_sniffed_kind() -> None:
    # A PNG body behind JPEG magic must not be rescued by another Pillow plugin.
    data = b"\xff\xd8\xff" + encode(noisy_image((640, 480)), "PNG")
    assert _code(data) == "image_broken"
    with Image.open(io.BytesIO(data[3:])) as image:
        assert image.format == "PNG"
