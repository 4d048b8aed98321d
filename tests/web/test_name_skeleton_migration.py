"""Players who joined before names had skeletons keep working, and their look-alikes are taken
once the migration has filled in the skeletons."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text

from koppelkiek.db import MIGRATIONS_DIR, db
from tests.helpers import World


def migrate(world: World, target: str, down: bool = False) -> None:
    db.engine(world.app).dispose()
    # A plain engine, as the migration command uses: SQLite's batch mode rebuilds the table.
    engine = create_engine(world.app.config["DATABASE_URL"])
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(cfg, target)
    engine.dispose()


def test_existing_names_get_skeletons(world: World) -> None:
    fatma, _ = world.join("Fatma")
    omer, _ = world.join("Ömer")
    migrate(world, "0005", down=True)  # as a database from before the skeletons
    try:
        with db.engine(world.app).connect() as conn:
            columns = conn.execute(text("SELECT * FROM players")).keys()
            assert "name_skeleton" not in columns
    finally:
        migrate(world, "head")
    assert fatma.get("/api/v1/me").get_json()["player"]["display_name"] == "Fatma"
    assert omer.get("/api/v1/me").status_code == 200
    res = world.app.test_client().post("/api/v1/join", json={
        "join_code": world.join_code, "display_name": "Fаtma"})  # Cyrillic а
    assert res.status_code == 409 and res.get_json()["error"]["code"] == "display_name_taken"
    res = world.app.test_client().post("/api/v1/join", json={
        "join_code": world.join_code, "display_name": "Omer"})
    assert res.status_code == 201  # Ö and O look different: not taken
