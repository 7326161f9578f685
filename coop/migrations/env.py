"""Alembic's environment: the models' metadata, and the app's database (or a connection that
`coop.schema` hands over)."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from coop.app import load_models
from coop.config import DOMAINS
from coop.db import Base, make_engine

load_models(DOMAINS)
target_metadata = Base.metadata


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        run(connection)
        return
    # `alembic ...` from the command line: the same database the app would use.
    import os

    from coop.config import load_config

    os.environ.setdefault("CARECOOP_ENV", "development")
    url = load_config("instance")["DATABASE_URL"]
    with make_engine(url).begin() as conn:
        run(conn)


main()
