"""Configuration: KOPPELKIEK_* environment variables over instance-folder defaults."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

PREFIX = "KOPPELKIEK_"
# OpenStreetMap's public tiles; its tile usage policy asks for this credit on the map.
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = ('&copy; <a href="https://www.openstreetmap.org/copyright">'
                   "OpenStreetMap</a> contributors")

# name -> (default, type, what it is for). README lists these; a test keeps them in step.
SETTINGS: dict[str, tuple[Any, type, str]] = {
    "INSTANCE": ("./instance", str, "instance folder: database, secret key"),
    "DATABASE_URL": (None, str, "SQLAlchemy URL; default SQLite in the instance folder"),
    "MESSAGE_QUEUE": (None, str, "Redis URL shared by several server processes"),
    "PUBLIC_URL": (None, str, "public base URL for QR codes, e.g. https://kiek.example.nl"),
    "MAX_UPLOAD_MB": (20, int, "largest photo upload in MB"),
    "MAX_PIXELS": (60_000_000, int, "largest photo in pixels"),
    "RATELIMIT_STORAGE_URI": ("memory://", str, "Flask-Limiter storage, e.g. redis://..."),
    "ORGANISER_SESSION_HOURS": (12, int, "how long an organiser stays logged in"),
    "PLAYER_COOKIE_DAYS": (400, int, "how long a phone stays joined"),
    "SECURE_COOKIES": (False, bool, "send cookies only over HTTPS (set behind TLS)"),
    "LOG_LEVEL": ("INFO", str, "logging level"),
    "DB_POOL_SIZE": (None, int, "connections kept open per process (SQLite 20, else 10)"),
    "DB_POOL_OVERFLOW": (None, int, "extra connections per process (SQLite 40, else 20)"),
    "DB_POOL_WAIT_SECONDS": (2.0, float, "wait for a free connection, then answer 503 busy"),
    "UPLOAD_WINDOW_SECONDS": (30.0, float, "a body must bring UPLOAD_MIN_BYTES in every window"),
    "UPLOAD_MIN_BYTES": (16384, int, "bytes a body must bring in every window, or 408"),
    "UPLOAD_SECONDS": (180.0, float, "a body must be complete within this, or 408"),
    "PHOTO_RATE_LIMIT": ("12 per minute;100 per hour", str,
                         "photo attempts per player (refusals count too)"),
    "PHOTO_WORKERS": (None, int, "intake processes per server process (default: cores - 1, >= 1)"),
    "PHOTO_QUEUE": (16, int, "photos that may wait for an intake worker, then 503 busy"),
    "PHOTO_WAIT_SECONDS": (2.0, float, "longest expected wait for an intake worker, then 503 busy"),
    "PHOTO_JOB_SECONDS": (15.0, float, "CPU seconds of one intake job, then 422 image_too_complex"),
    "TRUSTED_PROXIES": (0, int, "how many proxies (nginx, Caddy) stand in front; 0 = none"),
    "METRICS_TOKEN": (None, str, "bearer token for /metrics from elsewhere than localhost"),
    "MAP_TILES": (OSM_TILES, str, "tile URL template for the console's maps; empty: outline only"),
    "MAP_ATTRIBUTION": (OSM_ATTRIBUTION, str, "credit shown on the console's maps (HTML)"),
}
# Settings where an empty value means "none" rather than "the default".
EMPTY_MEANS_NONE = ("MAP_TILES",)


def _convert(raw: str, kind: type) -> Any:
    if kind is bool:
        return raw.strip().lower() in ("1", "true", "yes", "on")
    return kind(raw)


def instance_path(config: dict[str, Any] | None = None) -> Path:
    raw = (config or {}).get("INSTANCE") or os.environ.get(PREFIX + "INSTANCE") or "./instance"
    return Path(raw).resolve()


def secret_key(instance: Path) -> str:
    """Generated once, readable only by us."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path.read_text().strip()


def load(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    overrides = dict(overrides or {})
    config: dict[str, Any] = {}
    for name, (default, kind, _) in SETTINGS.items():
        raw = os.environ.get(PREFIX + name)
        config[name] = _convert(raw, kind) if raw not in (None, "") else default
        if raw == "" and name in EMPTY_MEANS_NONE:
            config[name] = ""
    config.update(overrides)
    instance = instance_path(config)
    config["INSTANCE"] = str(instance)
    if not config.get("DATABASE_URL"):
        config["DATABASE_URL"] = f"sqlite:///{instance / 'koppelkiek.db'}"
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = secret_key(instance)
    config["MAX_CONTENT_LENGTH"] = int(config["MAX_UPLOAD_MB"]) * 1024 * 1024 + 64 * 1024
    config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    config.setdefault("BABEL_DEFAULT_LOCALE", "nl")
    config.setdefault("RATELIMIT_STORAGE_URI", config["RATELIMIT_STORAGE_URI"])
    # Threads unless a gevent server asks for gevent (`koppelkiek serve`, koppelkiek.wsgi).
    config.setdefault("SOCKETIO_ASYNC_MODE", "threading")
    config["SESSION_COOKIE_SAMESITE"] = "Lax"
    config["SESSION_COOKIE_SECURE"] = bool(config["SECURE_COOKIES"])
    return config
