"""The web of meetings (game/web.py): who is in it, which links carry names, its figures, its
longest chain (checked against a walk from every neighbour) and the changes a screen is sent."""

from __future__ import annotations

import json
import random
from collections import deque
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from koppelkiek.db import upgrade
from koppelkiek.game.care import erase
from koppelkiek.game.models import Meeting, Photo, Player, Round
from koppelkiek.game.moderation import decide
from koppelkiek.game.neighbourhoods import create_neighbourhood
from koppelkiek.game.photos import record_photo, set_consent
from koppelkiek.game.players import join
from koppelkiek.game.rounds import RoundSpec, change_state, create_round
from koppelkiek.game.web import (
    Figures,
    Link,
    MeetingWeb,
    Neighbour,
    figures_of,
    longest_chain,
    meeting_web,
    web_changes,
)
from koppelkiek.uploads import Position
from tests.helpers import fake_intake
from tests.live_server import HOOGRAVEN

T0 = datetime(2026, 6, 13, 13, 0, tzinfo=UTC)
INSIDE = Position(52.0760, 5.1240, 10.0)


def walked(links: tuple[Link, ...]) -> int:
    """The diameter the slow way: a breadth-first walk from every neighbour."""
    around: dict[int, list[int]] = {}
    for link in links:
        around.setdefault(link.a, []).append(link.b)
        around.setdefault(link.b, []).append(link.a)
    longest = 0
    for start in around:
        far = {start: 0}
        queue = deque([start])
        while queue:
            here = queue.popleft()
            for there in around[here]:
                if there not in far:
                    far[there] = far[here] + 1
                    queue.append(there)
        longest = max(longest, *far.values())
    return longest


def links_of(pairs: list[tuple[int, int]]) -> tuple[Link, ...]:
    unique = sorted({(min(a, b), max(a, b)) for a, b in pairs if a != b})
    return tuple(Link(a, b, 1, None) for a, b in unique)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)), max_size=80))
def test_the_longest_chain_is_the_longest_shortest_chain(pairs: list[tuple[int, int]]) -> None:
    links = links_of(pairs)
    assert longest_chain(links) == walked(links)


@pytest.mark.parametrize("seed", range(5))
def test_the_longest_chain_of_a_large_sparse_web(seed: int) -> None:
    chosen = random.Random(seed)
    links = links_of([(chosen.randrange(400), chosen.randrange(400)) for _ in range(600)])
    assert longest_chain(links) == walked(links)


def test_known_chains() -> None:
    assert longest_chain(()) == 0
    assert longest_chain(links_of([(1, 2)])) == 1
    assert longest_chain(links_of([(1, 2), (2, 3), (3, 4)])) == 3  # Ann, Bob, Cas, Dirk
    assert longest_chain(links_of([(1, 2), (2, 3), (3, 1)])) == 1  # a triangle
    # Two separate groups: the longer chain of the two.
    assert longest_chain(links_of([(1, 2), (10, 11), (11, 12), (12, 13), (13, 14)])) == 4


def test_figures_count_neighbours_meetings_and_pairs_across_streets() -> None:
    teams: dict[int, str | None] = {1: "Kerkstraat", 2: "Kerkstraat", 3: "Molenweg", 4: None}
    links = (Link(1, 2, 2, None), Link(2, 3, 1, None), Link(3, 4, 1, None))
    # The pair with someone of no street counts in neither share.
    assert figures_of(teams, links) == Figures(4, 4, 0.5, 3)
    assert figures_of(teams, ()) == Figures(4, 0, None, 0)


def test_changes_tell_what_is_new_changed_and_gone() -> None:
    figures = Figures(3, 1, 0.0, 1)
    before = MeetingWeb((Neighbour(1, "A"), Neighbour(2, "A"), Neighbour(3, "B")),
                        (Link(1, 2, 1, None),), figures)
    assert web_changes(before, before) is None
    after = MeetingWeb((Neighbour(1, "A"), Neighbour(3, "B"), Neighbour(4, None)),
                       (Link(1, 3, 1, ("Ann", "Cas")),), Figures(3, 1, 1.0, 1))
    assert web_changes(before, after) == {
        "nodes": [{"id": 4, "team": None}], "gone": [2],
        "links": [{"a": 1, "b": 3, "meetings": 1, "names": ["Ann", "Cas"]}],
        "unlinked": [[1, 2]], "figures": {"neighbours": 3, "meetings": 1,
                                          "across_streets": 1.0, "longest_chain": 1},
        "totals": {"nodes": 3, "links": 1}}


@pytest.fixture
def session(tmp_path):  # type: ignore[no-untyped-def]
    engine = create_engine(f"sqlite:///{tmp_path / 'web.sqlite'}")
    upgrade(engine)
    with Session(engine) as s:
        yield s
    engine.dispose()


def photo_of(s: Session, rnd: Round, a: Player, b: Player, n: int) -> int:
    now = T0 + timedelta(minutes=n)
    meeting = Meeting(round_id=rnd.id, player_a_id=a.id, player_b_id=b.id, met_at=now,
                      photo_due_by=now + timedelta(minutes=15))
    s.add(meeting)
    s.flush()
    return record_photo(s, b, meeting, fake_intake(n), INSIDE, now).photo.id


def test_the_web_of_a_round(session: Session) -> None:
    s = session
    hood = create_neighbourhood(s, name="Buurt", boundary=json.dumps(HOOGRAVEN), now=T0)
    rnd = create_round(s, hood, RoundSpec("R", T0 - timedelta(hours=1),
                                          T0 + timedelta(hours=5)), T0, {"max_repeats": 5})
    change_state(s, rnd, "start", T0)
    ann, bob, cas, dirk = (join(s, rnd, display_name=name, team=team, now=T0).player
                           for name, team in (("Ann", "Kerkstraat"), ("Bob", "Kerkstraat"),
                                              ("Cas", "Molenweg"), ("Dirk", None)))
    first = photo_of(s, rnd, ann, bob, 1)
    photo_of(s, rnd, bob, ann, 2)  # the same pair again: one link, two meetings
    shown = photo_of(s, rnd, bob, cas, 3)
    rejected = photo_of(s, rnd, cas, dirk, 4)
    set_consent(s, bob, shown, True, T0)
    set_consent(s, cas, shown, True, T0)
    set_consent(s, ann, first, True, T0)  # only one of the two: no names
    assert meeting_web(s, rnd.id).links[-1].b == dirk.id
    decide(s, s.get_one(Photo, rejected), "reject", T0)  # its link goes

    web = meeting_web(s, rnd.id)
    assert [n.id for n in web.neighbours] == [ann.id, bob.id, cas.id, dirk.id]
    assert web.links == (Link(ann.id, bob.id, 2, None),
                         Link(bob.id, cas.id, 1, ("Bob", "Cas")))
    assert web.figures == Figures(4, 3, 0.5, 2)

    # A later web with the same pairs keeps the longest chain it was given; other pairs don't.
    assert meeting_web(s, rnd.id, MeetingWeb((), web.links, Figures(0, 0, None, 7))
                       ).figures.longest_chain == 7
    assert meeting_web(s, rnd.id, MeetingWeb((), web.links[:1], Figures(0, 0, None, 7))
                       ).figures.longest_chain == 2

    erase(s, cas, T0)  # Cas leaves the web, and his name with him
    web = meeting_web(s, rnd.id)
    assert [n.id for n in web.neighbours] == [ann.id, bob.id, dirk.id]
    assert web.links == (Link(ann.id, bob.id, 2, None),)
    assert "Cas" not in json.dumps(web.as_json())
