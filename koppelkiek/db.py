"""The database: one engine per app, one session per request."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from koppelkiek import migrations

MIGRATIONS_DIR = Path(migrations.__file__).resolve().parent


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str, pool_size: int | None = None, overflow: int | None = None,
                wait_seconds: float = 2.0) -> Engine:
    """An engine whose pool is given up on quickly: a request that finds it empty for
    `wait_seconds` answers 503 busy (errors.py) instead of a 500 after SQLAlchemy's 30 s."""
    sqlite = url.startswith("sqlite")
    pool = {"pool_size": pool_size if pool_size is not None else (20 if sqlite else 10),
            "max_overflow": overflow if overflow is not None else (40 if sqlite else 20),
            "pool_timeout": wait_seconds}
    if sqlite:
        # Under gevent every request and socket event holds a connection: a pool of 5 made a
        # burst of uploads open (and parse the schema on) fresh connections, ~2 ms each.
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10},
                               **pool)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, **pool)


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision."""
    # Imported here, not at the top: the serving processes never need Alembic in memory.
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")


class Database:
    """Holds one engine and session factory per app, in app.extensions."""

    def init_app(self, app: Flask) -> None:
        engine = make_engine(app.config["DATABASE_URL"], app.config.get("DB_POOL_SIZE"),
                             app.config.get("DB_POOL_OVERFLOW"),
                             float(app.config.get("DB_POOL_WAIT_SECONDS", 2.0)))
        app.extensions["koppelkiek_db"] = sessionmaker(engine, expire_on_commit=False)
        app.teardown_appcontext(self._close)

    @staticmethod
    def sessions(app: Flask) -> sessionmaker[Session]:
        return app.extensions["koppelkiek_db"]

    @staticmethod
    def engine(app: Flask) -> Engine:
        return app.extensions["koppelkiek_db"].kw["bind"]

    @staticmethod
    def _close(_exc: BaseException | None) -> None:
        session: Session | None = g.pop("db_session", None)
        if session is not None:
            session.close()


db = Database()


def session() -> Session:
    """The request's session; it is rolled back unless the view commits."""
    if "db_session" not in g:
        g.db_session = db.sessions(current_app)()
    return g.db_session
