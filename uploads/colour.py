"""Bringing decoded pixels to plain 8-bit RGB in sRGB, with no profile left attached."""

from __future__ import annotations

import functools
import io

from PIL import Image, ImageCms

_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
_COLOUR_MODES = frozenset({"RGB", "L", "CMYK"})


def flatten(image: Image.Image) -> Image.Image:
    """Reduce any mode to RGB, L or CMYK; transparency is laid on white (JPEG has no alpha)."""
    if image.mode in _COLOUR_MODES:
        return image
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        # 16-bit grey: scale down rather than clip everything above 255 to white.
        return image.convert("I").point(lambda v: v / 256).convert("L")
    has_alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        image.mode == "P" and "transparency" in image.info
    )
    if has_alpha:
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


@functools.lru_cache(maxsize=16)
def _transform(icc: bytes, mode: str) -> ImageCms.ImageCmsTransform:
    # Phones reuse a handful of profiles (Display P3...); building a transform costs ms.
    source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
    return ImageCms.buildTransform(
        source, _SRGB, mode, "RGB", renderingIntent=ImageCms.Intent.PERCEPTUAL
    )


def to_srgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    """RGB pixels in sRGB. A broken or unusable profile is ignored (pixels taken as sRGB)."""
    if icc and image.mode in _COLOUR_MODES:
        try:
            transform = _transform(icc, image.mode)
            converted = ImageCms.applyTransform(image, transform)
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            converted = None
        if converted is not None:
            image = converted
    if image.mode != "RGB":
        image = image.convert("RGB")
    image.info = {}
    return image
