"""Alembic migrations, run from code so no alembic.ini is needed on a Pi."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from server.store.connection import translated_errors
from server.store.database import Database

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(db: Database) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    config.attributes["engine"] = db.engine
    return config


def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the schema to `revision`. A database that cannot be reached or written
    raises the store's DatabaseUnavailable (StorageUnavailable)."""
    with translated_errors():
        command.upgrade(alembic_config(db), revision)


def downgrade(db: Database, revision: str) -> None:
    command.downgrade(alembic_config(db), revision)
