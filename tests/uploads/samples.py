"""Shared test inputs: the real photos in tests/data/photos and small generated images.

Licence of the real photos: CC BY-SA 4.0 / Wikimedia Commons (see tests/data/photos/README.md).
"""

from __future__ import annotations

import io
import random
from pathlib import Path

from PIL import Image

PHOTOS = Path(__file__).resolve().parents[1] / "data" / "photos"
GPS_PHOTO = PHOTOS / "jpg" / "gps" / "DSCN0010.jpg"


def real_photos() -> list[Path]:
    return sorted(p for p in PHOTOS.rglob("*") if p.is_file() and p.name != "README.md")


def rel(path: Path) -> str:
    return path.relative_to(PHOTOS).as_posix()


def noisy_image(size: tuple[int, int], mode: str = "RGB", seed: int = 1) -> Image.Image:
    """A gradient with noise: compresses like a photo, not like a flat test card."""
    width, height = size
    gradient = Image.linear_gradient("L").resize(size)
    noise = Image.effect_noise(size, 40).point(lambda v: v // 2)
    red = Image.blend(gradient, noise, 0.3)
    green = gradient.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    blue = Image.radial_gradient("L").resize(size)
    image = Image.merge("RGB", (red, green, blue))
    rng = random.Random(seed)
    for _ in range(8):  # a few blocks so near-duplicate checks have structure to see
        x, y = rng.randrange(width), rng.randrange(height)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        image.paste(colour, (x, y, min(width, x + width // 5), min(height, y + height // 5)))
    return image.convert(mode) if mode != "RGB" else image


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()
