"""The database layer: instants in UTC, one transaction per request that begins the way its
work needs (BEGIN IMMEDIATE for writes on SQLite, never for reads), and locks that render."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from coop import extension
from coop.db import WRITE_OPTION, Database, UTCDateTime, current_session, mark_writing
from coop.errors import Conflict
from coop.models import ApiToken, AuditEvent, OutboxMessage, Setting, SignInFailure, User
from coop.services import audit
from coop.web import writes
from tests.conftest import NOW, csrf_token

INSTANTS = [
    datetime(2026, 7, 1, 9, 0, tzinfo=ZoneInfo("Europe/London")),  # summer time, +01:00
    datetime(2026, 12, 1, 9, 0, tzinfo=ZoneInfo("Europe/London")),  # winter, +00:00
    datetime(2026, 3, 8, 23, 59, 59, 999999, tzinfo=ZoneInfo("America/New_York")),
    datetime(2026, 1, 1, 5, 30, tzinfo=timezone(timedelta(hours=5, minutes=30))),
    datetime(2026, 1, 1, 0, 0, tzinfo=UTC),
]


class Statements:
    """The SQL an engine sends, and whether each transaction it began was marked as writing."""

    def __init__(self, engine: Any) -> None:
        self.sql: list[str] = []
        self.begins: list[bool] = []
        event.listen(engine, "before_cursor_execute", self._executed)
        event.listen(engine, "begin", self._began)
        self._engine = engine

    def _executed(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        self.sql.append(statement)

    def _began(self, connection: Any) -> None:
        self.begins.append(connection.get_execution_options().get(WRITE_OPTION, False))

    def clear(self) -> None:
        self.sql.clear()
        self.begins.clear()

    def remove(self) -> None:
        event.remove(self._engine, "before_cursor_execute", self._executed)
        event.remove(self._engine, "begin", self._began)


def outbox_message(created_at: datetime) -> OutboxMessage:
    return OutboxMessage(to_address="a@example.org", subject="s", body="b", created_at=created_at)


# UTCDateTime ------------------------------------------------------------------------------------


def test_a_naive_datetime_is_refused_on_the_way_in(session):
    session.add(outbox_message(datetime(2026, 7, 1, 9, 0)))
    with pytest.raises(StatementError, match="naive datetime"):
        session.flush()
    session.rollback()
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_a_naive_datetime_is_refused_in_a_query_too(session):
    with pytest.raises(StatementError, match="naive datetime"):
        session.scalars(
            select(OutboxMessage).where(OutboxMessage.created_at < datetime(2026, 1, 1))
        )
    session.rollback()


@pytest.mark.parametrize("instant", INSTANTS, ids=str)
def test_an_instant_comes_back_the_same_and_in_utc(instant, db, session):
    message = outbox_message(instant)
    session.add(message)
    session.commit()
    session.expire_all()

    back = session.scalars(select(OutboxMessage).where(OutboxMessage.created_at == instant)).one()
    assert back.created_at == instant
    assert back.created_at.tzinfo is UTC
    assert back.created_at.isoformat() == instant.astimezone(UTC).isoformat()
    stored = session.scalar(text("SELECT created_at FROM outbox_message"))
    if db.dialect == "sqlite":  # a naive UTC text, which sorts and compares as time does
        assert str(stored).startswith(instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"))
    else:  # timestamptz
        assert stored == instant


def test_the_type_attaches_utc_to_what_sqlite_hands_back():
    column = UTCDateTime()

    class Dialect:
        name = "sqlite"

    naive = datetime(2026, 7, 1, 8, 0)
    assert column.process_result_value(naive, Dialect()) == naive.replace(tzinfo=UTC)
    assert column.process_result_value(None, Dialect()) is None
    aware = datetime(2026, 7, 1, 9, 0, tzinfo=ZoneInfo("Europe/London"))
    assert column.process_bind_param(aware, Dialect()) == naive


@pytest.mark.parametrize("object_id", [1, 2**31, 2**63 - 1])
def test_ids_hold_the_whole_64_bit_range(object_id, session):
    made = audit.record(session, None, "test.big_id", "thing", object_id, now=NOW)
    session.commit()
    session.expire_all()
    assert session.get_one(AuditEvent, made.id).object_id == object_id


# How transactions begin -------------------------------------------------------------------------


@pytest.fixture
def standalone(db: Database, tmp_path: Any) -> Iterator[Database]:
    """A database with real commits, away from the test transaction: a file of its own on
    SQLite, a schema of its own on PostgreSQL (dropped afterwards). It holds the tables that
    signing in touches (the page reads the co-op's name from the settings)."""
    if db.dialect == "sqlite":
        own = Database(f"sqlite:///{tmp_path / 'standalone.sqlite3'}")
    else:
        with db.engine.connect() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS begin_check CASCADE"))
            connection.execute(text("CREATE SCHEMA begin_check"))
            connection.commit()
        own = Database(db.url, connect_args={"options": "-c search_path=begin_check"})
    tables = [t.__table__ for t in (User, ApiToken, SignInFailure, Setting)]
    with own.engine.begin() as connection:
        User.metadata.create_all(connection, tables=tables)
    try:
        yield own
    finally:
        own.engine.dispose()
        if db.dialect != "sqlite":
            with db.engine.connect() as connection:
                connection.execute(text("DROP SCHEMA begin_check CASCADE"))
                connection.commit()


@pytest.mark.parametrize("write", [True, False], ids=["writing", "reading"])
def test_a_session_begins_the_way_its_work_needs(write, db, standalone):
    seen = Statements(standalone.engine)
    try:
        with standalone.new_session(write=write) as session:
            session.scalar(select(func.count()).select_from(User))
            session.commit()
    finally:
        seen.remove()
    assert seen.begins == [write]
    if db.dialect == "sqlite":
        assert seen.sql[0] == ("BEGIN IMMEDIATE" if write else "BEGIN")
    else:
        assert not [s for s in seen.sql if s.startswith("BEGIN")], "psycopg begins by itself"


def test_a_writing_request_begins_immediate_and_a_reading_one_does_not(
    app, db, standalone, monkeypatch
):
    monkeypatch.setattr(extension.of(app), "db", standalone)
    seen = Statements(standalone.engine)
    client = app.test_client()
    try:
        read = client.get("/api/v1/me", headers={"Authorization": "Bearer cc_no-such-token"})
        assert read.status_code == 401
        reading = (list(seen.begins), list(seen.sql))
        token = csrf_token(client, "/sign-in")
        seen.clear()
        wrote = client.post(
            "/sign-in", data={"csrf_token": token, "login": "nobody", "password": "a guess"}
        )
        assert wrote.status_code == 200
        writing = (list(seen.begins), list(seen.sql))
    finally:
        seen.remove()

    assert reading[0] == [False]
    assert writing[0] == [True]
    if db.dialect == "sqlite":
        assert "BEGIN" in reading[1] and "BEGIN IMMEDIATE" not in reading[1]
        assert writing[1][0] == "BEGIN IMMEDIATE"
        assert writing[1].count("BEGIN IMMEDIATE") == 1
    with standalone.new_session(write=False) as session:  # the failure was committed
        assert session.scalar(select(func.count()).select_from(SignInFailure)) == 1


@pytest.fixture
def probe_app(make_app: Any, db: Database, tmp_path: Any) -> Flask:
    """An app with a few extra views that read, write, or write and then fail."""
    from tests.conftest import test_config as app_config

    probe: Flask = make_app(app_config(db.url, tmp_path))
    extension.of(probe).db.test_connection = db.test_connection

    def read() -> str:
        current_session().scalar(select(func.count()).select_from(User))
        return "read"

    @writes
    def private() -> str:
        current_session().scalar(select(func.count()).select_from(User))
        return "read, and logged the reading"

    def write() -> str:
        audit.record(current_session(), None, "probe.wrote", "probe", 1, now=NOW)
        return "wrote"

    def write_then_fail() -> str:
        audit.record(current_session(), None, "probe.wrote", "probe", 2, now=NOW)
        raise Conflict("Someone else got there first.")

    def mark_too_late() -> str:
        current_session().scalar(select(func.count()).select_from(User))
        mark_writing()
        return "unreachable"

    probe.add_url_rule("/probe/read", view_func=read)
    probe.add_url_rule("/probe/private", view_func=private)
    probe.add_url_rule("/probe/write", view_func=write, methods=["POST"])
    probe.add_url_rule("/probe/write-then-fail", view_func=write_then_fail, methods=["POST"])
    probe.add_url_rule("/probe/mark-too-late", view_func=mark_too_late)
    return probe


@pytest.mark.parametrize(
    ("method", "path", "writing"),
    [
        ("GET", "/probe/read", False),
        ("GET", "/probe/private", True),
        ("POST", "/probe/write", True),
        ("HEAD", "/probe/read", False),
    ],
)
def test_a_request_asks_for_a_writing_session_when_it_may_write(
    method, path, writing, probe_app, monkeypatch
):
    database: Database = extension.of(probe_app).db
    asked: list[bool] = []
    real = database.new_session

    def new_session(*, write: bool) -> Session:
        asked.append(write)
        return real(write=write)

    client = probe_app.test_client()
    token = csrf_token(client, "/sign-in")
    monkeypatch.setattr(database, "new_session", new_session)
    answer = client.open(path, method=method, data={"csrf_token": token})
    assert answer.status_code == 200
    assert asked == [writing]


def test_a_request_commits_once_at_the_end_and_rolls_back_on_error(probe_app, db, session):
    client = probe_app.test_client()
    token = csrf_token(client, "/sign-in")
    seen = Statements(db.engine)  # in tests a request's commit releases its savepoint
    try:
        assert client.post("/probe/write", data={"csrf_token": token}).status_code == 200
        committed = [s for s in seen.sql if s.startswith(("RELEASE", "ROLLBACK"))]
        seen.clear()
        failed = client.post("/probe/write-then-fail", data={"csrf_token": token})
        rolled_back = [s for s in seen.sql if s.startswith(("RELEASE", "ROLLBACK"))]
    finally:
        seen.remove()
    assert [s.split()[0] for s in committed] == ["RELEASE"]
    assert failed.status_code == 409
    assert [s.split()[0] for s in rolled_back] == ["ROLLBACK"]
    recorded = session.scalars(
        select(AuditEvent.object_id).where(AuditEvent.action == "probe.wrote")
    )
    assert list(recorded) == [1]


def test_marking_a_request_as_writing_after_its_first_query_is_a_bug(probe_app):
    answer = probe_app.test_client().get("/probe/mark-too-late")
    assert answer.status_code == 500


# Locks ------------------------------------------------------------------------------------------


def test_locking_a_persons_row_leaves_keys_alone_on_postgresql(db, session, make_user):
    ada_id = make_user().id
    seen = Statements(db.engine)
    try:
        locked = session.scalar(
            select(User.id).where(User.id == ada_id).with_for_update(key_share=True)
        )
    finally:
        seen.remove()
    assert locked == ada_id
    [statement] = [s for s in seen.sql if "user_account" in s]
    if db.dialect == "postgresql":
        assert statement.rstrip().endswith("FOR NO KEY UPDATE")
        assert session.scalar(text("SELECT 1 FOR NO KEY UPDATE")) == 1
    else:  # SQLite has no row locks: BEGIN IMMEDIATE took the database's write lock instead
        assert "FOR" not in statement.split("FROM")[-1]


def test_connections_are_checked_before_use_and_postgresql_statements_time_out(db):
    assert db.engine.pool._pre_ping  # a database restarted overnight costs no one an error page
    if db.dialect == "postgresql":
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("SHOW statement_timeout").scalar() == "30s"
            assert connection.exec_driver_sql("SHOW lock_timeout").scalar() == "10s"
