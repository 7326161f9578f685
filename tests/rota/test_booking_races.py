"""Never double booked, under real concurrency: eight requests at the same moment, thirty rounds,
through the services as a request runs them, on a database of its own (real commits, one
connection per thread). Each guard is shown holding on its own, with a pause between the check and the write
so that the race really happens on two cores:

- PostgreSQL: the row lock with the exclusion constraint dropped; the exclusion constraint with
  the row lock switched off; and, to show the race is real, both off lets a double booking in.
- SQLite: `BEGIN IMMEDIATE` for every writing request.

Runs on SQLite always and on PostgreSQL when TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import contextvars
import os
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from coop import pauses, schema
from coop.db import Database, make_engine
from coop.errors import DomainError
from coop.models import User
from rota.services import booking, visits
from teams.models import Team
from teams.services import members
from teams.services.standing import standing
from tests import factories
from tests.clock import clock_now

ROUNDS = 30
AT_ONCE = 8
PAUSE = float(os.environ.get("RACE_PAUSE", "0.02"))
DATABASES = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])
BASE = datetime(2031, 4, 1, 8, 0, tzinfo=UTC)
CONSTRAINT = "ex_visit_no_double_booking"

# Two live visits of one person that overlap: what must never exist.
OVERLAPS = text(
    """
    SELECT count(*) FROM visit a JOIN visit b
      ON a.worker_id = b.worker_id AND a.id < b.id
     AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at
    WHERE a.status IN ('offered', 'accepted', 'done') AND b.status IN ('offered', 'accepted', 'done')
    """
)


@contextmanager
def scratch_database(kind: str, tmp_path: Path) -> Iterator[str]:
    """A database of our own with the real schema, removed afterwards: its URL."""
    if kind == "sqlite":
        # In memory-backed files where there are some: a commit's fsync costs nothing there, and
        # the race is the same.
        folder = Path(tempfile.mkdtemp(dir="/dev/shm" if os.path.isdir("/dev/shm") else tmp_path))
        url = f"sqlite:///{folder / 'races.sqlite3'}"
        engine = make_engine(url)
        with engine.begin() as connection:
            schema.upgrade(connection)
        engine.dispose()
        try:
            yield url
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    server = make_url(os.environ["TEST_DATABASE_URL"])
    name = f"carecoop_rota_race_{uuid.uuid4().hex[:12]}"
    admin = make_engine(server.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    try:
        engine = make_engine(url)
        with engine.begin() as connection:
            schema.upgrade(connection)
        engine.dispose()
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass
class Setting:
    db: Database
    worker_id: int
    teams: list[tuple[int, int]]  # (team id, its leader's user id)
    joiners: list[int]  # eight bookable members of the first team


def _setting(db: Database) -> Setting:
    now = clock_now()
    with db.transaction() as session:
        setup = factories.user(session, roles=["facilitator"])
        worker = factories.user(session, display_name="Wren Worker")
        teams, joiners = [], []
        for n in range(2):
            leader = factories.user(session, display_name=f"Leader {n}")
            team = members.create_team(session, setup, name=f"Team {n}", leader=leader, now=now)
            lead = standing(session, leader, team, now)
            people = [worker] + (
                [factories.user(session) for _ in range(AT_ONCE)] if n == 0 else []
            )
            for person in people:
                _m, token = members.invite(
                    session,
                    lead,
                    name=person.display_name,
                    email=person.email or "",
                    kind="worker",
                    employment="independent",
                    base_url="",
                    now=now,
                )
                members.accept_invitation(session, person, token, now=now)
                if person is not worker:
                    joiners.append(person.id)
            teams.append((team.id, leader.id))
        worker_id = worker.id
    return Setting(db=db, worker_id=worker_id, teams=teams, joiners=joiners)


def as_request(db: Database, work: Callable[[Session], Any]) -> tuple[int, str]:
    """One request's transaction, as the web layer runs it: a write session (`BEGIN IMMEDIATE`
    on SQLite), commit on success, roll back on a DomainError and answer its status; a deadlock
    or serialization failure is retried, as the web layer does."""
    for _attempt in range(3):
        session = db.new_session(write=True)
        try:
            work(session)
            session.commit()
            return 200, ""
        except DomainError as exc:
            session.rollback()
            return exc.status, exc.detail
        except DBAPIError as exc:
            session.rollback()
            if getattr(exc.orig, "sqlstate", None) not in ("40P01", "40001"):
                raise
        finally:
            session.close()
    return 503, "retried three times"


def all_at_once(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Start every job at the same moment, one thread each; their answers, in order."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def run(i: int, job: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results[i] = job()
        except BaseException as exc:
            results[i] = exc

    # Each thread in a copy of the test's context, so that the app the test made current is
    # current there too.
    threads = [
        threading.Thread(target=contextvars.copy_context().run, args=(run, i, job))
        for i, job in enumerate(jobs)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _book(setting: Setting, team_id: int, leader_id: int, at: datetime) -> tuple[int, str]:
    def work(session: Session) -> None:
        leader = session.get(User, leader_id)
        team = session.get(Team, team_id)
        assert leader is not None and team is not None
        visits.plan_visit(
            session,
            standing(session, leader, team, at),
            starts_at=at,
            ends_at=at + timedelta(hours=1),
            worker_id=setting.worker_id,
            now=at - timedelta(days=1),
        )

    return as_request(setting.db, work)


def _book_rounds(setting: Setting, rounds: int = ROUNDS, first_round: int = 0) -> list[int]:
    """Each round, eight bookings of the one worker into overlapping visits of two teams at
    once. Returns how many succeeded each round, after checking every refusal is a 409 that
    names the worker and the clash's times, and nothing of the other team."""
    successes = []
    for r in range(first_round, first_round + rounds):
        start = BASE + timedelta(hours=3 * r)
        answers = all_at_once(
            [
                lambda i=i, start=start: _book(
                    setting, *setting.teams[i % 2], start + timedelta(minutes=5 * i)
                )
                for i in range(AT_ONCE)
            ]
        )
        assert all(isinstance(a, tuple) and a[0] in (200, 409) for a in answers), answers
        for status, detail in answers:
            if status == 409:
                assert detail.startswith("Wren Worker is already booked"), detail
                assert "Team" not in detail and "Leader" not in detail
        successes.append(sum(a[0] == 200 for a in answers))
    return successes


def _no_overlaps(setting: Setting) -> None:
    with setting.db.engine.connect() as connection:
        assert connection.execute(OVERLAPS).scalar() == 0


@pytest.fixture
def race(app: Flask, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Setting]:
    # `app` only so that the suite's app (its registries and clock) exists: this test drives the
    # services on a database of its own, one session (one connection) per thread.
    with scratch_database(request.param, tmp_path) as url:
        db = Database(url, pool_size=AT_ONCE + 2)
        try:
            yield _setting(db)
        finally:
            db.engine.dispose()


pytestmark = pytest.mark.usefixtures("app_is_current")


@pytest.fixture(autouse=True)
def _pause_between_check_and_write(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every booking waits between its check and its write, so that the eight really meet."""
    monkeypatch.setattr(pauses, "pause_point", lambda _name: time.sleep(PAUSE))


@contextmanager
def constraint_dropped(db: Database) -> Iterator[None]:
    with db.engine.begin() as connection:
        definition = connection.execute(
            text("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = :name"),
            {"name": CONSTRAINT},
        ).scalar_one()
        connection.execute(text(f"ALTER TABLE visit DROP CONSTRAINT {CONSTRAINT}"))
    try:
        yield
    finally:
        with db.engine.begin() as connection:
            connection.execute(text(f"ALTER TABLE visit ADD CONSTRAINT {CONSTRAINT} {definition}"))


@pytest.mark.parametrize("race", DATABASES, indirect=True)
def test_eight_bookings_of_one_worker_at_once_exactly_one_wins(race, monkeypatch):
    setting = race
    assert _book_rounds(setting) == [1] * ROUNDS
    _no_overlaps(setting)
    if setting.db.dialect != "postgresql":
        return  # on SQLite, BEGIN IMMEDIATE is the one guard, and it held above
    # (a) The row lock alone: the exclusion constraint dropped.
    with constraint_dropped(setting.db):
        assert _book_rounds(setting, first_round=ROUNDS) == [1] * ROUNDS
    _no_overlaps(setting)
    # (b) The exclusion constraint alone: no row lock; the losers' 23P01 is the same 409.
    monkeypatch.setattr(booking, "_lock_rows", lambda *_: None)
    assert _book_rounds(setting, first_round=2 * ROUNDS) == [1] * ROUNDS
    _no_overlaps(setting)
    # Both off, the race really does happen: some round books the worker twice.
    with constraint_dropped(setting.db):
        booked = _book_rounds(setting, rounds=3, first_round=3 * ROUNDS)
        assert max(booked) > 1, booked
        # Take the double bookings out again, so that the constraint can come back.
        with setting.db.engine.begin() as connection:
            connection.execute(
                text("DELETE FROM visit WHERE starts_at >= :t"),
                {"t": BASE + timedelta(hours=3 * 3 * ROUNDS)},
            )
    _no_overlaps(setting)


@pytest.mark.parametrize("race", DATABASES, indirect=True)
def test_eight_members_joining_one_open_visit_exactly_one_gets_it(race):
    setting = race
    team_id, leader_id = setting.teams[0]
    for r in range(ROUNDS):
        at = BASE + timedelta(hours=3 * r)
        made: list[int] = []

        def open_visit(session: Session, at: datetime = at, made: list[int] = made) -> None:
            leader, team = session.get(User, leader_id), session.get(Team, team_id)
            assert leader is not None and team is not None
            planned = visits.plan_visit(
                session,
                standing(session, leader, team, at),
                starts_at=at,
                ends_at=at + timedelta(hours=1),
                now=at - timedelta(days=1),
            )
            made.append(planned.visit.id)

        assert as_request(setting.db, open_visit)[0] == 200

        def join(user_id: int, at: datetime = at, visit_id: int = made[0]) -> tuple[int, str]:
            def work(session: Session) -> None:
                visit, s = visits.find_visit(session, session.get(User, user_id), visit_id, at)
                visits.join_visit(session, s, visit, now=at - timedelta(days=1))

            return as_request(setting.db, work)

        answers = all_at_once([lambda u=u: join(u) for u in setting.joiners])
        assert sorted(a[0] for a in answers) == [200] + [409] * (AT_ONCE - 1), answers
    _no_overlaps(setting)
