"""Every write is one game use case: the console and the CLI leave the same trail, and the
rules of creating a round hold for editing it too (regressions of issue 14)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from koppelkiek.db import db
from koppelkiek.game.models import AuditEntry, Neighbourhood, Photo, Round
from tests.helpers import Clock, World, arezzo_world, csrf_from, scored_photo
from tests.live_server import HOOGRAVEN


def console_post(org: FlaskClient, url: str, page: str, **data: Any) -> Any:
    token = csrf_from(org.get(page).get_data(as_text=True))
    return org.post(url, data={**data, "csrf_token": token})


def cli(app: Flask, *args: str, input: str | None = None) -> Any:
    res = app.test_cli_runner().invoke(args=list(args), input=input)
    assert res.exit_code == 0, res.output
    return res


def trail(app: Flask, hood_name: str) -> list[tuple[str, Any, dict[str, Any]]]:
    """The audit rows about one neighbourhood, with what differs by who did it left out:
    the organiser (none for the CLI), `via` and the ids the database handed out."""
    with db.sessions(app)() as s:
        hood = s.scalar(select(Neighbourhood).where(Neighbourhood.name == hood_name))
        assert hood is not None
        rows = []
        for entry in s.scalars(select(AuditEntry).where(AuditEntry.neighbourhood_id == hood.id)
                               .order_by(AuditEntry.id)):
            detail = json.loads(entry.detail)
            detail.pop("via", None)
            if "round" in detail:
                detail["round"] = "its round"
            rows.append((entry.action, entry.at.replace(tzinfo=None), detail))
        return rows


def test_console_and_cli_write_the_same_audit_rows(world: World, tmp_path: Path) -> None:
    org = world.organiser_client()
    page = org.get("/organise/neighbourhoods/new").get_data(as_text=True)
    res = org.post("/organise/neighbourhoods/new", data={
        "name": "Oost", "timezone": "Europe/Amsterdam", "csrf_token": csrf_from(page),
        "boundary": (io.BytesIO(json.dumps(HOOGRAVEN).encode()), "oost.geojson")},
        content_type="multipart/form-data")
    assert res.status_code == 302
    res = console_post(org, "/organise/neighbourhoods/oost/rounds",
                       "/organise/neighbourhoods/oost", name="Zomer",
                       starts="2026-06-13T14:00", ends="2026-06-13T17:00")
    assert res.status_code == 302, res.get_data(as_text=True)
    round_url = res.headers["Location"]
    console_post(org, f"{round_url}/state", round_url, action="start")

    world.clock.advance(minutes=5)  # the CLI's rows carry the app's clock too, not the wall's
    boundary = tmp_path / "west.geojson"
    boundary.write_text(json.dumps(HOOGRAVEN))
    cli(world.app, "neighbourhood", "create", "--name", "West", "--boundary", str(boundary))
    made = json.loads(cli(world.app, "round", "create", "--neighbourhood", "west", "--name",
                          "Zomer", "--starts", "2026-06-13T14:00", "--ends",
                          "2026-06-13T17:00", "--json").output)
    cli(world.app, "round", "start", str(made["id"]))

    console, by_cli = trail(world.app, "Oost"), trail(world.app, "West")
    assert [row[0] for row in console] == ["neighbourhood_create", "round_create", "round_start"]
    later = world.clock().replace(tzinfo=None)
    assert by_cli == [(action, later, {**detail, "name": "West"} if "name" in detail and
                       action == "neighbourhood_create" else detail)
                      for action, _, detail in console]
    with db.sessions(world.app)() as s:
        vias = {json.loads(e.detail).get("via") for e in s.scalars(
            select(AuditEntry).where(AuditEntry.organiser_id.is_(None)))}
    assert vias == {"cli"}


def test_cli_organiser_create_is_audited(app: Flask, clock: Clock) -> None:
    cli(app, "organiser", "create", "--email", "Nieuw@Example.nl", "--password-stdin",
        input="een lang wachtwoord\n")
    with db.sessions(app)() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "organiser_create")).one()
        assert entry.at.replace(tzinfo=None) == clock().replace(tzinfo=None)
        assert json.loads(entry.detail) == {"email": "nieuw@example.nl", "neighbourhoods": [],
                                            "via": "cli"}


def _edit(world: World, org: FlaskClient, **fields: str) -> Any:
    url = f"/organise/rounds/{world.round_id}"
    return console_post(org, f"{url}/rules", url, **{
        "name": "Zomerronde", "starts": "2026-06-13T14:50", "ends": "2026-06-13T18:00",
        "moderation_mode": "post", "leaderboard": "visible", **fields})


def test_editing_a_round_refuses_what_creating_refuses(world: World) -> None:
    org = world.organiser_client()
    blank = _edit(world, org, name="   ")
    assert blank.status_code == 422 and 'data-code="round_name_invalid"' in blank.get_data(
        as_text=True)
    too_long = _edit(world, org, ends="2026-07-20T18:00")
    assert too_long.status_code == 422 and 'data-code="round_too_long"' in too_long.get_data(
        as_text=True)
    with db.sessions(world.app)() as s:
        rnd = s.get(Round, world.round_id)
        assert rnd is not None and rnd.name == "Zomerronde"
        assert (rnd.ends_at - rnd.starts_at).days == 0  # nothing of a refused edit is kept
    assert _edit(world, org, name="  Najaars   ronde ").status_code == 302
    with db.sessions(world.app)() as s:
        assert s.get(Round, world.round_id).name == "Najaars ronde"  # type: ignore[union-attr]


def test_a_round_created_frozen_shows_its_frozen_board(world: World) -> None:
    org = world.organiser_client()
    hood_page = f"/organise/neighbourhoods/{world.hood_slug}"
    res = console_post(org, f"{hood_page}/rounds", hood_page, name="Bevroren",
                       starts="2026-06-13T14:00", ends="2026-06-13T17:00",
                       leaderboard="frozen")
    assert res.status_code == 302, res.get_data(as_text=True)
    round_url = res.headers["Location"]
    console_post(org, f"{round_url}/state", round_url, action="start")
    round_id = round_url.rstrip("/").split("/")[-1]
    board = world.app.test_client().get(f"/api/v1/rounds/{round_id}/standings").get_json()
    assert board.get("frozen") is True and not board.get("hidden")


def test_deciding_again_what_stands_keeps_who_decided(app: Flask, clock: Clock) -> None:
    world = arezzo_world(app, clock)
    fatma, _ = world.join("Fatma")
    omer, _ = world.join("Ömer")
    photo = scored_photo(world, fatma, omer, "DSCN0010.jpg")
    cli(app, "organiser", "create", "--email", "tweede@example.nl", "--neighbourhood",
        world.hood_slug, "--password-stdin", input=f"{world.organiser_password}\n")
    first = world.organiser_client()
    second = World(app, clock, organiser_email="tweede@example.nl").organiser_client()
    queue = f"/organise/rounds/{world.round_id}/photos"
    decide = f"{queue}/{photo['id']}/decision"
    assert console_post(first, decide, queue, decision="reject", reason="blurry").status_code == 302
    assert console_post(second, decide, queue, decision="reject",
                        reason="blurry").status_code == 302
    with db.sessions(app)() as s:
        decided = s.get(Photo, photo["id"])
        assert decided is not None and decided.status == "rejected"
        first_id = s.scalar(select(AuditEntry.organiser_id)
                            .where(AuditEntry.action == "photo_reject").order_by(AuditEntry.id))
        assert decided.decided_by == first_id is not None
    assert console_post(second, decide, queue, decision="approve").status_code == 302
    with db.sessions(app)() as s:
        second_id = s.scalars(select(AuditEntry.organiser_id)
                              .where(AuditEntry.action == "photo_approve")).one()
        assert s.get(Photo, photo["id"]).decided_by == second_id != first_id  # type: ignore[union-attr]
