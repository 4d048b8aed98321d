"""The `koppelkiek` console script."""

from __future__ import annotations

import sys


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        # gevent must patch the standard library before anything opens a socket or a thread.
        from gevent import monkey

        monkey.patch_all()
    from koppelkiek.commands import cli

    cli(prog_name="koppelkiek")


if __name__ == "__main__":
    main()
