"""Near-duplicate detection: a 64-bit difference hash and the Hamming distance between two."""

from __future__ import annotations

from PIL import Image

_MASK64 = (1 << 64) - 1


def dhash(image: Image.Image) -> int:
    """64-bit dHash of an (upright) image: each bit says "brighter than its right neighbour".

    Row-major, most significant bit first; always in 0..2**64-1.
    """
    small = image.convert("L").resize((9, 8), Image.Resampling.BOX)
    pixels = small.tobytes()
    bits = 0
    for row in range(8):
        base = row * 9
        for col in range(8):
            bits = (bits << 1) | (pixels[base + col] > pixels[base + col + 1])
    return bits


def hamming(a: int, b: int) -> int:
    """Number of differing bits between two 64-bit hashes.

    Both are masked to 64 bits, so a hash stored as a signed BIGINT (negative when the top
    bit is set) compares equal to its unsigned form.
    """
    return ((a ^ b) & _MASK64).bit_count()
