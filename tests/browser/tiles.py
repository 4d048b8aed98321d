"""A map tile server for the browser tests: one light PNG for every `/{z}/{x}/{y}.png`, and the
list of tiles asked for. The console's maps use it instead of OpenStreetMap's, so no test
reaches the internet."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from PIL import Image, ImageDraw

from tests.live_server import free_port

TILE_PORTS = range(9900, 10000)


def _tile() -> bytes:
    image = Image.new("RGB", (256, 256), (236, 240, 232))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 255, 255), outline=(200, 206, 196))  # the tile grid, as streets
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@dataclass
class TileServer:
    url: str
    asked: list[str] = field(default_factory=list)

    @property
    def template(self) -> str:
        return self.url + "/{z}/{x}/{y}.png"


@contextmanager
def tile_server() -> Iterator[TileServer]:
    port = free_port(TILE_PORTS)
    found = TileServer(url=f"http://127.0.0.1:{port}")
    body = _tile()

    class Tiles(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            found.asked.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", port), Tiles)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield found
    finally:
        httpd.shutdown()
        httpd.server_close()
