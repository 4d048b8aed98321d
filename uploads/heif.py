"""HEIC/HEIF support through pillow-heif, registered on first use rather than at import."""

from __future__ import annotations

import functools

import pillow_heif


@functools.cache
def ensure_heif_opener() -> None:
    # Idempotent, so a race between two first uploads only registers twice.
    # No thumbnails/depth/aux images: we only ever want the primary picture.
    pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)
