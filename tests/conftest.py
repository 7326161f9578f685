"""The test harness: one app per test session, each test isolated at the database.

Set TEST_DATABASE_URL to run on PostgreSQL (`make test-postgres` starts a throwaway server);
otherwise the suite runs on a SQLite file in a temporary folder. The schema is built by the
real Alembic migrations.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from coop import create_app, schema
from coop.db import Database
from coop.models import User
from tests import factories

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def database_url(tmp_path_factory: pytest.TempPathFactory, name: str = "carecoop") -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / (name + '.sqlite3')}"


def reset_schema(db: Database) -> None:
    """Drop everything and build the schema from the migrations."""
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    if db.dialect == "sqlite":
        db.engine.dispose()
        path = db.url.removeprefix("sqlite:///")
        for suffix in ("", "-wal", "-shm"):
            Path(path + suffix).unlink(missing_ok=True)
    with db.engine.begin() as connection:
        schema.upgrade(connection)


def test_config(url: str, tmp: Path, **extra: Any) -> dict[str, Any]:
    return {
        "CARECOOP_ENV": "test",
        "DATABASE_URL": url,
        "CARECOOP_MAIL_DIR": str(tmp / "mail"),
        "CARECOOP_SMTP_URL": None,
        "CARECOOP_BASE_URL": "http://localhost",
        **extra,
    }


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    url = database_url(tmp_path_factory)
    application = create_app(test_config(url, tmp_path_factory.mktemp("app")))
    reset_schema(application.extensions["carecoop.db"])
    return application


@pytest.fixture
def db(app: Flask) -> Iterator[Database]:
    """The app's database, with every session inside one transaction rolled back afterwards."""
    database: Database = app.extensions["carecoop.db"]
    connection = database.engine.connect()
    outer = connection.begin()
    database.test_connection = connection
    try:
        yield database
    finally:
        database.test_connection = None
        outer.rollback()
        connection.close()


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    s = db.new_session(write=True)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def client(app: Flask, db: Database) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def make_client(app: Flask, db: Database) -> Any:
    """A test client signed in as `user` (without the cost of the sign-in form)."""

    def make(user: User | None = None) -> FlaskClient:
        c = app.test_client()
        if user is not None:
            with c.session_transaction() as s:
                s["_user_id"] = user.get_id()
                s["_fresh"] = True
        return c

    return make


@pytest.fixture
def make_user(session: Session) -> Any:
    def make(**kwargs: Any) -> User:
        user = factories.user(session, **kwargs)
        session.commit()
        return user

    return make


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_token(client: FlaskClient, path: str = "/sign-in") -> str:
    """The CSRF token from a page's form, as a browser would send it."""
    page = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1) or match.group(2)


def post_form(
    client: FlaskClient, path: str, data: dict[str, Any], *, page: str | None = None
) -> Any:
    """Submit a form the way a browser does: with the CSRF token from the page it is on."""
    return client.post(path, data={"csrf_token": csrf_token(client, page or path), **data})
