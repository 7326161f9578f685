"""The database: one declarative `Base`, the `UTCDateTime` type, engines and request sessions.

Transactions on SQLite begin as `BEGIN IMMEDIATE` when they will write and as plain `BEGIN`
when they only read: a read transaction that later tries to write fails with "database is
locked" under WAL, and taking the write lock for every page view would serialise them all.
A request is known to write when its method is not GET/HEAD/OPTIONS, or when its view calls
`mark_writing()` before its first query (a GET of private records writes an AccessEvent).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from flask import g, has_request_context, request
from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

WRITE_OPTION = "carecoop_write"
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def sql_list(values: tuple[str, ...]) -> str:
    """Names as an SQL list for a CHECK constraint: ('a', 'b') -> "'a', 'b'" (fixed names from
    the code, never user input)."""
    return ", ".join(f"'{v}'" for v in values)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """An instant, stored in UTC. Naive datetimes are refused on the way in (they are a bug:
    nobody can say which zone they meant); values always come back aware, in UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r} refused: give it a time zone")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


#: On PostgreSQL, how long a statement may wait for a lock, and run, before it is stopped: a
#: page that would hang instead fails and says so. Migrations lift the statement limit.
LOCK_TIMEOUT = "10s"
STATEMENT_TIMEOUT = "30s"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`: connections checked before use (a database restarted overnight
    costs no one an error page); on SQLite with WAL, foreign keys and our own BEGIN statements;
    on PostgreSQL with lock and statement timeouts."""
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 5})
    elif url.startswith("postgresql"):
        kwargs.setdefault(
            "connect_args",
            {"options": f"-c lock_timeout={LOCK_TIMEOUT} -c statement_timeout={STATEMENT_TIMEOUT}"},
        )
    kwargs.setdefault("pool_pre_ping", True)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Autocommit at the driver, so that we, not pysqlite, decide how each transaction begins.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _sqlite_on_begin(connection: Connection) -> None:
    writing = connection.get_execution_options().get(WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")


class Database:
    """Engines and sessions for one app.

    Tests set `test_connection` to a connection inside an outer transaction; every session then
    joins it through savepoints, so code under test may commit and the test still rolls back.
    """

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.write_engine = self.engine.execution_options(**{WRITE_OPTION: True})
        self.test_connection: Connection | None = None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def new_session(self, *, write: bool) -> Session:
        if self.test_connection is not None:
            return Session(bind=self.test_connection, join_transaction_mode="create_savepoint")
        return Session(bind=self.write_engine if write else self.engine)

    @contextlib.contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Session]:
        """A session for work outside a request (CLI, timed jobs): commits at the end, or
        rolls back if anything fails."""
        session = self.new_session(write=write)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()


def database() -> Database:
    """The current app's database."""
    from coop.extension import current

    return current().db


def mark_writing() -> None:
    """Say that this request will write. Must come before the request's first query."""
    if "db_session" in g:
        session: Session = g.db_session
        if session.in_transaction() and not g.get("db_writing", False):
            raise RuntimeError("mark_writing() must be called before the request's first query")
    g.db_writing = True


def current_session() -> Session:
    """The request's session, made on first use; the request commits it once at the end."""
    if "db_session" not in g:
        writing = g.get("db_writing", False) or (
            has_request_context() and request.method not in READ_ONLY_METHODS
        )
        g.db_writing = writing
        g.db_session = database().new_session(write=writing)
    session: Session = g.db_session
    return session


def discard_session() -> None:
    """Roll back and forget the request's session (on error, or before a retry)."""
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        session.rollback()
        session.close()


def upsert(
    session: Session, model: type[Any], values: dict[str, Any], *, key: tuple[str, ...]
) -> None:
    """Insert a row of `model` with `values`, or, when a row with the same `key` columns is there
    (a unique constraint on them), set its other columns to `values`: one statement, so that two
    writers at once leave one row, on PostgreSQL and SQLite alike."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    insert = dialect.insert(model).values(**values)
    session.execute(
        insert.on_conflict_do_update(
            index_elements=list(key),
            set_={k: getattr(insert.excluded, k) for k in values if k not in key},
        )
    )
