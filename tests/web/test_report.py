"""Issue 17, item 4: the neighbourhood report, for a known pair of rounds counted by hand.

Players, meetings and photos are made through the game's own use cases (photos with made-up
intake facts, as in tests/game/test_ledger.py): the report reads only whether a photo was
accepted, and this keeps 23 players and 15 meetings fast.

The two rounds of Hoograven ("E1" is the first player of Everstraat, and so on):

- Voorjaar, a month ago: Marijkeweg M1-M6, Everstraat E1-E5, Kerkstraat K1-K5, Hofje H1-H2,
  Steegje S1-S2, and N1 without a street (21). Accepted: E1-M1, E2-M2, E1-E2, H1-M3, S1-N1,
  M4-M5. Not counted: E3-M6 (no photo), M6-K1 (photo rejected).
- Zomerronde, now: E1-E5, M1, M2, H1 and new Z1-Z3 of Zandweg (Z3 erases their data after
  meeting E5). Accepted: E1-M1 twice, E3-M2, E4-E5, H1-Z1, E1-E2, E3-E5, Z3-E5 (erased).
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from koppelkiek.commands import cli
from koppelkiek.db import db
from koppelkiek.game.care import erase
from koppelkiek.game.models import AuditEntry, Meeting, Player, Round
from koppelkiek.game.moderation import decide
from koppelkiek.game.neighbourhoods import create_neighbourhood
from koppelkiek.game.organisers import create_organiser
from koppelkiek.game.photos import record_photo
from koppelkiek.game.players import enter_round, join
from koppelkiek.game.report import SMALL_STREET, street_groups
from koppelkiek.game.rounds import RoundSpec, change_state, create_round
from koppelkiek.report import shade
from koppelkiek.uploads import Position
from tests.helpers import HOOGRAVEN, ROOT, Clock, World, csrf_from, fake_intake

INSIDE = Position(52.0790, 5.1300, 10.0)
STREETS = {"M": "Marijkeweg", "E": "Everstraat", "K": "Kerkstraat", "H": "Hofje",
           "S": "Steegje", "N": None, "Z": "Zandweg"}
# Names no page, file or figure of the report may show (one per player, by tag).
NAMES = dict(zip(
    ["M1", "M2", "M3", "M4", "M5", "M6", "E1", "E2", "E3", "E4", "E5", "K1", "K2", "K3", "K4",
     "K5", "H1", "H2", "S1", "S2", "N1", "Z1", "Z2", "Z3"],
    ["Fatma", "Ömer", "Wilhelmina", "Bartholomeus", "Griselda", "Evertjan", "Marieke",
     "Yasmina", "Kwabena", "Priscilla", "Dragomir", "Lieselotte", "Henrietta", "Abdelkader",
     "Cornelisje", "Theodora", "Ruggero", "Svetlana", "Bonifatius", "Zeynep", "Hendrikus",
     "Ngozi", "Oluwaseun", "Radboud"], strict=True))


@dataclass
class Neighbourhood:
    world: World
    spring_id: int
    summer_id: int
    org: FlaskClient
    ids: dict[str, int] = field(default_factory=dict)


class Play:
    """One round's afternoon: meetings with photos, made at the round's own time."""

    def __init__(self, s: Any, rnd: Round, now: Any, photos: int) -> None:
        self.s, self.rnd, self.now, self.n = s, rnd, now, photos

    def meet(self, a: Player, b: Player, photo: str | None = "accepted") -> None:
        self.now += timedelta(minutes=1)
        meeting = Meeting(round_id=self.rnd.id, player_a_id=a.id, player_b_id=b.id,
                          met_at=self.now, photo_due_by=self.now + timedelta(minutes=15))
        self.s.add(meeting)
        self.s.flush()
        if photo is None:
            return
        self.n += 1
        made = record_photo(self.s, b, meeting, fake_intake(self.n), INSIDE, self.now).photo
        if photo == "rejected":
            decide(self.s, made, "reject", self.now, reason="not_a_meeting")


def two_rounds(app: Flask, clock: Clock) -> Neighbourhood:
    world = World(app, clock).seed()  # Zomerronde: live, started ten minutes ago
    now = clock()
    spring_at = now - timedelta(days=30)
    with db.sessions(app)() as s:
        summer = s.get(Round, world.round_id)
        assert summer is not None
        hood = summer.neighbourhood
        spring = create_round(s, hood, RoundSpec("Voorjaar", spring_at - timedelta(hours=1),
                                                 spring_at + timedelta(hours=3)), spring_at)
        change_state(s, spring, "start", spring_at)
        people: dict[str, Player] = {}

        def add(tag: str, rnd: Round, at: Any) -> None:
            if tag in people:
                enter_round(s, people[tag], rnd, at)
            else:
                people[tag] = join(s, rnd, display_name=NAMES[tag], team=STREETS[tag[0]],
                                   now=at).player

        for tag in ["M1", "M2", "M3", "M4", "M5", "M6", "E1", "E2", "E3", "E4", "E5", "K1",
                    "K2", "K3", "K4", "K5", "H1", "H2", "S1", "S2", "N1"]:
            add(tag, spring, spring_at)
        p = people
        play = Play(s, spring, spring_at, 0)
        for a, b in [("E1", "M1"), ("E2", "M2"), ("E1", "E2"), ("H1", "M3"), ("S1", "N1"),
                     ("M4", "M5")]:
            play.meet(p[a], p[b])
        play.meet(p["E3"], p["M6"], photo=None)
        play.meet(p["M6"], p["K1"], photo="rejected")
        change_state(s, spring, "end", play.now)

        for tag in ["E1", "E2", "E3", "E4", "E5", "M1", "M2", "H1", "Z1", "Z2", "Z3"]:
            add(tag, summer, now)
        play = Play(s, summer, now, play.n)
        for a, b in [("E1", "M1"), ("M1", "E1"), ("E3", "M2"), ("E4", "E5"), ("H1", "Z1"),
                     ("E2", "E1"), ("E3", "E5"), ("Z3", "E5")]:
            play.meet(p[a], p[b])
        erase(s, p["Z3"], play.now)
        s.commit()
        spring_id = spring.id
        ids = {tag: player.id for tag, player in p.items()}
    clock.now = now + timedelta(hours=1)
    return Neighbourhood(world, spring_id, world.round_id, world.organiser_client(), ids)


@pytest.fixture
def hood(app: Flask, clock: Clock) -> Neighbourhood:
    return two_rounds(app, clock)


def get_json(hood: Neighbourhood, path: str) -> dict[str, Any]:
    res = hood.org.get(path)
    assert res.status_code == 200, res.get_data(as_text=True)
    assert res.mimetype == "application/json"
    assert res.headers["Cache-Control"] == "private, no-store"
    return json.loads(res.get_data(as_text=True))


def get_csv(hood: Neighbourhood, path: str) -> dict[str, list[list[str]]]:
    res = hood.org.get(path)
    assert res.status_code == 200 and res.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(res.data)) as zf:
        assert sorted(zf.namelist()) == ["figures.csv", "matrix.csv", "rounds.csv",
                                         "streets.csv"]
        return {name.removesuffix(".csv"): list(csv.reader(io.StringIO(
            zf.read(name).decode("utf-8"), newline=""))) for name in zf.namelist()}


def round_url(hood: Neighbourhood, round_id: int, tail: str = "") -> str:
    return f"/organise/rounds/{round_id}/report{tail}"


def hood_url(hood: Neighbourhood, tail: str = "") -> str:
    return f"/organise/neighbourhoods/{hood.world.hood_slug}/report{tail}"


def figures(data: dict[str, Any]) -> tuple[Any, ...]:
    f = data["figures"]
    return (f["residents"], f["came_back"], f["meetings"], f["new_connections"],
            f["across_streets"], f["longest_chain"])


def streets(data: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [(s["street"], s["players"], s["meetings"], s["across"]) for s in data["streets"]]


def test_the_first_round_counted_by_hand(hood: Neighbourhood) -> None:
    data = get_json(hood, round_url(hood, hood.spring_id, ".json"))
    assert data["round"]["name"] == "Voorjaar" and data["small_street"] == SMALL_STREET == 5
    # 21 residents, nobody came back (the first round), 6 accepted meetings of 6 new pairs;
    # across: E1-M1, E2-M2, H1-M3 of the 5 pairs with two streets (S1-N1 has one): 3/5.
    # The longest chain: M1-E1-E2-M2, 3 links.
    assert figures(data) == (21, 0, 6, 6, 0.6, 3)
    # Hofje (2), Steegje (2) and N1 without a street: "other streets" (5).
    assert streets(data) == [("Marijkeweg", 6, 4, 3), ("Everstraat", 5, 3, 2),
                             ("Kerkstraat", 5, 0, 0), (None, 5, 2, 1)]
    assert data["matrix"] == {"streets": ["Marijkeweg", "Everstraat", "Kerkstraat", None],
                              "meetings": [[1, 2, 0, 1], [2, 1, 0, 0], [0, 0, 0, 0],
                                           [1, 0, 0, 1]]}
    assert data["met_no_one"] == ["Kerkstraat"]  # M6-K1's photo was rejected
    assert data["met_no_other_street"] == ["Kerkstraat"]
    assert [(r["name"], r["residents"]) for r in data["rounds"]] == [("Voorjaar", 21)]


def test_the_second_round_against_the_first(hood: Neighbourhood) -> None:
    data = get_json(hood, round_url(hood, hood.summer_id, ".json"))
    # Z3 erased their data: 10 residents, not 11, and Z3-E5 is not a meeting any more.
    # Came back: E1-E5, M1, M2, H1. 7 meetings (E1-M1 twice) of 6 pairs, of which E1-M1 and
    # E1-E2 met in Voorjaar: 4 new. Across: E1-M1, E3-M2, H1-Z1 of 6 pairs. Longest chain:
    # M2-E3-E5-E4.
    assert figures(data) == (10, 8, 7, 6 - 2, 0.5, 3)
    # Marijkeweg has only M1 and M2 in this round: folded, with H1 and Z1, Z2.
    assert streets(data) == [("Everstraat", 5, 6, 3), (None, 5, 4, 3)]
    assert data["matrix"]["meetings"] == [[3, 3], [3, 1]]
    assert data["met_no_one"] == [] and data["met_no_other_street"] == []
    assert [(r["name"], r["residents"], r["came_back"], r["new_connections"])
            for r in data["rounds"]] == [("Voorjaar", 21, 0, 6), ("Zomerronde", 10, 8, 4)]


def test_the_neighbourhood_across_both_rounds(hood: Neighbourhood) -> None:
    data = get_json(hood, hood_url(hood, ".json"))
    assert data["round"] is None
    # 21 + Z1, Z2 = 23 residents; 8 in both rounds; 6 + 7 meetings; 6 + 4 pairs. Of the 9
    # pairs with two streets, across: E1-M1, E2-M2, H1-M3, E3-M2, H1-Z1. The longest chain
    # runs M1-E1-E2-M2-E3-E5-E4.
    assert figures(data) == (23, 8, 13, 10, round(5 / 9, 3), 6)
    # Over both rounds Marijkeweg has 6 again; Hofje, Steegje, Zandweg (2 each) and N1: 7.
    assert streets(data) == [("Marijkeweg", 6, 7, 6), ("Everstraat", 5, 9, 5),
                             ("Kerkstraat", 5, 0, 0), (None, 7, 3, 1)]
    assert data["matrix"]["meetings"] == [[1, 5, 0, 1], [5, 4, 0, 0], [0, 0, 0, 0],
                                          [1, 0, 0, 2]]
    assert data["met_no_one"] == ["Kerkstraat"]
    assert [r["name"] for r in data["rounds"]] == ["Voorjaar", "Zomerronde"]


def test_csv_has_the_same_figures_and_matrix(hood: Neighbourhood) -> None:
    tables = get_csv(hood, hood_url(hood, ".csv"))
    assert dict(tables["figures"][1:]) == {
        "residents": "23", "came_back": "8", "meetings": "13", "new_connections": "10",
        "across_streets": "0.556", "longest_chain": "6"}
    other = "Andere straten"  # the organiser's console speaks Dutch
    assert tables["matrix"] == [
        ["street", "Marijkeweg", "Everstraat", "Kerkstraat", other],
        ["Marijkeweg", "1", "5", "0", "1"], ["Everstraat", "5", "4", "0", "0"],
        ["Kerkstraat", "0", "0", "0", "0"], [other, "1", "0", "0", "2"]]
    assert tables["streets"][0] == ["street", "players", "meetings", "across", "met_no_one",
                                    "met_no_other_street"]
    assert tables["streets"][3] == ["Kerkstraat", "5", "0", "0", "true", "true"]
    assert [row[1] for row in tables["rounds"]] == ["round", "Voorjaar", "Zomerronde"]


def test_no_name_and_no_small_street_appears_anywhere(hood: Neighbourhood) -> None:
    shown = []
    for url in (round_url(hood, hood.spring_id), round_url(hood, hood.summer_id), hood_url(hood)):
        page = hood.org.get(url)
        assert page.status_code == 200
        shown.append(page.get_data(as_text=True))
        shown.append(json.dumps(get_json(hood, url + ".json"), ensure_ascii=False))
        shown.append(json.dumps(get_csv(hood, url + ".csv"), ensure_ascii=False))
    text = "\n".join(shown)
    for name in NAMES.values():
        assert name not in text, name
    assert "Oud-speler" not in text  # the erased player, not even under their new name
    for small in ("Hofje", "Steegje", "Zandweg"):
        assert small not in text, small
    assert "Andere straten" in text


def test_the_page_draws_the_matrix_as_a_heat_table_with_a_legend(hood: Neighbourhood) -> None:
    html = hood.org.get(hood_url(hood)).get_data(as_text=True)
    assert 'data-testid="report-matrix"' in html and "<caption>" in html
    assert html.count('<th scope="col"><bdi>') == 4 and html.count('<th scope="row"><bdi>') >= 4
    assert 'style="--heat: 1.000">5</td>' in html  # the busiest cell: Marijkeweg-Everstraat
    assert 'style="--heat: 0.000">0</td>' in html
    assert 'data-testid="report-legend"' in html
    assert 'data-testid="report-residents">23<' in html
    assert "56%" in html  # the share across streets, as a percentage


def test_the_report_is_for_the_neighbourhoods_organisers_only(
        hood: Neighbourhood, app: Flask, clock: Clock) -> None:
    urls = [round_url(hood, hood.summer_id), round_url(hood, hood.summer_id, ".csv"),
            round_url(hood, hood.summer_id, ".json"), hood_url(hood), hood_url(hood, ".csv")]
    stranger = app.test_client()
    for url in urls:
        res = stranger.get(url)
        assert res.status_code == 302 and "/organise/login" in res.headers["Location"], url
    with db.sessions(app)() as s:
        other = create_organiser(s, "ander@example.nl", "nog een lang wachtwoord", clock())
        create_neighbourhood(s, name="Lombok", boundary=json.dumps(HOOGRAVEN), now=clock(),
                             organiser=other)
        s.commit()
    elsewhere = app.test_client()
    page = elsewhere.get("/organise/login").get_data(as_text=True)
    assert elsewhere.post("/organise/login", data={
        "email": "ander@example.nl", "password": "nog een lang wachtwoord",
        "csrf_token": csrf_from(page)}).status_code == 302
    for url in urls:
        assert elsewhere.get(url).status_code == 404, url
    assert elsewhere.get("/organise/neighbourhoods/lombok/report").status_code == 200


def test_each_download_leaves_an_audit_line_and_reading_the_page_none(
        hood: Neighbourhood, app: Flask) -> None:
    def lines() -> list[tuple[str, dict[str, Any]]]:
        with db.sessions(app)() as s:
            return [(e.action, json.loads(e.detail)) for e in s.scalars(
                select(AuditEntry).where(AuditEntry.action == "report").order_by(AuditEntry.id))]

    assert hood.org.get(hood_url(hood)).status_code == 200
    assert hood.org.get(round_url(hood, hood.spring_id)).status_code == 200
    assert lines() == []
    get_csv(hood, round_url(hood, hood.spring_id, ".csv"))
    get_json(hood, hood_url(hood, ".json"))
    assert lines() == [("report", {"round": hood.spring_id, "format": "csv"}),
                       ("report", {"format": "json"})]
    audit = hood.org.get("/organise/audit").get_data(as_text=True)
    assert "Buurtrapport gedownload" in audit


def test_the_console_links_to_the_reports(hood: Neighbourhood) -> None:
    page = hood.org.get(f"/organise/rounds/{hood.summer_id}").get_data(as_text=True)
    assert f'href="/organise/rounds/{hood.summer_id}/report"' in page
    page = hood.org.get(f"/organise/neighbourhoods/{hood.world.hood_slug}").get_data(as_text=True)
    assert f'href="/organise/neighbourhoods/{hood.world.hood_slug}/report"' in page


def test_the_command_line_gives_the_same_report(hood: Neighbourhood, app: Flask) -> None:
    runner = app.test_cli_runner()  # `flask --app koppelkiek report ...`
    res = runner.invoke(args=["report", hood.world.hood_slug, "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output) == get_json(hood, hood_url(hood, ".json"))
    res = runner.invoke(args=["report", hood.world.hood_slug, "--round", str(hood.spring_id),
                              "--json"])
    assert res.exit_code == 0, res.output
    assert figures(json.loads(res.output)) == (21, 0, 6, 6, 0.6, 3)
    res = runner.invoke(args=["report", hood.world.hood_slug])
    assert res.exit_code == 0 and "23 residents, 8 came back" in res.output
    assert not any(name in res.output for name in NAMES.values())
    res = runner.invoke(args=["report", "nergens", "--json"])
    assert res.exit_code != 0 and "no neighbourhood nergens" in res.output
    res = runner.invoke(args=["report", hood.world.hood_slug, "--round", "999999"])
    assert res.exit_code != 0 and "no round 999999" in res.output
    assert cli.commands["report"] is not None  # and as `koppelkiek report`
    with db.sessions(app)() as s:
        via = [json.loads(e.detail).get("via") for e in s.scalars(
            select(AuditEntry).where(AuditEntry.action == "report"))]
    assert via.count("cli") == 3


@pytest.mark.parametrize(("sizes", "shown"), [
    # Streets of 5 or more stay; smaller ones and players without a street are "other".
    ({"A": 5, "B": 4, None: 1}, ["A", None]),
    # "Other streets" of 2 alone would be one small street by another name: B joins it.
    ({"A": 7, "B": 5, "C": 2}, ["A", None]),
    ({"A": 5, "B": 5}, ["A", "B"]),
    ({"A": 3}, [None]),
])
def test_small_streets_fold_into_other_streets(sizes: dict[str | None, int],
                                               shown: list[str | None]) -> None:
    teams: dict[int, str | None] = {}
    for team, count in sizes.items():
        for _ in range(count):
            teams[len(teams) + 1] = team
    names, places = street_groups(teams)
    assert names == shown
    assert sorted(places) == sorted(teams)


def _luminance(colour: str) -> float:
    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
    r, g, b = (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def test_every_shade_keeps_its_number_readable() -> None:
    """The numbers in the heat table pass WCAG AA (4.5:1) on every shade the page can draw,
    with the colours report.css mixes (color-mix in sRGB) and the text colours it uses."""
    css = (ROOT / "koppelkiek" / "static" / "report.css").read_text()
    dark, light = re.search(r"color-mix\(in srgb, (#\w{6}) calc\(var\(--heat, 0\) \* 100%\), "
                            r"(#\w{6})\)", css).groups()  # type: ignore[union-attr]
    assert ".heat td.dark { color: #fff" in css and "--ink: #1b1b1b" in (
        ROOT / "koppelkiek" / "static" / "style.css").read_text()
    worst = 99.0
    for top in range(1, 30):
        for n in range(top + 1):
            h = shade(n, top)
            mixed = "#" + "".join(
                f"{round(h * int(dark[i:i + 2], 16) + (1 - h) * int(light[i:i + 2], 16)):02x}"
                for i in (1, 3, 5))
            text = "#ffffff" if h >= 0.8 else "#1b1b1b"
            high, low = sorted((_luminance(mixed), _luminance(text)), reverse=True)
            worst = min(worst, (high + 0.05) / (low + 0.05))
    assert worst >= 4.5, worst
    assert shade(0, 5) == 0 and shade(5, 5) == 1 and shade(1, 5) < shade(2, 5) < shade(3, 5)
