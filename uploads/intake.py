"""take_in: uploaded bytes in, checked facts and privacy-safe derived JPEGs out."""

from __future__ import annotations

import hashlib

from koppelkiek.uploads.derive import (
    check_min_side,
    decode_display,
    derive,
    open_image,
    upright_size,
)
from koppelkiek.uploads.dhash import dhash
from koppelkiek.uploads.errors import UNSUPPORTED_TYPE, IntakeError
from koppelkiek.uploads.exif import read_jpeg_exif, read_pillow_exif
from koppelkiek.uploads.facts import DerivedImages, Intake, PhotoFacts
from koppelkiek.uploads.heif import ensure_heif_opener
from koppelkiek.uploads.kinds import HEIF, JPEG, sniff_kind


def take_in(data: bytes, *, max_pixels: int = 60_000_000, min_side: int = 320) -> Intake:
    """Check, read and re-encode one uploaded photo. Raises only IntakeError.

    Order: type from the bytes, declared size against the pixel cap (before any pixel
    is decoded), short side, then EXIF, one draft-scale decode and the two encodes.
    The upload size cap is the web layer's job (it must refuse before reading the body).
    """
    kind = sniff_kind(data)
    if kind is None:
        raise IntakeError(UNSUPPORTED_TYPE, "not a JPEG, PNG, HEIC/HEIF or WebP file")
    if kind == HEIF:
        ensure_heif_opener()

    image = open_image(data, kind, max_pixels=max_pixels)
    # HEIF: pillow-heif decodes upright and resets Orientation to 1, so never re-apply it.
    exif = (
        read_jpeg_exif(data)
        if kind == JPEG
        else read_pillow_exif(image, use_orientation=kind != HEIF)
    )
    orientation = 1 if kind == HEIF else exif.orientation
    width, height = upright_size(image.size, orientation)
    check_min_side((width, height), min_side)

    display = decode_display(image, kind, orientation)
    derived = derive(display)
    facts = PhotoFacts(
        kind=kind,
        width=width,
        height=height,
        taken_at=exif.taken_at,
        exif_position=exif.position,
        sha256=hashlib.sha256(data).hexdigest(),
        dhash=dhash(derived.thumb),
    )
    images = DerivedImages(
        display=derived.display_jpeg,
        thumb=derived.thumb_jpeg,
        display_size=derived.display.size,
        thumb_size=derived.thumb.size,
    )
    return Intake(facts=facts, images=images)
