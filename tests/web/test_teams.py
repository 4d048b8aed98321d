"""Issue 15, item 5: one team however it is typed, shown everywhere as it was first spelled."""

from __future__ import annotations

import json

from sqlalchemy import text

from koppelkiek.db import db
from tests.helpers import World, csrf_from
from tests.web.test_name_skeleton_migration import migrate


def teams_of(world: World) -> list[tuple[str, int]]:
    board = world.app.test_client().get(f"/api/v1/rounds/{world.round_id}/standings").get_json()
    return [(t["team"], t["members"]) for t in board["teams"]]


def test_two_spellings_are_one_team_shown_as_the_first(world: World) -> None:
    first, body = world.join("Fatma", team="Via Roma")
    assert body["player"]["team"] == "Via Roma"
    omer, body = world.join("Ömer", team="via  roma")
    assert body["player"]["team"] == "Via Roma"  # the first spelling, not this one
    world.join("Jan", team="VIA ROMA")
    world.join("Sanne", team="Everstraat")
    assert omer.get("/api/v1/me").get_json()["player"]["team"] == "Via Roma"
    assert teams_of(world) == [("Everstraat", 1), ("Via Roma", 3)]
    # The export says the same.
    out = world.app.test_cli_runner().invoke(
        args=["export", str(world.round_id), "--format", "json"])
    assert out.exit_code == 0, out.output
    exported = json.loads(out.output)
    assert {r["team"] for r in exported["standings"]} == {"Via Roma", "Everstraat"}
    assert [(t["team"], t["members"]) for t in exported["teams"]] == [
        ("Everstraat", 1), ("Via Roma", 3)]
    # The phone shows its own team as the team is spelled.
    assert '<p class="team"><bdi>Via Roma</bdi></p>' in omer.get("/play").get_data(as_text=True)


def test_the_join_page_offers_the_rounds_teams(world: World) -> None:
    phone = world.app.test_client()
    page = phone.get(f"/r/{world.join_code}").get_data(as_text=True)
    assert "<datalist" not in page  # no teams yet: nothing to offer
    world.join("Fatma", team="Via Roma")
    world.join("Ömer", team="Everstraat")
    page = phone.get(f"/r/{world.join_code}").get_data(as_text=True)
    assert 'list="teams"' in page
    assert '<option value="Via Roma"><option value="Everstraat">' in page
    joined = phone.post(f"/r/{world.join_code}", data={
        "display_name": "Jan", "team": "via roma", "csrf_token": csrf_from(page)})
    assert joined.status_code == 302
    assert phone.get("/api/v1/me").get_json()["player"]["team"] == "Via Roma"


def test_the_migration_gives_existing_players_the_first_spelling(world: World) -> None:
    fatma, _ = world.join("Fatma", team="Via Roma")
    omer, _ = world.join("Ömer", team="Everstraat")
    jan, _ = world.join("Jan", team="Marijkeweg")
    # As before canonical teams: the same team in other spellings.
    with db.engine(world.app).begin() as conn:
        conn.execute(text("UPDATE players SET team = 'via roma' WHERE display_name = 'Ömer'"))
        conn.execute(text("UPDATE players SET team = 'VIA ROMA ' WHERE display_name = 'Jan'"))
    migrate(world, "0007_offline-1", down=True)  # to just before it, wherever it is chained
    migrate(world, "head")
    for phone in (fatma, omer, jan):
        assert phone.get("/api/v1/me").get_json()["player"]["team"] == "Via Roma"
    assert teams_of(world) == [("Via Roma", 3)]
