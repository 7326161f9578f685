"""The timed job: every registered job, each in its own transaction, one tick at a time.

`flask tick` runs this every minute (cron, or `make run`'s loop). Two ticks never overlap: each
first takes the `tick` row of `job_lock` with a conditional update (the same on SQLite and
PostgreSQL, and freed by itself when the lease ends, should a tick die holding it). A job that
fails is rolled back and logged, and the jobs after it still run: one bad row in an early job
never stops the e-mail, which goes last.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, update

from coop import extension
from coop.db import Database
from coop.extension import Carecoop
from coop.models import JobLock
from coop.registries import TickJob

log = logging.getLogger(__name__)

LOCK = "tick"
#: Longer than any tick should take; a tick still running then is presumed dead.
LEASE = timedelta(minutes=30)


@dataclass
class TickRun:
    """What one tick did: how many things each job did, and which jobs failed."""

    done: dict[str, int] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)


def take_lock(db: Database, holder: str, now: datetime) -> bool:
    """Take the tick's lock until now + LEASE, unless someone holds it; True if taken."""
    with db.transaction() as session:
        taken = session.execute(
            update(JobLock)
            .where(
                JobLock.name == LOCK,
                or_(JobLock.held_until.is_(None), JobLock.held_until <= now),
            )
            .values(holder=holder, held_until=now + LEASE)
        )
        return bool(taken.rowcount)  # type: ignore[attr-defined]


def release_lock(db: Database, holder: str) -> None:
    with db.transaction() as session:
        session.execute(
            update(JobLock)
            .where(JobLock.name == LOCK, JobLock.holder == holder)
            .values(holder=None, held_until=None)
        )


def run_tick(
    app: Carecoop, jobs: Sequence[TickJob], *, clock: Callable[[], datetime], holder: str
) -> TickRun | None:
    """Run each job once, in order, for `app` (on its database, with it the current app), each
    in a transaction of its own; None (and nothing done) when another tick holds the lock."""
    db = app.db
    if not take_lock(db, holder, clock()):
        log.info("tick skipped: another tick is running", extra={"holder": holder})
        return None
    run = TickRun()
    token = extension.activate(app)
    try:
        for job in jobs:
            try:
                with db.transaction() as session:
                    run.done[job.name] = job.run(app, session, clock())
            except Exception:
                run.failed.append(job.name)
                log.exception("tick job %s failed; the jobs after it still run", job.name)
            else:
                log.info("tick job %s did %d", job.name, run.done[job.name])
    finally:
        extension.deactivate(token)
        release_lock(db, holder)
    return run
