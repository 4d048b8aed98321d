"""CLI commands; they work as `koppelkiek ...` and as `flask --app koppelkiek ...`."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click
from flask import Flask, current_app
from flask.cli import ScriptInfo, with_appcontext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from game.errors import GameError
from game.exports import as_json, csv_zip
from game.ledger import check, ledger_matches_keys, rescore, state_matches
from game.models import Neighbourhood, Organiser, Round
from game.neighbourhoods import create_neighbourhood
from game.organisers import audit, create_organiser, grant
from game.players import join
from game.rounds import RoundSpec, change_state, create_round
from koppelkiek import create_app
from koppelkiek.backups import backup_command, restore_command
from koppelkiek.db import db, upgrade
from koppelkiek.messages import message
from koppelkiek.realtime import publish

DEMO_LOGIN_FILE = "demo_login.json"


def _session() -> Session:
    return db.sessions(current_app)()


def _now() -> datetime:
    return datetime.now(UTC)


def _fail(exc: GameError) -> None:
    raise click.ClickException(f"{exc.code}: {message(exc.code, exc.params)}")


def _out(as_json: bool, obj: dict[str, Any], text: str) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False) if as_json else text)


def _base_url() -> str:
    return (current_app.config.get("PUBLIC_URL") or "http://127.0.0.1:5000").rstrip("/")


@click.command("init")
@with_appcontext
def init_command() -> None:
    """Create the instance folder, secret key and database (safe to repeat)."""
    Path(current_app.config["INSTANCE"]).mkdir(parents=True, exist_ok=True)
    upgrade(db.engine(current_app))
    click.echo(f"Instance ready in {current_app.config['INSTANCE']}")


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)


DEMO_BOUNDARY = {  # Hoograven, Utrecht, roughly: where Koppelkiek was first played.
    "type": "Polygon",
    "coordinates": [[[5.1150, 52.0720], [5.1330, 52.0720], [5.1330, 52.0800],
                     [5.1150, 52.0800], [5.1150, 52.0720]]],
}


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Only seed when the database has no rounds.")
@with_appcontext
def demo_command(if_empty: bool) -> None:
    """Seed a demo neighbourhood, a live round, an organiser and players; print the URLs."""
    login_file = Path(current_app.config["INSTANCE"]) / DEMO_LOGIN_FILE
    with _session() as s:
        existing = s.scalar(select(func.count()).select_from(Round))
        if if_empty and existing:
            _print_demo(s, login_file)
            return
        now = _now()
        email = f"demo{existing or ''}@koppelkiek.invalid"
        password = secrets.token_urlsafe(12)
        organiser = create_organiser(s, email, password, now)
        hood = create_neighbourhood(
            s, name="Hoograven (demo)", boundary=json.dumps(DEMO_BOUNDARY), now=now,
            organiser=organiser,
        )
        rnd = create_round(s, hood, RoundSpec("Demo-middag", now - timedelta(minutes=5),
                                              now + timedelta(hours=3)), now)
        change_state(s, rnd, "start", now)
        for name, team in [("Fatma", "Everstraat"), ("Ömer", "Marijkeweg"),
                           ("Jan", "Everstraat"), ("Sanne", None)]:
            join(s, rnd, display_name=name, team=team, now=now)
        audit(s, organiser, "demo_seed", now, neighbourhood_id=hood.id, round=rnd.id)
        s.commit()
        _write_private(login_file, json.dumps({"email": email, "password": password,
                                               "round_id": rnd.id}))
        _print_demo(s, login_file)


def _print_demo(s: Session, login_file: Path) -> None:
    info = json.loads(login_file.read_text()) if login_file.exists() else {}
    rnd = s.get(Round, info.get("round_id")) if info.get("round_id") else None
    rnd = rnd or s.scalar(select(Round).order_by(Round.id.desc()))
    base = _base_url()
    if rnd is None:
        click.echo("No rounds yet.")
        return
    click.echo(f"Players join:   {base}/r/{rnd.join_code}   (join code {rnd.join_code})")
    click.echo(f"Big screen:     {base}/screen/{rnd.id}")
    click.echo(f"Organisers:     {base}/organise/login")
    if info:
        click.echo(f"  e-mail:       {info['email']}")
        click.echo(f"  password:     {info['password']}")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve_command(host: str, port: int) -> None:
    """Run the server (gevent, websockets)."""
    from koppelkiek.darkroom import darkroom
    from koppelkiek.photos import forget_dead_uploads
    from koppelkiek.serving import Server  # gevent's server: only `serve` loads it

    # Migrate in a child process: Alembic's memory then never stays in the server.
    subprocess.run([sys.executable, "-m", "koppelkiek.cli", "init"], check=True)
    app = create_app({"SOCKETIO_ASYNC_MODE": "gevent"})
    forget_dead_uploads(app)  # uploads cut off by a crash must not keep their players waiting
    click.echo(f"Koppelkiek on http://{host}:{port}  (Ctrl+C stops)")
    darkroom().open()
    Server((host, port), app).serve_forever()


@click.group("organiser")
def organiser_group() -> None:
    """Organiser accounts."""


@organiser_group.command("create")
@click.option("--email", required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--neighbourhood", "slugs", multiple=True, help="Slug of a neighbourhood to manage.")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def organiser_create(email: str, password_stdin: bool, slugs: tuple[str, ...],
                     as_json: bool) -> None:
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with _session() as s:
        try:
            organiser = create_organiser(s, email, password, _now())
            for slug in slugs:
                hood = s.scalar(select(Neighbourhood).where(Neighbourhood.slug == slug))
                if hood is None:
                    raise click.ClickException(f"no neighbourhood {slug}")
                grant(s, organiser, hood)
        except GameError as exc:
            _fail(exc)
        s.commit()
        _out(as_json, {"id": organiser.id, "email": organiser.email},
             f"Organiser {organiser.email} created (id {organiser.id}).")


@organiser_group.command("grant")
@click.option("--email", required=True)
@click.option("--neighbourhood", "slug", required=True)
@with_appcontext
def organiser_grant(email: str, slug: str) -> None:
    """Let an organiser manage a neighbourhood."""
    with _session() as s:
        organiser = s.scalar(select(Organiser).where(Organiser.email == email.strip().lower()))
        hood = s.scalar(select(Neighbourhood).where(Neighbourhood.slug == slug))
        if organiser is None or hood is None:
            raise click.ClickException("unknown organiser or neighbourhood")
        grant(s, organiser, hood)
        audit(s, None, "organiser_grant", _now(), neighbourhood_id=hood.id, email=email)
        s.commit()
        click.echo(f"{organiser.email} now manages {hood.slug}.")


@click.group("neighbourhood")
def neighbourhood_group() -> None:
    """Neighbourhoods."""


@neighbourhood_group.command("create")
@click.option("--name", required=True)
@click.option("--boundary", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--timezone", default="Europe/Amsterdam", show_default=True)
@click.option("--organiser", "email", help="E-mail of the organiser who manages it.")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def neighbourhood_create(name: str, boundary: str, timezone: str, email: str | None,
                         as_json: bool) -> None:
    with _session() as s:
        organiser = None
        if email:
            organiser = s.scalar(select(Organiser).where(Organiser.email == email.lower()))
            if organiser is None:
                raise click.ClickException(f"no organiser {email}")
        try:
            hood = create_neighbourhood(s, name=name, boundary=Path(boundary).read_bytes(),
                                        timezone=timezone, now=_now(), organiser=organiser)
        except GameError as exc:
            _fail(exc)
        s.commit()
        _out(as_json, {"id": hood.id, "slug": hood.slug, "name": hood.name,
                       "timezone": hood.timezone},
             f"Neighbourhood {hood.name} created (slug {hood.slug}).")


@click.group("round")
def round_group() -> None:
    """Rounds."""


def _when(text: str, tz: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"not an ISO date-time: {text}") from None
    return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(tz))


@round_group.command("create")
@click.option("--neighbourhood", "slug", required=True)
@click.option("--name", required=True)
@click.option("--starts", required=True, help="ISO date-time; local to the neighbourhood if naive")
@click.option("--ends", required=True)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def round_create(slug: str, name: str, starts: str, ends: str, as_json: bool) -> None:
    with _session() as s:
        hood = s.scalar(select(Neighbourhood).where(Neighbourhood.slug == slug))
        if hood is None:
            raise click.ClickException(f"no neighbourhood {slug}")
        try:
            rnd = create_round(s, hood, RoundSpec(name, _when(starts, hood.timezone),
                                                  _when(ends, hood.timezone)), _now())
        except GameError as exc:
            _fail(exc)
        s.commit()
        _out(as_json, {"id": rnd.id, "name": rnd.name, "join_code": rnd.join_code,
                       "state": rnd.state, "starts_at": rnd.starts_at.isoformat(),
                       "ends_at": rnd.ends_at.isoformat()},
             f"Round {rnd.name} created (id {rnd.id}, join code {rnd.join_code}).")


def _state_command(action: str) -> click.Command:
    @click.argument("round_id", type=int)
    @with_appcontext
    def run(round_id: int) -> None:
        with _session() as s:
            rnd = s.get(Round, round_id)
            if rnd is None:
                raise click.ClickException(f"no round {round_id}")
            try:
                event = change_state(s, rnd, action, _now())
            except GameError as exc:
                _fail(exc)
            audit(s, None, f"round_{action}", _now(), neighbourhood_id=rnd.neighbourhood_id,
                  round=rnd.id, via="cli")
            s.commit()
            publish([event])
            click.echo(f"Round {rnd.id} is now {rnd.state}.")

    run.__doc__ = f"{action.capitalize()} a round."
    return click.command(action)(run)


for _action in ("start", "pause", "end"):
    round_group.add_command(_state_command(_action))


@round_group.command("rescore")
@click.argument("round_id", type=int)
@with_appcontext
def round_rescore(round_id: int) -> None:
    """Apply the round's current rules to all its photos, with compensating entries."""
    with _session() as s:
        rnd = s.get(Round, round_id)
        if rnd is None:
            raise click.ClickException(f"no round {round_id}")
        events = rescore(s, rnd, _now())
        audit(s, None, "round_rescore", _now(), neighbourhood_id=rnd.neighbourhood_id,
              round=rnd.id, via="cli")
        s.commit()
        publish(events)
        click.echo(f"Round {rnd.id} rescored: {'changes applied' if events else 'no changes'}.")


@click.command("check")
@click.argument("round_id", type=int)
@with_appcontext
def check_command(round_id: int) -> None:
    """Check that standings = sum of the ledger = a full replay of accepted photos."""
    with _session() as s:
        rnd = s.get(Round, round_id)
        if rnd is None:
            raise click.ClickException(f"no round {round_id}")
        differences = check(s, rnd)
        state_ok = state_matches(s, rnd)
        if not differences and ledger_matches_keys(s, rnd) and state_ok:
            click.echo(f"Round {rnd.id}: standings, ledger and replay agree.")
            return
        for d in differences:
            click.echo(f"player {d.player_id}: standing {d.standing}, ledger {d.ledger}, "
                       f"replay {d.replay}", err=True)
        if not state_ok:
            click.echo("the scoring state (pairs, meetings, spots) differs from a replay; "
                       "`koppelkiek round rescore` rebuilds it", err=True)
        elif not differences:
            click.echo("ledger entries per photo differ from a replay", err=True)
        sys.exit(1)


@click.command("export")
@click.argument("round_id", type=int)
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="json",
              show_default=True)
@click.option("--locations", is_flag=True, help="Include exact locations (personal data).")
@click.option("--output", type=click.Path(dir_okay=False, writable=True),
              help="File to write; JSON goes to stdout without it, CSV to round-<id>-export.zip.")
@with_appcontext
def export_command(round_id: int, fmt: str, locations: bool, output: str | None) -> None:
    """Export a round's standings, teams, meetings and photos (CSV: a ZIP of four files)."""
    with _session() as s:
        rnd = s.get(Round, round_id)
        if rnd is None:
            raise click.ClickException(f"no round {round_id}")
        now, text = _now(), ""
        if fmt == "json":
            text = json.dumps(as_json(s, rnd, with_locations=locations, exported_at=now),
                              ensure_ascii=False, indent=2) + "\n"
            data = text.encode("utf-8")
        else:
            data = csv_zip(s, rnd, with_locations=locations, made_at=now)
            output = output or f"round-{rnd.id}-export.zip"
        if output is not None:
            Path(output).write_bytes(data)
        audit(s, None, "export", now, neighbourhood_id=rnd.neighbourhood_id, round=rnd.id,
              format=fmt, locations=locations, via="cli")
        s.commit()
        click.echo(f"Round {rnd.id} exported to {output}." if output else text, nl=bool(output))


COMMANDS = [init_command, demo_command, serve_command, organiser_group, neighbourhood_group,
            round_group, check_command, export_command, backup_command, restore_command]


def register(app: Flask) -> None:
    for command in COMMANDS:
        if command.name != "serve":
            app.cli.add_command(command)


class KoppelkiekGroup(click.Group):
    """Only the game's own commands and options: none of Flask's (-A, -e, --debug) and no
    extension's (Flask-Limiter's `limiter`), which organisers have no use for."""

    def make_context(self, info_name: str | None, args: list[str],
                     parent: click.Context | None = None, **extra: Any) -> click.Context:
        # `with_appcontext` builds the app from the ScriptInfo it finds in the context.
        extra.setdefault("obj", ScriptInfo(create_app=create_app))
        return super().make_context(info_name, args, parent, **extra)


@click.group(cls=KoppelkiekGroup)
@click.version_option(package_name="koppelkiek", prog_name="Koppelkiek")
def cli() -> None:
    """Koppelkiek: a game that gets neighbours to meet."""


for _command in COMMANDS:
    cli.add_command(_command)
