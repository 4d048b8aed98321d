"""Short codes people can read aloud and type: no 0/O or 1/I/L."""

from __future__ import annotations

import hashlib
import secrets

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_ALLOWED = frozenset(ALPHABET)


def new_code(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def normalise(typed: str) -> str:
    """What a person typed, without case, spaces or dashes."""
    return "".join(ch for ch in (typed or "").upper() if ch not in " -\t\n")


def well_formed(code: str, length: int) -> bool:
    return len(code) == length and set(code) <= _ALLOWED


def digest(secret: str) -> str:
    """Secrets here are long and random, so a plain sha256 is enough to store them."""
    return hashlib.sha256(secret.encode()).hexdigest()
