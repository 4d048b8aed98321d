"""Walking JPEG marker segments to keep hostile metadata away from Pillow's decoder.

We read JPEG EXIF with exifread, so Pillow never needs APP1 (EXIF, XMP) or the APP2 MPF
index. Without them Pillow does not parse EXIF while opening (where a broken IFD makes it
warn, and a warning is an error under strict filters) and never switches to MPO.
"""

from __future__ import annotations

_SOI = b"\xff\xd8"
_SOS = 0xDA
_EOI = 0xD9
_APP1 = 0xE1
_APP2 = 0xE2
# Markers without a length field.
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})


def without_metadata(data: bytes) -> bytes:
    """The same JPEG minus APP1 and APP2/MPF segments; other segments and the scan untouched.

    Anything odd in the header (a missing marker, a length running past the end) returns the
    input unchanged, so Pillow still sees, and refuses, the broken file itself.
    """
    if not data.startswith(_SOI):
        return data
    kept = [_SOI]
    pos = 2
    size = len(data)
    while pos + 1 < size:
        if data[pos] != 0xFF:
            return data
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte before a marker
            pos += 1
            continue
        if marker in _STANDALONE:
            kept.append(data[pos : pos + 2])
            pos += 2
            continue
        if marker in (_SOS, _EOI):
            kept.append(data[pos:])
            return b"".join(kept)
        if pos + 4 > size:
            return data
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        end = pos + 2 + length
        if length < 2 or end > size:
            return data
        is_mpf = marker == _APP2 and data[pos + 4 : pos + 8] == b"MPF\x00"
        if marker != _APP1 and not is_mpf:
            kept.append(data[pos:end])
        pos = end
    return data  # no scan found: truncated header
