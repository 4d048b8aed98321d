"""The darkroom's waiting line tells a phone when to come back (issue 10's backpressure).

The live behaviour (busy answers, retries accepted, workers killed or replaced) is in
test_intake_live.py; here the arithmetic of the pace and the Retry-After, on a real worker.
"""

from __future__ import annotations

import io

import pytest

from koppelkiek import darkroom as dr
from koppelkiek.darkroom import Darkroom, Job
from tests.live_server import phone_photo


def test_the_pace_follows_the_jobs_and_an_idle_darkroom_has_no_wait() -> None:
    room = Darkroom(1)
    try:
        assert room.expected_wait() == 0.0
        room.pace = 1000.0  # far from any real job
        room.develop(Job(io.BytesIO(phone_photo(3)), owner=1, max_pixels=50_000_000))
        assert room.pace < 1000.0
        assert room.expected_wait() == 0.0
    finally:
        room.close()


def test_retry_after_spreads_the_phones_sent_away_over_the_time_they_need(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = [100.0]
    monkeypatch.setattr(dr.time, "monotonic", lambda: clock[0])
    room = Darkroom(1)
    room.pace = 0.5
    room._grant(owner=99)  # one photo being developed: the next one waits
    assert room.expected_wait() == 0.5
    waits = [room.busy(owner).params["retry_after"] for owner in range(1, 41)]
    assert waits[0] == 1 and waits[-1] == 20  # 40 phones at 0.5 s each, one worker
    assert waits == sorted(waits)
    assert room.busy(40).params["retry_after"] == 20  # asking again does not count twice
    clock[0] += dr.TURNED_AWAY_SECONDS + 1  # they have all come back or given up since
    assert room.busy(1).params["retry_after"] == 1
    for owner in range(1000):
        room.busy(owner)
    assert room.busy(1).params["retry_after"] == dr.RETRY_AFTER_MAX
