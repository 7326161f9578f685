"""Booking people into visits so that nobody is ever in two live visits at once.

Each booking, in one transaction: lock the person's row (`SELECT ... FOR NO KEY UPDATE` on
PostgreSQL, several people in id order; SQLite's `BEGIN IMMEDIATE` already serialises writers),
look for an overlapping live visit of theirs in any team (half-open intervals), then write. The
PostgreSQL exclusion constraint `ex_visit_no_double_booking` backs this up: if the check were
ever bypassed, the write itself fails and the answer is the same 409.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from coop import pauses
from coop.clock import describe_span
from coop.errors import Conflict
from coop.models import User
from rota.models import LIVE_STATES, Visit


class DoubleBooking(Conflict):
    """The person is already in a live visit at that time. The message gives the clash's times
    only: never another team's name or details."""

    def __init__(self, name: str, starts_at: datetime, ends_at: datetime) -> None:
        super().__init__(
            f"{name} is already booked {describe_span(starts_at, ends_at)}, so they cannot be "
            "booked for this visit too."
        )
        self.clash_starts_at, self.clash_ends_at = starts_at, ends_at


def lock_people(session: Session, user_ids: Iterable[int]) -> None:
    """Lock each person's row, in id order so that two bookings never wait on each other in a
    circle. FOR NO KEY UPDATE, not FOR UPDATE, so inserts that merely point at them still go."""
    ids = sorted(set(user_ids))
    if ids:
        _lock_rows(session, ids)


def _lock_rows(session: Session, ids: list[int]) -> None:
    """The lock itself (the race tests take it away, to show the constraint holds alone)."""
    session.execute(
        select(User.id).where(User.id.in_(ids)).order_by(User.id).with_for_update(key_share=True)
    ).all()


def find_clash(
    session: Session,
    worker_id: int,
    starts_at: datetime,
    ends_at: datetime,
    *,
    ignore: int | None = None,
) -> Visit | None:
    """A live visit of the person's, in any team, overlapping [starts_at, ends_at)."""
    query = select(Visit).where(
        Visit.worker_id == worker_id,
        Visit.status.in_(LIVE_STATES),
        Visit.starts_at < ends_at,
        Visit.ends_at > starts_at,
    )
    if ignore is not None:
        query = query.where(Visit.id != ignore)
    return session.scalar(query.order_by(Visit.starts_at).limit(1))


def check_free(
    session: Session,
    worker: User,
    starts_at: datetime,
    ends_at: datetime,
    *,
    ignore: int | None = None,
) -> None:
    """Raise DoubleBooking if the person is already booked then (call after `lock_people`)."""
    clash = find_clash(session, worker.id, starts_at, ends_at, ignore=ignore)
    if clash is not None:
        raise DoubleBooking(worker.display_name, clash.starts_at, clash.ends_at)


def write_guarded(
    session: Session,
    worker: User | None,
    starts_at: datetime,
    ends_at: datetime,
    write: Callable[[], None],
    *,
    ignore: int | None = None,
) -> None:
    """Run `write` (which adds or changes a visit and flushes) inside a savepoint, after the
    race tests' pause point; turn the exclusion constraint's refusal into the same DoubleBooking."""
    pauses.pause_point("rota.booking.before_write")
    try:
        with session.begin_nested():
            write()
    except IntegrityError as exc:
        if getattr(exc.orig, "sqlstate", None) != "23P01" or worker is None:
            raise
        clash = find_clash(session, worker.id, starts_at, ends_at, ignore=ignore)
        if clash is None:
            raise
        raise DoubleBooking(worker.display_name, clash.starts_at, clash.ends_at) from None
