"""Koppelkiek: the web layer. `create_app` is the only way in; nothing happens at import."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(config: dict[str, Any] | None = None) -> Flask:
    # Imported here so `koppelkiek serve` can monkey-patch for gevent before Flask loads.
    from koppelkiek.app import build_app

    return build_app(config)


__all__ = ["create_app"]
