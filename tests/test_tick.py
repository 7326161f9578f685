"""The timed job cannot stall: a failing job is logged and the rest still run, two ticks at once
do every job once, and the outbox never sends a message twice, whatever fails mid-batch."""

from __future__ import annotations

import dataclasses
import logging
import threading
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from coop import extension
from coop.db import Database
from coop.models import JobLock, OutboxMessage
from coop.registries import TickJob
from coop.services import mail, tick
from tests.conftest import NOW
from tests.rota.test_booking_races import DATABASES, all_at_once, scratch_database


class Spy:
    """The real file backend, watched: which outbox messages went, and it can be made to fail
    at the n-th message."""

    def __init__(self) -> None:
        self.ids: list[int] = []
        self.fail_at: int | None = None
        self.connections = 0

    def send(self, message: EmailMessage) -> None:
        if self.fail_at is not None and len(self.ids) + 1 == self.fail_at:
            self.fail_at = None
            raise OSError("421 the mail server went away")
        self.ids.append(int(message["X-Carecoop-Outbox-Id"]))


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> Spy:
    watched = Spy()
    original = mail.FileBackend.connect

    def connect(backend: mail.FileBackend) -> Any:
        watched.connections += 1
        return original(backend)

    monkeypatch.setattr(mail.FileBackend, "send", lambda _backend, m: watched.send(m))
    monkeypatch.setattr(mail.FileBackend, "connect", connect)
    return watched


def queue(session: Session, count: int) -> list[int]:
    ids = [
        mail.queue_mail(
            session, to=f"person{i}@example.org", subject="Hello", body="A message.", now=NOW
        ).id
        for i in range(count)
    ]
    session.commit()
    return ids


@pytest.fixture
def planted_job(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A job before the outbox that fails on a bad row, as a real one might."""
    ran: list[str] = []

    def fails(_app: Any, session: Session, now: Any) -> int:
        ran.append("planted")
        session.add(OutboxMessage(to_address="x", subject="y", body="z", created_at=now))
        session.flush()
        raise ValueError("a visit with no team")

    monkeypatch.setitem(
        extension.current().registry.tick_jobs, "planted", TickJob("planted", fails, order=1)
    )
    return ran


def test_a_failing_job_is_logged_rolled_back_and_the_mail_still_goes(
    app, session, spy, planted_job, caplog
):
    ids = queue(session, 2)
    with caplog.at_level(logging.INFO, logger="coop.services.tick"):
        result = app.test_cli_runner().invoke(args=["tick"])
    assert planted_job == ["planted"]
    assert spy.ids == ids  # the outbox, last, still sent everything
    assert "send_outbox: 2" in result.output
    assert result.exit_code == 1  # cron and the operator hear of it
    assert "These jobs failed and were rolled back (the log says why): planted" in result.output
    [failure] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "tick job planted failed" in failure.getMessage()
    assert failure.exc_info and "a visit with no team" in str(failure.exc_info[1])
    # What the failing job had written was rolled back; the lock is free again.
    session.expire_all()
    assert session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == "x")) is None
    assert session.get_one(JobLock, "tick").held_until is None


def test_a_tick_finds_the_lock_held_and_does_nothing(app, db, session, spy):
    queue(session, 1)
    assert tick.take_lock(db, "another machine", NOW)
    result = app.test_cli_runner().invoke(args=["tick"])
    assert result.exit_code == 0, result.output
    assert "Another tick is running: nothing done." in result.output
    assert spy.ids == []
    # A lock whose holder died frees itself when the lease ends.
    current = extension.current()
    assert tick.run_tick(
        current, current.registry.sorted_tick_jobs(), clock=lambda: NOW + tick.LEASE, holder="me"
    )
    assert len(spy.ids) == 1


@pytest.mark.parametrize("race", DATABASES)
def test_two_ticks_started_together_do_every_job_once(app, race, tmp_path: Path, spy):
    with scratch_database(race, tmp_path) as url:
        db = Database(url, pool_size=4)
        try:
            with db.transaction() as session:
                ids = queue(session, 3)
            ran: list[str] = []
            skipped = threading.Event()

            def counted(_app: Any, session: Session, now: Any) -> int:
                ran.append("counted")
                # The winner holds on until the other tick has found the lock taken, so the two
                # really overlap.
                assert skipped.wait(timeout=30)
                return 1

            on_scratch = dataclasses.replace(extension.of(app), db=db)
            jobs = [TickJob("counted", counted, order=1), *on_scratch.registry.sorted_tick_jobs()]

            def one_tick(holder: str) -> Any:
                run = tick.run_tick(on_scratch, jobs, clock=lambda: NOW, holder=holder)
                if run is None:
                    skipped.set()
                return run

            runs = all_at_once([lambda: one_tick("first"), lambda: one_tick("second")])
            assert sorted(r is None for r in runs) == [False, True], runs
            [done] = [r for r in runs if r is not None]
            assert done.failed == [] and done.done["counted"] == 1
            assert ran == ["counted"]
            assert sorted(spy.ids) == ids  # each message once
        finally:
            db.engine.dispose()


def test_an_smtp_failure_mid_batch_resends_nothing_already_sent(session, spy):
    ids = queue(session, 7)
    [job] = [j for j in extension.current().registry.sorted_tick_jobs() if j.name == "send_outbox"]
    spy.fail_at = 3
    assert (
        job.run(extension.current(), session, NOW) == 6
    )  # the third failed; the rest went on a fresh connection
    assert spy.ids == ids[:2] + ids[3:]
    failed = session.get_one(OutboxMessage, ids[2])
    session.refresh(failed)
    assert failed.sent_at is None and failed.attempts == 1
    assert failed.last_error == "OSError: 421 the mail server went away"
    # The next tick sends only what did not go.
    assert job.run(extension.current(), session, NOW) == 1
    assert spy.ids == ids[:2] + ids[3:] + [ids[2]]
    assert job.run(extension.current(), session, NOW) == 0
    assert sorted(spy.ids) == ids


def test_the_outbox_sends_in_batches_over_one_connection_each(session, spy):
    ids = queue(session, mail.BATCH * 2 + 1)
    [job] = [j for j in extension.current().registry.sorted_tick_jobs() if j.name == "send_outbox"]
    assert job.run(extension.current(), session, NOW) == len(ids)
    assert spy.ids == ids
    assert spy.connections == 3
