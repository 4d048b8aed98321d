"""Fuzzing: mutated real JPEG bytes never make the intake raise anything but IntakeError.

2,000+ examples when CI=true, 200 locally. Times are not asserted (project rule); a hang
would show as a stuck run.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from koppelkiek.uploads import IntakeError, take_in
from tests.helpers import PHOTOS

EXAMPLES = 2_500 if os.environ.get("CI") == "true" else 200

BASES = [
    (PHOTOS / "jpg/gps/DSCN0010.jpg").read_bytes(),  # Nikon EXIF, GPS, thumbnail
    (PHOTOS / "jpg/orientation/portrait_6.jpg").read_bytes(),  # Orientation 6, ICC
    (PHOTOS / "jpg/xmp/no_exif.jpg").read_bytes(),  # XMP, ICC, no EXIF
]

# Most of the structure (markers, EXIF, tables, SOF) sits in the first few KB.
HEADER = 24_000

mutation = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, HEADER), st.integers(1, 255)),
    st.tuples(st.just("flip_anywhere"), st.floats(0, 1), st.integers(1, 255)),
    st.tuples(st.just("overwrite"), st.integers(0, HEADER), st.binary(min_size=1, max_size=64)),
    st.tuples(st.just("insert"), st.integers(2, HEADER), st.binary(min_size=1, max_size=512)),
    st.tuples(st.just("delete"), st.integers(2, HEADER), st.integers(1, 512)),
    st.tuples(st.just("truncate"), st.floats(0, 1), st.just(0)),
    st.tuples(
        st.just("marker"),
        st.integers(2, HEADER),
        st.sampled_from([b"\xff\xd8", b"\xff\xd9", b"\xff\xda", b"\xff\xc0", b"\xff\xe1\xff\xff"]),
    ),
)


def mutate(data: bytes, steps: list[tuple[str, object, object]]) -> bytes:
    buf = bytearray(data)
    for op, where, what in steps:
        if not buf:
            break
        at = int(where * (len(buf) - 1)) if isinstance(where, float) else min(where, len(buf))
        if op in ("flip", "flip_anywhere") and at < len(buf):
            buf[at] ^= what  # type: ignore[operator]
        elif op in ("overwrite", "marker"):
            buf[at : at + len(what)] = what  # type: ignore[arg-type]
        elif op == "insert":
            buf[at:at] = what  # type: ignore[index]
        elif op == "delete":
            del buf[at : at + what]  # type: ignore[operator]
        elif op == "truncate":
            del buf[max(3, at) :]
    return bytes(buf)


@pytest.mark.slow
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(base=st.sampled_from(range(len(BASES))), steps=st.lists(mutation, min_size=1, max_size=6))
def test_mutated_jpegs_raise_only_intake_errors(
    base: int, steps: list[tuple[str, object, object]]
) -> None:
    data = mutate(BASES[base], steps)
    try:
        result = take_in(data)
    except IntakeError as exc:
        assert exc.code in {
            "unsupported_type",
            "image_too_large",
            "image_broken",
            "image_too_small",
        }
        return
    assert max(result.images.display_size) <= 1600
    assert b"Exif" not in result.images.display
