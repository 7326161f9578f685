"""The test harness: one app per test session, each test isolated at the database.

Set TEST_DATABASE_URL to run on PostgreSQL (`make test-postgres` starts a throwaway server);
otherwise the suite runs on a SQLite file in a temporary folder. The schema is built by the
real Alembic migrations.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, make_url, select, text
from sqlalchemy.orm import Session

from coop import create_app, extension, schema
from coop.db import Base, Database, make_engine
from coop.models import AuditEvent, OutboxMessage, User
from coop.services import settings
from tests import factories
from tests.clock import NOW, TEST_CLOCK, Clock

__all__ = ["NOW", "Clock"]


def database_url(tmp_path_factory: pytest.TempPathFactory, name: str = "carecoop") -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if url and worker:
        # Each of pytest-xdist's workers gets a database of its own on the same server.
        server = make_url(url)
        own = f"{server.database}_{worker}"
        admin = make_engine(
            server.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT"
        )
        try:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{own}" WITH (FORCE)'))
                connection.execute(text(f'CREATE DATABASE "{own}"'))
        finally:
            admin.dispose()
        return server.set(database=own).render_as_string(hide_password=False)
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / (name + '.sqlite3')}"


def touches_postgresql(item: pytest.Item) -> bool:
    """Whether a test says anything about PostgreSQL: it runs on the session's app (so on
    PostgreSQL when TEST_DATABASE_URL is set), or it is the `postgresql` case of a test run on
    each database. The `sqlite` cases, and tests that need no database at all, say nothing new
    there: they ran in the SQLite suite."""
    callspec = getattr(item, "callspec", None)
    params = callspec.params.values() if callspec else ()
    databases = {value for value in params if value in ("sqlite", "postgresql")}
    if databases:
        return "postgresql" in databases
    return "app" in getattr(item, "fixturenames", ())


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On PostgreSQL (`make test-postgres`, and make check's PostgreSQL step) only the tests that
    touch it run, so the rest do not run twice in `make check`."""
    if not os.environ.get("TEST_DATABASE_URL"):
        return
    elsewhere = [item for item in items if not touches_postgresql(item)]
    if elsewhere:
        config.hook.pytest_deselected(items=elsewhere)
        items[:] = [item for item in items if touches_postgresql(item)]


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
        "CARECOOP_CLOCK": TEST_CLOCK,
        **extra,
    }


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    url = database_url(tmp_path_factory)
    application = create_app(test_config(url, tmp_path_factory.mktemp("app")))
    reset_schema(extension.of(application).db)
    yield application
    # Close the pool's connections: psycopg warns (an error here) about one left to the GC.
    extension.of(application).db.engine.dispose()


@pytest.fixture
def db(app: Flask, request: pytest.FixtureRequest) -> Iterator[Database]:
    """The app's database, with every session inside one transaction rolled back afterwards.
    In a module marked `shared_world`, that transaction is a savepoint inside the module's own
    (see `module_db`), so what the module built once is there for each test, as it was.

    The app is the current one for the test (`coop.extension.current()`), as it is for a
    request, so that the services a test calls directly use its time zone, hasher and
    registries. (Not a whole app context: a request would then share the test's `g`.)"""
    with _current(app):
        database = extension.of(app).db
        if request.node.get_closest_marker("shared_world") is not None:
            connection = request.getfixturevalue("module_db").test_connection
            savepoint = connection.begin_nested()
            database.test_connection = connection
            try:
                yield database
            finally:
                if savepoint.is_active:
                    savepoint.rollback()
            return
        with _in_one_transaction(database):
            yield database


@pytest.fixture
def app_is_current(app: Flask) -> Iterator[None]:
    """For a test that drives the services on a database of its own (a race test's scratch
    database): the session app is the current one, for its time zone, hasher and registries.
    Threads the test starts see it too if they run in a copy of its context."""
    with _current(app):
        yield


@contextlib.contextmanager
def _current(app: Flask) -> Iterator[None]:
    token = extension.activate(extension.of(app))
    try:
        yield
    finally:
        extension.deactivate(token)


@contextlib.contextmanager
def _in_one_transaction(database: Database) -> Iterator[None]:
    """Every session of `database` inside one connection's transaction, rolled back at the end."""
    connection = database.engine.connect()
    outer = connection.begin()
    database.test_connection = connection
    try:
        yield
    finally:
        database.test_connection = None
        outer.rollback()
        connection.close()


@pytest.fixture(scope="module")
def module_db(app: Flask) -> Iterator[Database]:
    """For a module marked `shared_world`: one transaction for the whole module, rolled back at
    its end. A module-scoped fixture builds its world in it once (instead of once per test);
    each test then runs in a savepoint of it, rolled back after the test."""
    database = extension.of(app).db
    TEST_CLOCK.set(NOW)
    with _current(app), _in_one_transaction(database):
        yield database


def adopt(session: Session, value: Any) -> Any:
    """A world built once (`module_db`) for this test's session: each record in it (in
    dataclasses, dicts, lists and tuples) becomes this session's own fresh copy, which loads
    what it shows from the database as the test finds it. The built objects stay untouched,
    so no test sees another's changes through them."""
    if hasattr(value, "__mapper__"):
        return session.merge(value, load=False)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(
            value,
            **{f.name: adopt(session, getattr(value, f.name)) for f in dataclasses.fields(value)},
        )
    if isinstance(value, dict):
        return {k: adopt(session, v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(adopt(session, v) for v in value)
    return value


def build_once(db: Database, build: Any, *args: Any) -> Any:
    """Run `build(session, *args)` in the module's transaction and commit it, for `adopt`."""
    with db.transaction() as session:
        return build(session, *args)


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    s = db.new_session(write=True)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def client(app: Flask, db: Database) -> FlaskClient:
    _fresh_rate_limits(app)
    return app.test_client()


def _fresh_rate_limits(app: Flask) -> None:
    """The session app's limiter counts in memory, across tests: each test starts with none."""
    extension.of(app).limiter.reset()


@pytest.fixture
def make_client(app: Flask, db: Database) -> Any:
    """A test client signed in as `user` (without the cost of the sign-in form)."""
    _fresh_rate_limits(app)

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


# Time -------------------------------------------------------------------------------------------


def pytest_configure(config: pytest.Config) -> None:
    """`CARECOOP_TEST_DAYS_AHEAD=N` runs the whole suite (in every xdist worker, since each runs
    this hook) with Python's wall clock moved N days ahead, ticking on. The test clock stays at
    NOW, so only a test that reads the real clock notices (`make check-dates`)."""
    days = os.environ.get("CARECOOP_TEST_DAYS_AHEAD")
    if days:
        import time_machine

        travel = time_machine.travel(datetime.now(UTC) + timedelta(days=int(days)), tick=True)
        travel.start()
        config.add_cleanup(travel.stop)


@pytest.fixture(autouse=True)
def _clock_at_now() -> None:
    """Every test starts with the test clock at NOW."""
    TEST_CLOCK.set(NOW)


@pytest.fixture
def clock() -> Clock:
    """The clock every test app reads, standing at NOW until the test moves it."""
    return TEST_CLOCK


# More apps --------------------------------------------------------------------------------------


@pytest.fixture
def make_app(app: Flask) -> Iterator[Any]:
    """Build another app, as a second worker or another mode would be. What an app owns is its
    own (`coop.extension`); only logging is the process's, and a production app sets up the
    root logger's handler: it is put back as it was."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    built: list[Flask] = []

    def make(config: dict[str, Any]) -> Flask:
        other = create_app(config)
        built.append(other)
        return other

    try:
        yield make
    finally:
        for other in built:
            extension.of(other).db.engine.dispose()
        root.handlers[:] = handlers  # a production app sets up logging; pytest's is put back
        root.setLevel(level)


@pytest.fixture
def second_app(db: Database, make_app: Any, tmp_path: Path) -> Flask:
    """A second app instance on the same database (and, in tests, the same transaction)."""
    other: Flask = make_app(test_config(db.url, tmp_path))
    extension.of(other).db.test_connection = db.test_connection
    return other


# Signing in and reading pages -------------------------------------------------------------------


def sign_in(
    client: FlaskClient,
    login: str,
    password: str = factories.DEFAULT_PASSWORD,
    *,
    remember: bool = False,
) -> Any:
    """Sign in through the real form."""
    data = {"login": login, "password": password}
    if remember:
        data["remember"] = "y"
    return post_form(client, "/sign-in", data)


def is_signed_out(client: FlaskClient) -> bool:
    """True when a private page sends this client to sign in."""
    answer = client.get("/account/")
    if answer.status_code == 200:
        return False
    assert answer.status_code == 302, answer.status_code
    return answer.headers["Location"].startswith("/sign-in")


@dataclasses.dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""

    def has_class(self, name: str) -> bool:
        return name in self.attrs.get("class", "").split()


VOID_TAGS = frozenset({"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "wbr"})


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open: list[Element] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.elements.append(element)
        if tag not in VOID_TAGS:
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i].tag == tag:
                del self._open[i:]
                break

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element.text += data


def elements(html: str | Any, tag: str | None = None, **attrs: str) -> list[Element]:
    """The page's elements with this tag and these attributes (`class_` matches one class);
    each with its text, whitespace collapsed."""
    if not isinstance(html, str):
        html = html.get_data(as_text=True)
    parser = _PageParser()
    parser.feed(html)
    found = []
    for element in parser.elements:
        element.text = " ".join(element.text.split())
        if tag is not None and element.tag != tag:
            continue
        if "class_" in attrs and not element.has_class(attrs["class_"]):
            continue
        if all(element.attrs.get(k) == v for k, v in attrs.items() if k != "class_"):
            found.append(element)
    return found


def element(html: str | Any, tag: str | None = None, **attrs: str) -> Element:
    """The one element that matches (see `elements`)."""
    found = elements(html, tag, **attrs)
    assert len(found) == 1, f"expected one <{tag or '*'} {attrs}>, found {len(found)}"
    return found[0]


def field_errors(html: str | Any, field_id: str) -> str:
    """The errors shown next to a form field, checking that the field points to them."""
    errors = element(html, id=f"{field_id}-error")
    control = element(html, id=field_id)
    assert f"{field_id}-error" in control.attrs.get("aria-describedby", "").split()
    return errors.text


def problem(answer: Any, status: int) -> dict[str, Any]:
    """An RFC 9457 problem+json answer with this status: its body."""
    assert answer.status_code == status, (answer.status_code, answer.get_data(as_text=True))
    assert answer.mimetype == "application/problem+json"
    body: dict[str, Any] = answer.get_json()
    assert {"type", "title", "status", "detail"} <= body.keys()
    assert body["status"] == status
    return body


def html_error_page(answer: Any, status: int) -> Element:
    """An HTML error page with this status; returns its heading."""
    assert answer.status_code == status, (answer.status_code, answer.get_data(as_text=True))
    assert answer.mimetype == "text/html"
    heading = element(answer, "h1")
    assert heading.text
    return heading


# Records ----------------------------------------------------------------------------------------


def audited(
    session: Session,
    action: str,
    *,
    actor: User | None,
    object_type: str,
    object_id: int | None,
) -> AuditEvent:
    """The one audit event for this action on this object, by this actor."""
    session.expire_all()
    found = list(
        session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == action,
                AuditEvent.object_type == object_type,
                AuditEvent.object_id == object_id
                if object_id is not None
                else AuditEvent.object_id.is_(None),
            )
        )
    )
    assert len(found) == 1, f"expected one {action} on {object_type} {object_id}, got {found}"
    assert found[0].actor_id == (actor.id if actor else None)
    return found[0]


def mails_to(session: Session, address: str) -> list[OutboxMessage]:
    session.expire_all()
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.to_address == address)
            .order_by(OutboxMessage.id)
        )
    )


def link_in_mail(session: Session, address: str) -> str:
    """The path of the link in the latest e-mail to `address` (as the person would click it)."""
    messages = mails_to(session, address)
    assert messages, f"no e-mail to {address}"
    match = re.search(r"http://localhost(/\S+)", messages[-1].body)
    assert match, messages[-1].body
    return match.group(1)


def row_counts(session: Session) -> dict[str, int]:
    """How many rows each table holds: a change anywhere shows here."""
    session.expire_all()
    return {
        table.name: session.scalar(select(func.count()).select_from(table)) or 0
        for table in Base.metadata.sorted_tables
    }


def demo_parts() -> list[Any]:
    """The current app's demo parts, in order, for `coop.demo.seed`."""
    return extension.current().registry.sorted_demo_parts()


def settings_form(session: Session) -> dict[str, str]:
    """Every co-op setting as the settings page's form holds it now: what a browser would send
    back if the admin changed nothing."""
    typed = {}
    for name, value in settings.all_values(session).items():
        if extension.current().registry.settings[name].type == "bool":
            if value is True:
                typed[name] = "on"
        else:
            typed[name] = "" if value is None else str(value)
    return typed
