"""Applying the Alembic migrations (in the package: `coop/migrations/`) to the app's database."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(connection: Connection, revision: str = "head") -> None:
    if connection.dialect.name == "postgresql":
        # Building an index on a big table may take longer than a page ever should.
        connection.exec_driver_sql("SET LOCAL statement_timeout = 0")
    command.upgrade(alembic_config(connection), revision)


def downgrade(connection: Connection, revision: str = "base") -> None:
    command.downgrade(alembic_config(connection), revision)


def at_head(connection: Connection) -> bool:
    """Whether the database's schema is at the newest migration."""
    heads = set(ScriptDirectory.from_config(alembic_config(connection)).get_heads())
    return set(MigrationContext.configure(connection).get_current_heads()) == heads
