"""`koppelkiek backup FILE` and `koppelkiek restore FILE`: the SQLite database, photos included.

Photos live in the database as their derived JPEGs, so one file holds a whole round. The copy
is made with SQLite's online backup API in one step: it reads one snapshot (WAL lets the
server keep writing meanwhile), so a photo and its points are in the copy together or not
at all. PostgreSQL has pg_dump and pg_restore for this (see README).
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import make_url

from koppelkiek.db import db, upgrade

PG_HINT = ("this instance uses PostgreSQL: back it up with `pg_dump --format=custom` and bring "
           "it back with `pg_restore` (see README, Backups)")


def _database_file() -> Path:
    url = make_url(current_app.config["DATABASE_URL"])
    if url.get_backend_name() != "sqlite" or not url.database:
        raise click.ClickException(PG_HINT)
    return Path(url.database)


def _counts(connection: sqlite3.Connection) -> tuple[int, int]:
    rounds = connection.execute("SELECT count(*) FROM rounds").fetchone()[0]
    photos = connection.execute("SELECT count(*) FROM photos").fetchone()[0]
    return int(rounds), int(photos)


def _check_copy(path: Path) -> tuple[int, int]:
    """A whole, sound Koppelkiek database, or a clear refusal."""
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise click.ClickException(f"{path} is damaged (integrity check failed)")
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
            if not {"alembic_version", "rounds", "photos"} <= tables:
                raise click.ClickException(f"{path} is not a Koppelkiek backup")
            return _counts(conn)
    except sqlite3.DatabaseError as exc:
        raise click.ClickException(f"{path} is not a Koppelkiek backup ({exc})") from None


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(file: Path) -> None:
    """Copy the SQLite database, photos included, while the server keeps running."""
    source = _database_file()
    if not source.exists():
        raise click.ClickException(f"no database at {source}; run `koppelkiek init` first")
    partial = file.with_name(f".{file.name}.partial")
    partial.unlink(missing_ok=True)
    with closing(sqlite3.connect(source, timeout=30)) as src, \
            closing(sqlite3.connect(partial)) as dst:
        src.backup(dst)  # all pages in one step: one consistent snapshot
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    rounds, photos = _check_copy(partial)
    os.replace(partial, file)  # never a half-written backup under the real name
    click.echo(f"Backed up {rounds} rounds and {photos} photos to {file}.")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Replace a database that already holds rounds.")
@with_appcontext
def restore_command(file: Path, replace: bool) -> None:
    """Bring a backup back into this instance (stop the server first)."""
    rounds, photos = _check_copy(file)
    target = _database_file()
    if target.exists() and not replace:
        with closing(sqlite3.connect(target)) as conn:
            has_rounds = "rounds" in {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            if has_rounds and _counts(conn)[0]:
                raise click.ClickException(
                    f"{target} already holds rounds; add --replace to overwrite them")
    target.parent.mkdir(parents=True, exist_ok=True)
    db.engine(current_app).dispose()
    with closing(sqlite3.connect(f"file:{file}?mode=ro", uri=True)) as src, \
            closing(sqlite3.connect(target, timeout=30)) as dst:
        src.backup(dst)
    upgrade(db.engine(current_app))  # a backup from an older version gets today's schema
    click.echo(f"Restored {rounds} rounds and {photos} photos into {target}.")
