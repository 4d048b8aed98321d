"""Static files for phones: compressed, at content-hashed URLs, cached for good.

`url_for('static', filename='player.js')` gives `/static/player.<hash>.js`; WhiteNoise serves
that name with `Cache-Control: immutable`, so a phone on 3G fetches each version once. The
gzip and brotli copies are made at build time (`make assets`, `python -m whitenoise.compress`)
and served to clients that accept them. A copy older than its file (edited since the build)
is not used: the file then goes out uncompressed rather than stale.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Any
from wsgiref.headers import Headers

from flask import Flask
from whitenoise import WhiteNoise
from whitenoise.responders import StaticFile

HASHED = re.compile(r"\.[0-9a-f]{12}\.[A-Za-z0-9]+$")
COMPRESSED = {"br": ".br", "gzip": ".gz"}


def hashed_name(relative: str, content: bytes) -> str:
    digest = hashlib.sha256(content).hexdigest()[:12]
    stem, dot, suffix = relative.rpartition(".")
    return f"{stem}.{digest}.{suffix}" if dot else f"{relative}.{digest}"


class Assets(WhiteNoise):  # type: ignore[misc]
    def get_static_file(self, path: str, url: str, stat_cache: Any = None) -> StaticFile:
        """WhiteNoise's own, but with only the compressed copies made from this version."""
        headers = Headers([])
        self.add_mime_headers(headers, path, url)
        self.add_cache_headers(headers, path, url)
        mtime = os.stat(path).st_mtime
        fresh = {encoding: path + suffix for encoding, suffix in COMPRESSED.items()
                 if os.path.exists(path + suffix) and os.stat(path + suffix).st_mtime >= mtime}
        return StaticFile(path, headers.items(), encodings=fresh)


def init_app(app: Flask) -> None:
    folder = Path(app.static_folder or "")
    prefix = (app.static_url_path or "/static").rstrip("/") + "/"
    assets = Assets(app.wsgi_app, immutable_file_test=HASHED.pattern)
    names: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.suffix in (".gz", ".br"):
            continue
        relative = path.relative_to(folder).as_posix()
        names[relative] = hashed_name(relative, path.read_bytes())
        assets.add_file_to_dictionary(prefix + relative, str(path))
        assets.add_file_to_dictionary(prefix + names[relative], str(path))

    def hashed_url(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and values.get("filename") in names:
            values["filename"] = names[values["filename"]]

    app.url_defaults(hashed_url)
    app.wsgi_app = assets  # type: ignore[method-assign]
