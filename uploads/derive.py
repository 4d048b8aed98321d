"""Safe decoding and the derived JPEGs: upright, sRGB, no metadata, display and thumbnail.

Decoding happens once, at the smallest scale that still covers the display size (JPEG
draft mode lets libjpeg skip most of the IDCT work); the thumbnail is made from the display
image. The original bytes are only read, never written anywhere.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass

from PIL import Image

from koppelkiek.uploads.colour import flatten, to_srgb
from koppelkiek.uploads.errors import IMAGE_BROKEN, IMAGE_TOO_LARGE, IMAGE_TOO_SMALL, IntakeError
from koppelkiek.uploads.jpeg_segments import without_metadata
from koppelkiek.uploads.kinds import HEIF, JPEG, PILLOW_FORMAT, PNG, WEBP

DISPLAY_LONG_SIDE = 1600
THUMB_LONG_SIDE = 400
DISPLAY_QUALITY = 82
THUMB_QUALITY = 80
# Bilinear, not Lanczos: the resize was most of a photo's intake time. A 2560x1920 photo to
# 1600 px took 155 ms with Lanczos and 61 ms bilinear here (decode 51 ms, encode 42 ms), and
# Pillow's bilinear widens its support when shrinking, so it does not alias; at these <2x
# ratios the difference is a slight softness nobody sees on a wall or a phone.
RESAMPLE = Image.Resampling.BILINEAR
# PNG and WebP have no cheap reduced decoding (JPEG has draft mode, HEIC comes from phones at
# 12 MP): every pixel is decoded, ~25 ns and ~8 bytes of worker memory each here, so a 143 KB
# WebP of 7745x7745 cost 2-3 s of an intake worker. Phones take photos as JPEG or HEIC; a PNG
# or WebP is a screenshot or a converted picture: a 4K frame (3840x2160) and no more.
FULL_DECODE_MAX_PIXELS = 8_400_000
FULL_DECODE_KINDS = frozenset({PNG, WEBP})

# What hostile bytes make Pillow and its plugins raise while opening or decoding.
# (DecompressionBombWarning is raised too when warnings are errors, as under pytest.)
DECODE_ERRORS: tuple[type[BaseException], ...] = (
    OSError,  # includes UnidentifiedImageError and "image file is truncated"
    SyntaxError,
    ValueError,
    TypeError,
    IndexError,
    KeyError,
    EOFError,
    ZeroDivisionError,
    OverflowError,
    RuntimeError,  # pillow-heif reports libheif failures this way
    struct.error,
    Warning,
)

# EXIF orientation -> the transpose that makes the image upright (as ImageOps.exif_transpose).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def fit(size: tuple[int, int], long_side: int) -> tuple[int, int]:
    """Scale (w, h) down so the long side is at most `long_side`; never up."""
    width, height = size
    longest = max(width, height)
    if longest <= long_side:
        return width, height
    scale = long_side / longest
    return max(1, round(width * scale)), max(1, round(height * scale))


def upright_size(size: tuple[int, int], orientation: int) -> tuple[int, int]:
    return (size[1], size[0]) if orientation in (5, 6, 7, 8) else size


def open_image(data: bytes, kind: str, *, max_pixels: int) -> Image.Image:
    """Open lazily with the one plugin of the sniffed kind; check the declared size only."""
    if kind == JPEG:
        data = without_metadata(data)  # EXIF is read by exifread; Pillow gets pixels only
    try:
        image = Image.open(io.BytesIO(data), formats=[PILLOW_FORMAT[kind]])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise IntakeError(IMAGE_TOO_LARGE, str(exc)) from None
    except DECODE_ERRORS as exc:
        raise IntakeError(IMAGE_BROKEN, f"cannot open {kind}: {exc}") from None
    width, height = image.size
    if width <= 0 or height <= 0:
        raise IntakeError(IMAGE_BROKEN, f"declared size {width}x{height}")
    if kind in FULL_DECODE_KINDS:
        max_pixels = min(max_pixels, FULL_DECODE_MAX_PIXELS)
    if width * height > max_pixels:
        raise IntakeError(IMAGE_TOO_LARGE, f"{width}x{height} is over the {max_pixels} pixel limit")
    return image


def check_min_side(size: tuple[int, int], min_side: int) -> None:
    if min(size) < min_side:
        raise IntakeError(IMAGE_TOO_SMALL, f"{size[0]}x{size[1]} has a side under {min_side} px")


@dataclass(frozen=True)
class Derived:
    display: Image.Image
    thumb: Image.Image
    display_jpeg: bytes
    thumb_jpeg: bytes


def decode_display(image: Image.Image, kind: str, orientation: int) -> Image.Image:
    """Decode once at display scale and return the upright sRGB RGB display image."""
    if kind == HEIF:
        orientation = 1  # libheif already applied irot/imir; rotating again would double it
    target = fit(image.size, DISPLAY_LONG_SIDE)  # in stored (not yet upright) orientation
    try:
        if kind == JPEG and target != image.size:
            # Must be the exact target: draft picks the largest 1/2^n scale still >= it.
            image.draft("RGB", target)
        image.load()
        icc = image.info.get("icc_profile")
        pixels = flatten(image)
        if pixels.size != target:
            pixels = pixels.resize(target, RESAMPLE, reducing_gap=3.0)
        if orientation in _UPRIGHT:
            pixels = pixels.transpose(_UPRIGHT[orientation])
        return to_srgb(pixels, icc if isinstance(icc, bytes) else None)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise IntakeError(IMAGE_TOO_LARGE, str(exc)) from None
    except DECODE_ERRORS as exc:
        raise IntakeError(IMAGE_BROKEN, f"cannot decode {kind}: {exc}") from None


def encode_jpeg(image: Image.Image, *, quality: int, progressive: bool) -> bytes:
    # A fresh info dict and no exif/icc/xmp/comment arguments: nothing but pixels goes out.
    image.info = {}
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, progressive=progressive, optimize=False)
    return out.getvalue()


def derive(display: Image.Image) -> Derived:
    """Encode the display JPEG and make the thumbnail from the display image."""
    thumb = display.resize(
        fit(display.size, THUMB_LONG_SIDE), RESAMPLE, reducing_gap=2.0
    )
    return Derived(
        display=display,
        thumb=thumb,
        display_jpeg=encode_jpeg(display, quality=DISPLAY_QUALITY, progressive=True),
        thumb_jpeg=encode_jpeg(thumb, quality=THUMB_QUALITY, progressive=False),
    )
