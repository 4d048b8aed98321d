"""EXIF time strings and their reading in the neighbourhood's timezone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfoNotFoundError

import pytest

from koppelkiek.uploads import to_utc
from koppelkiek.uploads.taken_at import parse_exif_datetime

AMS = "Europe/Amsterdam"


@pytest.mark.parametrize(
    ("text", "offset", "expected"),
    [
        ("2008:10:22 16:28:39", None, datetime(2008, 10, 22, 16, 28, 39)),
        ("2008:10:22 16:28:39\x00", "", datetime(2008, 10, 22, 16, 28, 39)),
        (" 2008-10-22T16:28:39 ", None, datetime(2008, 10, 22, 16, 28, 39)),
        (
            "2022:02:16 12:55:41",
            "+01:00",
            datetime(2022, 2, 16, 12, 55, 41, tzinfo=timezone(timedelta(hours=1))),
        ),
        (
            "2022:02:16 12:55:41",
            "-05:30",
            datetime(2022, 2, 16, 12, 55, 41, tzinfo=timezone(-timedelta(hours=5, minutes=30))),
        ),
        ("2022:02:16 12:55:41", "+99:00", datetime(2022, 2, 16, 12, 55, 41)),  # odd offset
        ("2022:02:16 12:55:41", "   :  ", datetime(2022, 2, 16, 12, 55, 41)),
        ("0000:00:00 00:00:00", None, None),
        ("2008:13:40 25:61:61", None, None),
        ("    :  :     :  :  ", None, None),
        ("", None, None),
        (None, "+01:00", None),
        ("yesterday", None, None),
    ],
)
def test_parse_exif_datetime(text: str | None, offset: str | None, expected: object) -> None:
    assert parse_exif_datetime(text, offset) == expected


@pytest.mark.parametrize(
    ("taken_at", "tz_name", "expected_utc"),
    [
        (None, AMS, None),
        # Naive wall time in winter (CET, +01:00) and summer (CEST, +02:00).
        (datetime(2024, 1, 15, 12, 0), AMS, datetime(2024, 1, 15, 11, 0, tzinfo=UTC)),
        (datetime(2024, 7, 15, 12, 0), AMS, datetime(2024, 7, 15, 10, 0, tzinfo=UTC)),
        # Around the spring-forward change, 31 March 2024 02:00 -> 03:00 local.
        (datetime(2024, 3, 31, 1, 59), AMS, datetime(2024, 3, 31, 0, 59, tzinfo=UTC)),
        (datetime(2024, 3, 31, 3, 0), AMS, datetime(2024, 3, 31, 1, 0, tzinfo=UTC)),
        # The repeated hour on 27 October 2024: fold=0 means the first (summer-time) pass.
        (datetime(2024, 10, 27, 2, 30), AMS, datetime(2024, 10, 27, 0, 30, tzinfo=UTC)),
        (datetime(2024, 10, 27, 2, 30, fold=1), AMS, datetime(2024, 10, 27, 1, 30, tzinfo=UTC)),
        # The Arezzo photos, read in Rome time (CEST in October 2008).
        (
            datetime(2008, 10, 22, 16, 28, 39),
            "Europe/Rome",
            datetime(2008, 10, 22, 14, 28, 39, tzinfo=UTC),
        ),
        # An aware time keeps its own offset, whatever the neighbourhood's zone.
        (
            datetime(2022, 2, 16, 12, 55, 41, tzinfo=timezone(timedelta(hours=1))),
            "America/New_York",
            datetime(2022, 2, 16, 11, 55, 41, tzinfo=UTC),
        ),
        (
            datetime(2024, 6, 1, 8, 0, tzinfo=timezone(-timedelta(hours=7))),
            AMS,
            datetime(2024, 6, 1, 15, 0, tzinfo=UTC),
        ),
    ],
)
def test_to_utc(taken_at: datetime | None, tz_name: str, expected_utc: datetime | None) -> None:
    result = to_utc(taken_at, tz_name)
    assert result == expected_utc
    if result is not None:
        assert result.utcoffset() == timedelta(0)


def test_gps_photo_times_in_utc_agree_with_their_gps_clock() -> None:
    # DSCN0010: DateTimeOriginal 16:28:39 local; its GPS clock says 14:27:07 UTC
    # (camera clock ~1.5 min fast; its GPSDate field says the 23rd, which we ignore),
    # so Rome time is the right reading.
    utc = to_utc(datetime(2008, 10, 22, 16, 28, 39), "Europe/Rome")
    assert utc is not None
    gps_utc = datetime(2008, 10, 22, 14, 27, 7, 240000, tzinfo=UTC)
    assert abs(utc - gps_utc) < timedelta(minutes=2)


def test_unknown_timezone_is_a_configuration_error() -> None:
    with pytest.raises(ZoneInfoNotFoundError):
        to_utc(datetime(2024, 1, 1), "Mars/Olympus_Mons")
