"""Refusals of the game, each with a stable code; the web layer maps them to HTTP and text."""

from __future__ import annotations


class GameError(Exception):
    """A rule of the game said no. `code` is stable and part of the API."""

    status = 400

    def __init__(self, code: str, status: int | None = None, **params: object) -> None:
        super().__init__(code)
        self.code = code
        if status is not None:
            self.status = status
        self.params = params


def refuse(code: str, status: int, **params: object) -> GameError:
    return GameError(code, status, **params)
