"""Ballots at the same moment: one member clicking eight times, and eight members at once,
thirty rounds each, with real commits from one connection per thread. Each time exactly one
ballot per member, a chain that verifies, and no error but the database's own retryable ones.

Runs on SQLite always and on PostgreSQL when TEST_DATABASE_URL is set, each in a database of
its own (never the shared test database, whose tests run inside rolled-back transactions).
"""

from __future__ import annotations

import contextvars
import os
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import func, make_url, select, text
from sqlalchemy.exc import DBAPIError, OperationalError

from coop import pauses, schema
from coop.db import Database, make_engine
from governance.models import Ballot, Member
from governance.services import ballot_log, ballots
from tests.conftest import NOW
from tests.governance import factories as gf

T = TypeVar("T")
KEY = gf.KEY
ROUNDS = 30
THREADS = 8
RETRYABLE = {"40001", "40P01"}
DATABASES = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


@contextmanager
def scratch_database(kind: str, tmp_path: Path) -> Iterator[Database]:
    """A database of our own with the real schema, removed afterwards."""
    if kind == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'concurrency.sqlite3'}")
        with db.engine.begin() as connection:
            schema.upgrade(connection)
        try:
            yield db
        finally:
            db.engine.dispose()
        return
    server = make_url(os.environ["TEST_DATABASE_URL"])
    name = f"carecoop_race_{uuid.uuid4().hex[:12]}"
    admin = make_engine(server.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    db = Database(
        server.set(database=name).render_as_string(hide_password=False), pool_size=THREADS + 2
    )
    try:
        with db.engine.begin() as connection:
            schema.upgrade(connection)
        yield db
    finally:
        db.engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def in_transaction(db: Database, work: Callable[[Any], T]) -> T:
    """Run `work` in its own transaction and commit, retrying what the web layer retries (a
    deadlock or serialization failure) and what it answers 503 to (SQLite busy)."""
    for attempt in range(20):
        try:
            with db.transaction() as session:
                return work(session)
        except DBAPIError as exc:
            state = getattr(getattr(exc, "orig", None), "sqlstate", None)
            busy = isinstance(exc, OperationalError) and "database is locked" in str(exc)
            if state in RETRYABLE or busy:
                time.sleep(0.01 * (attempt + 1))
                continue
            raise
    raise AssertionError("gave up after 20 attempts")


pytestmark = pytest.mark.usefixtures("app_is_current")


def all_at_once(jobs: list[Callable[[], Any]]) -> list[BaseException]:
    """Start every job at the same moment, one thread each; returns what they raised."""
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            job()
        except BaseException as exc:
            errors.append(exc)

    # Each thread in a copy of the test's context: the app the test made current is current there.
    threads = [
        threading.Thread(target=contextvars.copy_context().run, args=(run, job)) for job in jobs
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


@pytest.mark.parametrize("kind", DATABASES)
def test_simultaneous_ballots_leave_one_per_member_and_a_chain_that_verifies(app, kind, tmp_path):
    # `app` only so that the suite's app (and its rate limiter) exists; this test has its own
    # database and drives the services directly, one session per thread.
    with scratch_database(kind, tmp_path) as db:

        def setup(session: Any) -> tuple[int, list[tuple[int, int]]]:
            sec = gf.secretary(session)
            members = [
                gf.member(session, member_class=("worker", "investor")[i % 2])
                for i in range(THREADS)
            ]
            proposal = gf.proposal(session, sec, closes_in=timedelta(days=30))
            return proposal.id, [(m.id, m.user_id) for m in members]

        proposal_id, members = in_transaction(db, setup)
        choices = ("for", "against", "abstain")

        def cast(user_id: int, choice: str, minute: int) -> Callable[[], Any]:
            def job() -> Any:
                def work(session: Any) -> Any:
                    user = session.get(gf.User, user_id)
                    return ballots.cast_ballot(
                        session,
                        user,
                        proposal_id,
                        choice=choice,
                        key=KEY,
                        now=NOW + timedelta(minutes=minute),
                    )

                return in_transaction(db, work)

            return job

        # One member, eight clicks at once.
        for r in range(ROUNDS):
            _member_id, user_id = members[r % THREADS]
            errors = all_at_once([cast(user_id, choices[i % 3], r) for i in range(THREADS)])
            assert not errors, errors
        # Eight members at once.
        for r in range(ROUNDS):
            errors = all_at_once(
                [cast(u, choices[(r + i) % 3], ROUNDS + r) for i, (_m, u) in enumerate(members)]
            )
            assert not errors, errors

        with db.transaction(write=False) as session:
            per_member = dict(
                session.execute(
                    select(Ballot.member_id, func.count())
                    .where(Ballot.proposal_id == proposal_id)
                    .group_by(Ballot.member_id)
                ).all()
            )
            assert per_member == {m: 1 for m, _u in members}
            found = ballot_log.verify(session, proposal_id, key=KEY)
            assert found.ok, found.problems
            assert found.entry_count == 2 * ROUNDS * THREADS
            assert session.scalar(select(func.count()).select_from(Member)) == THREADS


def _meet(parties: int) -> Callable[[], None]:
    """A pause where `parties` threads wait for each other (or give up after a second, when a
    lock keeps the others from arriving)."""
    barrier = threading.Barrier(parties)

    def pause() -> None:
        with suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=1)

    return pause


def _first_ballots_at_once(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> tuple[int, list[BaseException]]:
    """Two members' first ballots, paused together between reading the log's head and writing."""

    def setup(session: Any) -> tuple[int, list[int]]:
        sec = gf.secretary(session)
        members = [gf.member(session) for _ in range(2)]
        proposal = gf.proposal(session, sec, closes_in=timedelta(days=30))
        return proposal.id, [m.user_id for m in members]

    proposal_id, users = in_transaction(db, setup)
    meet = _meet(2)
    monkeypatch.setattr(
        pauses,
        "pause_point",
        lambda name: meet() if name == "governance.ballot.before_append" else None,
    )

    def cast(user_id: int) -> Callable[[], Any]:
        def job() -> Any:
            with db.transaction() as session:
                user = session.get(gf.User, user_id)
                return ballots.cast_ballot(
                    session, user, proposal_id, choice="for", key=KEY, now=NOW
                )

        return job

    errors = all_at_once([cast(u) for u in users])
    monkeypatch.setattr(pauses, "pause_point", lambda _name: None)
    return proposal_id, errors


@pytest.mark.parametrize("kind", DATABASES)
def test_without_the_lock_the_unique_sequence_still_stops_a_fork(app, kind, tmp_path, monkeypatch):
    def unlocked(session: Any, proposal_id: int, now: Any) -> Any:
        return session.get(ballots.Proposal, proposal_id)  # no FOR UPDATE

    monkeypatch.setattr(ballots, "lock_open", unlocked)
    with scratch_database(kind, tmp_path) as db:
        proposal_id, errors = _first_ballots_at_once(db, monkeypatch)
        # On PostgreSQL both read the same head and one insert meets the unique (proposal, seq):
        # an IntegrityError, which the web layer answers 409. SQLite's BEGIN IMMEDIATE queues
        # the second writer whole, so both succeed one after the other.
        assert all(
            isinstance(e, DBAPIError) and "uq_ballot_log_entry_proposal_id_seq" in str(e)
            for e in errors
        ), errors
        if kind == "postgresql":
            assert len(errors) == 1
        with db.transaction(write=False) as session:
            found = ballot_log.verify(session, proposal_id, key=KEY)
            assert found.ok, found.problems
            assert found.entry_count == 2 - len(errors)


@pytest.mark.parametrize("kind", DATABASES)
def test_without_the_unique_sequence_the_lock_still_stops_a_fork(app, kind, tmp_path, monkeypatch):
    with scratch_database(kind, tmp_path) as db:
        if kind == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(
                    text(
                        "ALTER TABLE ballot_log_entry DROP CONSTRAINT uq_ballot_log_entry_proposal_id_seq"
                    )
                )
        else:  # SQLite cannot drop a table's constraint: rebuild the table without it
            with db.engine.begin() as connection:
                sql = connection.execute(
                    text("SELECT sql FROM sqlite_master WHERE name = 'ballot_log_entry'")
                ).scalar_one()
                connection.execute(text("ALTER TABLE ballot_log_entry RENAME TO old_entries"))
                unique = r",\s*CONSTRAINT uq_ballot_log_entry_proposal_id_seq UNIQUE \(proposal_id, seq\)"
                connection.execute(text(re.sub(unique, "", sql)))
                connection.execute(text("DROP TABLE old_entries"))
                assert (
                    "uq_ballot_log_entry"
                    not in connection.execute(
                        text("SELECT sql FROM sqlite_master WHERE name = 'ballot_log_entry'")
                    ).scalar_one()
                )
        proposal_id, errors = _first_ballots_at_once(db, monkeypatch)
        assert not errors, errors
        with db.transaction(write=False) as session:
            found = ballot_log.verify(session, proposal_id, key=KEY)
            assert found.ok, found.problems
            assert found.entry_count == 2
