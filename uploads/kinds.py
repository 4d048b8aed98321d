"""The real type of an upload, from its first bytes only (never its name or MIME type)."""

from __future__ import annotations

JPEG = "jpeg"
PNG = "png"
HEIF = "heif"
WEBP = "webp"

# Pillow format id to open each kind with; opening is restricted to that one plugin.
PILLOW_FORMAT = {JPEG: "JPEG", PNG: "PNG", HEIF: "HEIF", WEBP: "WEBP"}

# HEVC-coded HEIF brands (what phones write). AVIF shares the container but is not ours.
_HEVC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"})
_GENERIC_HEIF_BRANDS = frozenset({b"mif1", b"msf1"})
_AVIF_BRANDS = frozenset({b"avif", b"avis"})


def sniff_kind(data: bytes) -> str | None:
    """Return "jpeg", "png", "heif" or "webp", or None for anything else."""
    if data[:3] == b"\xff\xd8\xff":
        return JPEG
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return PNG
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    if _is_heif(data):
        return HEIF
    return None


def _is_heif(data: bytes) -> bool:
    # ISO-BMFF: the file starts with an 'ftyp' box: size, 'ftyp', major brand,
    # minor version, then compatible brands.
    if len(data) < 16 or data[4:8] != b"ftyp":
        return False
    size = int.from_bytes(data[0:4], "big")
    if size < 16 or size > min(len(data), 4096) or size % 4:
        return False
    major = data[8:12]
    brands = {major} | {data[i : i + 4] for i in range(16, size, 4)}
    if major in _AVIF_BRANDS:
        return False
    if brands & _HEVC_BRANDS:
        return True
    return major in _GENERIC_HEIF_BRANDS and not brands & _AVIF_BRANDS
