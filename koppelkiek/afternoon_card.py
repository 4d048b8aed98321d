"""The "my afternoon" card: a PNG a resident can save or share, drawn with Pillow.

It carries only the player's own figures (points, rank, neighbours met) and the round's name:
no other person's name. The PNG has no text chunks or other metadata (Pillow writes none
unless asked), and nothing of the player's photos.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

SIZE = (1080, 1080)  # square: what message apps and social posts show whole
FONTS = Path("/usr/share/fonts/truetype/dejavu")  # fonts-dejavu-core (.ci/run installs it)
REGULAR, BOLD = "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"
BACKGROUND, INK, SOFT, ACCENT = "#fff8f0", "#1d1d1d", "#5a5a5a", "#e65100"
MARGIN = 80


@dataclass(frozen=True)
class CardWords:
    """Everything the card says, already in the player's language."""

    title: str  # "My afternoon"
    round_name: str
    player: str
    figures: tuple[tuple[str, str], ...]  # (label, value): points, rank, neighbours met
    footer: str
    right_to_left: bool = False  # Arabic: the first figure stands on the right


@lru_cache(maxsize=64)  # a few sizes of two faces; loading one costs more than drawing
def _font(name: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.truetype(str(FONTS / name), size)
    except OSError:  # no DejaVu here: Pillow's own scalable font still draws every digit
        return ImageFont.load_default(size)


def _fitted(draw: ImageDraw.ImageDraw, text: str, name: str, size: int, width: int
            ) -> tuple[str, ImageFont.FreeTypeFont | ImageFont.ImageFont]:
    """The text in the largest font (down to half of `size`) that fits; shortened if needed."""
    for step in range(size, size // 2 - 1, -4):
        font = _font(name, step)
        if draw.textlength(text, font=font) <= width:
            return text, font
    font = _font(name, size // 2)
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text + "…", font


def _centred(draw: ImageDraw.ImageDraw, y: int, text: str, name: str, size: int,
             fill: str) -> int:
    """Draw one centred line (right-to-left text too: centring needs no side); the next y."""
    text, font = _fitted(draw, text, name, size, SIZE[0] - 2 * MARGIN)
    draw.text((SIZE[0] // 2, y), text, font=font, fill=fill, anchor="mt")
    top, bottom = draw.textbbox((SIZE[0] // 2, y), text, font=font, anchor="mt")[1::2]
    return y + (bottom - top) + size // 3


def card_png(words: CardWords) -> bytes:
    image = Image.new("RGB", SIZE, BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, SIZE[0], 24), fill=ACCENT)
    y = _centred(draw, 90, "Koppelkiek", BOLD, 44, ACCENT)
    y = _centred(draw, y + 10, words.title, BOLD, 72, INK)
    y = _centred(draw, y, words.round_name, REGULAR, 44, SOFT)
    y = _centred(draw, y + 10, words.player, BOLD, 56, INK)
    column = (SIZE[0] - 2 * MARGIN) // max(len(words.figures), 1)
    top = max(y + 40, 560)
    figures = words.figures[::-1] if words.right_to_left else words.figures
    for i, (label, value) in enumerate(figures):
        x = MARGIN + column * i + column // 2
        draw.rounded_rectangle((x - column // 2 + 12, top, x + column // 2 - 12, top + 300),
                               radius=28, fill="#ffffff", outline="#f0c9a8", width=3)
        shown, font = _fitted(draw, value, BOLD, 120, column - 50)
        draw.text((x, top + 60), shown, font=font, fill=ACCENT, anchor="mt")
        shown, font = _fitted(draw, label, REGULAR, 36, column - 40)
        draw.text((x, top + 220), shown, font=font, fill=SOFT, anchor="mt")
    _centred(draw, SIZE[1] - 110, words.footer, REGULAR, 32, SOFT)
    out = io.BytesIO()
    # No pnginfo, exif or dpi: a PNG with pixels only. Level 1 halves the encoding time (the
    # bulk of a card's 25 ms) for a file of about 55 kB.
    image.save(out, "PNG", compress_level=1)
    return out.getvalue()
