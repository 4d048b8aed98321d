"""The web of meetings: the neighbours of a round as nodes, the pairs who met as links.

A meeting counts once its photo is accepted, as it does for points: the web grows with the
same seq as the standings (`photo_scored`), and a photo rejected later takes its link away.

What the afternoon builds, for the big screen and the album. Names belong to a link only when
the pair has a photo on the public wall (both agreed, moderation allows it); every other link is
drawn without names. Erased players are not in the web at all.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from koppelkiek.game.models import Meeting, Participation, Photo, Player
from koppelkiek.game.values import PhotoStatus

Pause = Callable[[], None] | None  # called between two walks of a long computation

@dataclass(frozen=True, slots=True)
class Neighbour:
    id: int
    team: str | None  # the street: nodes are coloured by it

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "team": self.team}


@dataclass(frozen=True, slots=True)
class Link:
    a: int  # the lower player id of the pair, so a pair is one link however often it met
    b: int
    meetings: int
    names: tuple[str, str] | None  # only with a photo both agreed to show

    def as_json(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "meetings": self.meetings,
                "names": list(self.names) if self.names else None}


@dataclass(frozen=True, slots=True)
class Figures:
    neighbours: int  # players taking part
    meetings: int
    across_streets: float | None  # share of pairs from two different streets; None: no pairs yet
    longest_chain: int  # links in the longest chain of introductions (see longest_chain)

    def as_json(self) -> dict[str, Any]:
        return {"neighbours": self.neighbours, "meetings": self.meetings,
                "across_streets": self.across_streets, "longest_chain": self.longest_chain}


@dataclass(frozen=True, slots=True)
class MeetingWeb:
    neighbours: tuple[Neighbour, ...]
    links: tuple[Link, ...]
    figures: Figures

    def as_json(self) -> dict[str, Any]:
        return {"nodes": [n.as_json() for n in self.neighbours],
                "links": [link.as_json() for link in self.links],
                "figures": self.figures.as_json()}


def web_changes(before: MeetingWeb, after: MeetingWeb) -> dict[str, Any] | None:
    """What a screen that shows `before` needs to show `after`; None when nothing changed.

    Nodes and links that are new or changed come whole, those gone by their key; the figures
    come whole, and the totals let a screen check that it holds the same web (else it asks
    for a snapshot)."""
    was_nodes = {n.id: n for n in before.neighbours}
    now_nodes = {n.id: n for n in after.neighbours}
    was_links = {(link.a, link.b): link for link in before.links}
    now_links = {(link.a, link.b): link for link in after.links}
    nodes = [n.as_json() for pid, n in now_nodes.items() if was_nodes.get(pid) != n]
    gone = [pid for pid in was_nodes if pid not in now_nodes]
    links = [link.as_json() for key, link in now_links.items() if was_links.get(key) != link]
    unlinked = [list(key) for key in was_links if key not in now_links]
    if not (nodes or gone or links or unlinked) and before.figures == after.figures:
        return None
    return {"nodes": nodes, "gone": gone, "links": links, "unlinked": unlinked,
            "figures": after.figures.as_json(),
            "totals": {"nodes": len(now_nodes), "links": len(now_links)}}


def _pair(x: int, y: int) -> tuple[int, int]:
    return (x, y) if x < y else (y, x)


def meeting_web(session: Session, round_id: int, before: MeetingWeb | None = None,
                pause: Pause = None) -> MeetingWeb:
    """The whole web of one round, in three queries whatever its size. `before`: an earlier web
    of the round; when the same pairs are linked (a join, a consent, a repeat meeting), its
    longest chain still holds and is not walked again. `pause`: see longest_chain."""
    people = dict(session.execute(
        select(Player.id, Player.team)
        .join(Participation, Participation.player_id == Player.id)
        .where(Participation.round_id == round_id, Player.erased_at.is_(None))
        .order_by(Player.id)).all())
    counts: dict[tuple[int, int], int] = {}
    for a_id, b_id in session.execute(
            select(Meeting.player_a_id, Meeting.player_b_id)
            .join(Photo, Photo.meeting_id == Meeting.id)
            .where(Meeting.round_id == round_id, Photo.status == PhotoStatus.ACCEPTED)):
        if a_id in people and b_id in people:
            key = _pair(a_id, b_id)
            counts[key] = counts.get(key, 0) + 1
    a, b = aliased(Player), aliased(Player)
    names: dict[tuple[int, int], tuple[str, str]] = {}
    for a_id, b_id, a_name, b_name in session.execute(
            select(a.id, b.id, a.display_name, b.display_name)
            .select_from(Photo).join(Meeting, Meeting.id == Photo.meeting_id)
            .join(a, a.id == Meeting.player_a_id).join(b, b.id == Meeting.player_b_id)
            .where(Photo.round_id == round_id, Photo.on_wall)):
        key = _pair(a_id, b_id)
        names[key] = (a_name, b_name) if a_id < b_id else (b_name, a_name)
    links = tuple(Link(x, y, n, names.get((x, y))) for (x, y), n in sorted(counts.items()))
    neighbours = tuple(Neighbour(pid, team) for pid, team in people.items())
    same_pairs = before is not None and [(x.a, x.b) for x in before.links] == [
        (x.a, x.b) for x in links]
    chain = before.figures.longest_chain if before is not None and same_pairs else None
    return MeetingWeb(neighbours, links, figures_of(people, links, chain, pause))


def figures_of(teams: dict[int, str | None], links: tuple[Link, ...],
               chain: int | None = None, pause: Pause = None) -> Figures:
    """`chain`: the longest chain when it is known already."""
    across = [teams[link.a] != teams[link.b] for link in links
              if teams[link.a] is not None and teams[link.b] is not None]
    return Figures(
        neighbours=len(teams),
        meetings=sum(link.meetings for link in links),
        across_streets=round(sum(across) / len(across), 3) if across else None,
        longest_chain=longest_chain(links, pause) if chain is None else chain,
    )


def longest_chain(links: tuple[Link, ...], pause: Pause = None) -> int:
    """The longest of the shortest chains between two neighbours (the web's diameter), in links.

    "Ann met Bob, who met Cas, who met Dirk" is a chain of 3: how far an introduction now
    travels. Exact, by Takes and Kosters' bounding of eccentricities (2011): a walk from every
    neighbour would cost O(n * links), a few hundred milliseconds at 1,000 players; bounding
    needs only a handful of walks on a web like this one. Callers still cache it per seq.
    `pause` is called between two walks: a server lets its other work run there.
    """
    around: dict[int, list[int]] = {}
    for link in links:
        around.setdefault(link.a, []).append(link.b)
        around.setdefault(link.b, []).append(link.a)
    longest = 0
    seen: set[int] = set()
    for start in around:
        if start not in seen:
            part = set(_distances(around, start))
            seen |= part
            longest = max(longest, _diameter(around, part, pause))
    return longest


def _distances(around: dict[int, list[int]], start: int) -> dict[int, int]:
    far = {start: 0}
    queue = deque([start])
    while queue:
        here = queue.popleft()
        for there in around[here]:
            if there not in far:
                far[there] = far[here] + 1
                queue.append(there)
    return far


def _diameter(around: dict[int, list[int]], part: set[int], pause: Pause = None) -> int:
    """The diameter of one connected part. Each walk bounds every neighbour's eccentricity
    (low, high); the answer lies between the largest low and the largest high, and a neighbour
    that can move neither any more is not walked from."""
    low = dict.fromkeys(part, 0)
    high = dict.fromkeys(part, len(part) - 1)
    best_low, best_high = 0, len(part) - 1
    candidates = set(part)
    pick_high = True
    while candidates and best_low < best_high:
        start = (max(candidates, key=lambda v: (high[v], -v)) if pick_high
                 else min(candidates, key=lambda v: (low[v], v)))
        pick_high = not pick_high
        if pause is not None:
            pause()
        far = _distances(around, start)
        ecc = max(far.values())
        for v in part:
            low[v] = max(low[v], far[v], ecc - far[v])
            high[v] = min(high[v], ecc + far[v])
        best_low = max(low.values())
        best_high = min(best_high, 2 * ecc, max(high.values()))
        candidates = {v for v in candidates if low[v] < high[v]
                      and not (high[v] <= best_low and 2 * low[v] >= best_high)}
    return best_low
