"""Where a `next` or `then` parameter may send someone: a path on this site, nothing else."""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit


def same_site_path(target: str | None, *, under: str = "/") -> str | None:
    """The target if it is a plain path on this site (starting with `under`), else None.

    Browsers drop tabs and newlines and read a backslash as a slash, so "/\\t/evil.example"
    and "/\\\\evil.example" would leave the site: any control character, white space,
    backslash, "//", scheme or host is refused.
    """
    if not target or not target.startswith(under) or target.startswith("//"):
        return None
    if "\\" in target or any(unicodedata.category(ch)[0] in "CZ" for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    return target
