"""The client's real address, scheme and host when proxies stand in front.

Behind nginx every request comes from 127.0.0.1, and per-address limits would count the
whole neighbourhood as one client. With KOPPELKIEK_TRUSTED_PROXIES=N, werkzeug's ProxyFix
takes the address, scheme and host from the last N X-Forwarded-* entries (the ones our own
proxies wrote; anything further left came from the client and could be made up).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.middleware.proxy_fix import ProxyFix

log = logging.getLogger("koppelkiek")

FORWARDED = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST",
             "HTTP_FORWARDED")

Wsgi = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class UntrustedForwarding:
    """Without trusted proxies: say once that forwarded headers arrive and are ignored."""

    def __init__(self, app: Wsgi) -> None:
        self.app = app
        self.warned = False

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if not self.warned and any(name in environ for name in FORWARDED):
            self.warned = True
            log.warning("Forwarded headers arrive but KOPPELKIEK_TRUSTED_PROXIES is 0: every "
                        "client counts as the proxy's address %s. Set it to the number of "
                        "proxies in front.", environ.get("REMOTE_ADDR"))
        return self.app(environ, start_response)


def behind_proxies(app: Wsgi, trusted: int) -> Wsgi:
    if trusted > 0:
        return ProxyFix(app, x_for=trusted, x_proto=trusted, x_host=trusted)  # type: ignore[arg-type]
    return UntrustedForwarding(app)
