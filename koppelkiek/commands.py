"""CLI commands; they work as `koppelkiek ...` and as `flask --app koppelkiek ...`."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import click
from flask import Flask, current_app
from flask.cli import ScriptInfo, with_appcontext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from koppelkiek import create_app
from koppelkiek.backups import backup_command, restore_command
from koppelkiek.db import db, upgrade
from koppelkiek.game.audit import CONSOLE
from koppelkiek.game.cards import Card, add_card_player, reprint_card
from koppelkiek.game.errors import GameError
from koppelkiek.game.exports import export_round
from koppelkiek.game.ledger import check, ledger_matches_keys, state_matches
from koppelkiek.game.models import Neighbourhood, Organiser, Player, Round
from koppelkiek.game.organising import (
    add_neighbourhood,
    add_organiser,
    add_round,
    let_manage,
    move_round,
    rescore_round,
    seed_demo,
)
from koppelkiek.game.outcome import Outcome
from koppelkiek.game.players import current_round
from koppelkiek.game.rounds import RoundSpec
from koppelkiek.identity import now
from koppelkiek.messages import message
from koppelkiek.outcomes import commit
from koppelkiek.report import report_command
from koppelkiek.spot_commands import spot_group

DEMO_LOGIN_FILE = "demo_login.json"
T = TypeVar("T")


def _session() -> Session:
    return db.sessions(current_app)()


@contextmanager
def _writing() -> Iterator[Session]:
    """A CLI write: a refusal of the game is a clear error, and nothing of it is kept."""
    with _session() as s:
        try:
            yield s
        except GameError as exc:
            s.rollback()
            raise click.ClickException(f"{exc.code}: {message(exc.code, exc.params)}") from None


def _done(s: Session, outcome: Outcome[T], text: Callable[[T], str],
          as_json: Callable[[T], dict[str, Any]] | None = None) -> T:
    """The tail of every CLI write: commit and publish, then say what it made: the line
    `text(value)`, or with --json the object `as_json(value)`."""
    value = commit(outcome, s)
    click.echo(json.dumps(as_json(value), ensure_ascii=False) if as_json else text(value))
    return value


def _found(s: Session, model: Any, what: str, **where: Any) -> Any:
    """The one row asked for by id or by a column, or a clear error naming what was missing."""
    if "id" in where:
        row = s.get(model, where["id"])
    else:
        (column, value), = where.items()
        row = s.scalar(select(model).where(getattr(model, column) == value))
    if row is None:
        raise click.ClickException(f"no {what} {next(iter(where.values()))}")
    return row


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
        email = f"demo{existing or ''}@koppelkiek.invalid"
        password = secrets.token_urlsafe(12)
        seeded = seed_demo(s, CONSOLE, email, password, json.dumps(DEMO_BOUNDARY), now())
        rnd = commit(seeded, s)
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
    from koppelkiek.api.photos import forget_dead_uploads
    from koppelkiek.darkroom import darkroom
    from koppelkiek.serving import Server, settle_the_heap  # only `serve` loads gevent's server

    # Migrate in a child process: Alembic's memory then never stays in the server.
    subprocess.run([sys.executable, "-m", "koppelkiek.cli", "init"], check=True)
    app = create_app({"SOCKETIO_ASYNC_MODE": "gevent"})
    forget_dead_uploads(app)  # uploads cut off by a crash must not keep their players waiting
    click.echo(f"Koppelkiek on http://{host}:{port}  (Ctrl+C stops)")
    darkroom().open()
    server = Server((host, port), app)
    settle_the_heap()
    server.serve_forever()


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
    with _writing() as s:
        hoods = [_found(s, Neighbourhood, "neighbourhood", slug=slug) for slug in slugs]
        _done(s, add_organiser(s, CONSOLE, email, password, hoods, now()),
              lambda o: f"Organiser {o.email} created (id {o.id}).",
              (lambda o: {"id": o.id, "email": o.email}) if as_json else None)


@organiser_group.command("grant")
@click.option("--email", required=True)
@click.option("--neighbourhood", "slug", required=True)
@with_appcontext
def organiser_grant(email: str, slug: str) -> None:
    """Let an organiser manage a neighbourhood."""
    with _writing() as s:
        organiser = _found(s, Organiser, "organiser", email=email.strip().lower())
        hood = _found(s, Neighbourhood, "neighbourhood", slug=slug)
        _done(s, let_manage(s, CONSOLE, organiser, hood, now()),
              lambda _: f"{organiser.email} now manages {hood.slug}.")


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
    with _writing() as s:
        manager = _found(s, Organiser, "organiser", email=email.lower()) if email else None
        made = add_neighbourhood(s, CONSOLE, name=name, boundary=Path(boundary).read_bytes(),
                                 timezone=timezone, now=now(), manager=manager)
        _done(s, made, lambda h: f"Neighbourhood {h.name} created (slug {h.slug}).",
              (lambda h: {"id": h.id, "slug": h.slug, "name": h.name, "timezone": h.timezone})
              if as_json else None)


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
    with _writing() as s:
        hood = _found(s, Neighbourhood, "neighbourhood", slug=slug)
        spec = RoundSpec(name, _when(starts, hood.timezone), _when(ends, hood.timezone))
        _done(s, add_round(s, CONSOLE, hood, spec, now()),
              lambda r: f"Round {r.name} created (id {r.id}, join code {r.join_code}).",
              (lambda r: {"id": r.id, "name": r.name, "join_code": r.join_code,
                          "state": r.state, "starts_at": r.starts_at.isoformat(),
                          "ends_at": r.ends_at.isoformat()}) if as_json else None)


def _state_command(action: str) -> click.Command:
    @click.argument("round_id", type=int)
    @with_appcontext
    def run(round_id: int) -> None:
        with _writing() as s:
            rnd = _found(s, Round, "round", id=round_id)
            _done(s, move_round(s, CONSOLE, rnd, action, now()),
                  lambda r: f"Round {r.id} is now {r.state}.")

    run.__doc__ = f"{action.capitalize()} a round."
    return click.command(action)(run)


for _action in ("start", "pause", "end"):
    round_group.add_command(_state_command(_action))


@round_group.command("rescore")
@click.argument("round_id", type=int)
@with_appcontext
def round_rescore(round_id: int) -> None:
    """Apply the round's current rules to all its photos, with compensating entries."""
    with _writing() as s:
        rnd = _found(s, Round, "round", id=round_id)
        _done(s, rescore_round(s, CONSOLE, rnd, now()),
              lambda moved: f"Round {rnd.id} rescored: "
                            f"{'changes applied' if moved else 'no changes'}.")


@click.group("player")
def player_group() -> None:
    """Players; card players are residents without a smartphone."""


def _card_json(card: Card) -> dict[str, Any]:
    return {"player_id": card.player.id, "display_name": card.player.display_name,
            "team": card.player.team, "round_id": card.round.id, "codes": card.codes}


def _card_text(card: Card) -> str:
    return (f"Card player {card.player.display_name} (id {card.player.id}), codes: "
            f"{' '.join(card.codes)}")


@player_group.command("add-card")
@click.argument("round_id", type=int)
@click.option("--name", required=True, help="The resident's name, as on the leaderboard.")
@click.option("--team", default=None, help="Their team, such as their street.")
@click.option("--json", "as_json", is_flag=True,
              help='Print {"player_id": ..., "codes": [...]}.')
@with_appcontext
def player_add_card(round_id: int, name: str, team: str | None, as_json: bool) -> None:
    """Add a resident without a smartphone to a round, with a card of 12 single-use codes."""
    with _writing() as s:
        rnd = _found(s, Round, "round", id=round_id)
        _done(s, add_card_player(s, CONSOLE, rnd, display_name=name, team=team, now=now()),
              _card_text, _card_json if as_json else None)


@player_group.command("reprint-card")
@click.argument("player_id", type=int)
@click.option("--json", "as_json", is_flag=True,
              help='Print {"player_id": ..., "codes": [...]} with the new codes.')
@with_appcontext
def player_reprint_card(player_id: int, as_json: bool) -> None:
    """Fresh codes for a card player's card; the old card's codes stop working."""
    with _writing() as s:
        player = _found(s, Player, "player", id=player_id)
        rnd = current_round(s, player)
        if rnd is None or not player.on_card:
            raise click.ClickException(f"player {player_id} does not play with a card")
        _done(s, reprint_card(s, CONSOLE, rnd, player.id, now()), _card_text,
              _card_json if as_json else None)


@click.command("check")
@click.argument("round_id", type=int)
@with_appcontext
def check_command(round_id: int) -> None:
    """Check that standings = sum of the ledger = a full replay of accepted photos."""
    with _session() as s:
        rnd = _found(s, Round, "round", id=round_id)
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
    with _writing() as s:
        rnd = _found(s, Round, "round", id=round_id)
        exported = export_round(s, CONSOLE, rnd, fmt, with_locations=locations, now=now())
        output = output or (None if fmt == "json" else f"round-{rnd.id}-export.zip")
        if output is not None:
            Path(output).write_bytes(exported.value)
        data = commit(exported, s)  # the audit line only once the file is written
        click.echo(f"Round {rnd.id} exported to {output}." if output else data.decode("utf-8"),
                   nl=bool(output))


COMMANDS = [init_command, demo_command, serve_command, organiser_group, neighbourhood_group,
            round_group, player_group, spot_group, check_command, export_command, report_command,
            backup_command, restore_command]


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
