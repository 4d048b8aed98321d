"""The one exception the intake lets out: a refusal with a stable code."""

from __future__ import annotations

UNSUPPORTED_TYPE = "unsupported_type"
IMAGE_TOO_LARGE = "image_too_large"
IMAGE_BROKEN = "image_broken"
IMAGE_TOO_SMALL = "image_too_small"
IMAGE_TOO_COMPLEX = "image_too_complex"  # its intake job overran its deadline

CODES = frozenset({UNSUPPORTED_TYPE, IMAGE_TOO_LARGE, IMAGE_BROKEN, IMAGE_TOO_SMALL,
                   IMAGE_TOO_COMPLEX})


class IntakeError(Exception):
    """A photo refused for a reason the web layer maps to a 4xx (see `code`)."""

    def __init__(self, code: str, detail: str = "") -> None:
        if code not in CODES:
            raise ValueError(f"unknown intake error code: {code!r}")
        super().__init__(detail)
        self.code = code
        self.detail = detail

    def __str__(self) -> str:
        return self.detail

    def __repr__(self) -> str:
        return f"IntakeError({self.code!r}, {self.detail!r})"
