"""What a request sends, parsed in one place: the body, its text, yes/no and number fields,
and positions. A value that cannot be read is refused with the field's own code."""

from __future__ import annotations

import math
from typing import Any

from flask import request

from koppelkiek.errors import Refusal
from koppelkiek.game.pairing import Fix, fix_from
from koppelkiek.uploads import Position

YES = ("1", "true", "yes", "on")


def body() -> dict[str, Any]:
    """The JSON object sent, or the form fields; anything else is a 400."""
    if request.is_json:
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            raise Refusal("invalid_json")
        return data
    return request.form.to_dict()


def text_field(data: dict[str, Any], name: str, required: bool = True) -> str | None:
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise Refusal("field_invalid", field=name)
        return None
    if not isinstance(value, str):
        raise Refusal("field_invalid", field=name)
    return value


def yes_no_field(data: dict[str, Any], name: str) -> bool:
    """A JSON true/false, or a form's "true"/"false"/"1"/"0"."""
    value = data.get(name)
    if isinstance(value, str) and value in ("true", "false", "1", "0"):
        value = value in ("true", "1")
    if not isinstance(value, bool):
        raise Refusal("field_invalid", field=name)
    return value


def yes(value: str | None) -> bool:
    """A query switch such as ?locations=1: anything but a clear yes is no."""
    return (value or "").strip().lower() in YES


def number(text: str | None, code: str, **params: object) -> float:
    """A number as typed, with a decimal comma or point; else the field's own refusal."""
    try:
        value = float((text or "").strip().replace(",", "."))
    except ValueError:
        raise Refusal(code, **params) from None
    if not math.isfinite(value):
        raise Refusal(code, **params)
    return value


def fix(data: dict[str, Any]) -> Fix | None:
    """The phone's position with its accuracy, if it sent one (the game checks it)."""
    return fix_from(data.get("lat"), data.get("lon"), data.get("accuracy"))


def query_position() -> tuple[float, float] | None:
    """The `lat` and `lon` query parameters: both or neither, and on the globe."""
    lat, lon = request.args.get("lat"), request.args.get("lon")
    if lat is None and lon is None:
        return None
    values = []
    for name, text, limit in (("lat", lat, 90.0), ("lon", lon, 180.0)):
        try:
            value = float(text or "")
        except ValueError:
            raise Refusal("field_invalid", field=name) from None
        if not (math.isfinite(value) and -limit <= value <= limit):
            raise Refusal("field_invalid", field=name)
        values.append(value)
    return values[0], values[1]


def browser_position() -> Position | None:
    """The position a photo upload's form sent with it; none when it sent none or nonsense
    (the photo's own EXIF may still place it)."""
    try:
        lat, lon = float(request.form["lat"]), float(request.form["lon"])
        accuracy = float(request.form["accuracy"]) if request.form.get("accuracy") else None
    except (KeyError, ValueError):
        return None
    return Position(lat, lon, accuracy)
