"""The rota: visits and the patterns that repeat them, availability and leave, swaps, arrivals,
visit logs and medicines records, pay (timesheets and invoices), the personal budget and
calendar feeds."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    DDL,
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
    event,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coop.db import Base, UTCDateTime
from coop.db import sql_list as _in
from coop.models import Id, User

VISIT_KINDS = ("visit", "trial", "sleep_in")
VISIT_STATES = ("offered", "accepted", "open", "done", "cancelled", "declined")
LIVE_STATES = ("offered", "accepted", "done")
PATTERN_FREQUENCIES = ("weekly", "fortnightly")
SWAP_STATES = ("asked", "accepted", "approved", "declined", "withdrawn")
LOG_STATES = ("written", "confirmed", "queried")
BUDGET_PERIODS = ("four_weeks", "month", "year")
BUDGET_SOURCES = (
    "direct_payment",
    "individual_service_fund",
    "personal_health_budget",
    "own_money",
)
PAY_STATES = ("draft", "approved")


# The database's own guard against double booking: no two live visits of one person overlap.
# (The app checks first, under a row lock; this holds even if that check is ever bypassed.)
event.listen(
    Base.metadata,
    "before_create",
    DDL("CREATE EXTENSION IF NOT EXISTS btree_gist").execute_if(dialect="postgresql"),  # type: ignore[no-untyped-call]
)


class Pattern(Base):
    """Visits that repeat: weekly or fortnightly on chosen weekdays, at a local time."""

    __tablename__ = "pattern"
    __table_args__ = (
        CheckConstraint(f"frequency IN ({_in(PATTERN_FREQUENCIES)})", name="frequency"),
        CheckConstraint(f"kind IN ({_in(VISIT_KINDS)})", name="kind"),
        CheckConstraint("minutes > 0 AND minutes <= 1440", name="minutes"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(16), default="visit")
    frequency: Mapped[str] = mapped_column(String(16))
    weekdays: Mapped[list[int]] = mapped_column(JSON)  # 0 = Monday
    local_start: Mapped[time] = mapped_column(Time)
    minutes: Mapped[int] = mapped_column(Integer)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    # Visits exist up to here; the timed job moves it on.
    horizon: Mapped[date] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    includes_medicines: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))


class Visit(Base):
    """One visit to the team's person, over [starts_at, ends_at), with at most one person."""

    __tablename__ = "visit"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_in(VISIT_KINDS)})", name="kind"),
        CheckConstraint(f"status IN ({_in(VISIT_STATES)})", name="status"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("status != 'open' OR worker_id IS NULL", name="open_has_nobody"),
        CheckConstraint(
            "status NOT IN ('offered', 'accepted') OR worker_id IS NOT NULL",
            name="booked_has_someone",
        ),
        UniqueConstraint("pattern_id", "occurrence_at"),
        Index("ix_visit_team_id_starts_at", "team_id", "starts_at"),
        Index("ix_visit_worker_id_starts_at", "worker_id", "starts_at"),
        # The dashboard and eligibility look across every team by time alone.
        Index("ix_visit_starts_at", "starts_at"),
        ExcludeConstraint(
            (text("worker_id"), "="),
            (func.tstzrange(text("starts_at"), text("ends_at"), text("'[)'")), "&&"),
            name="ex_visit_no_double_booking",
            using="gist",
            where=text(f"worker_id IS NOT NULL AND status IN ({_in(LIVE_STATES)})"),
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"))
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(16), default="visit")
    status: Mapped[str] = mapped_column(String(16))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    notes: Mapped[str] = mapped_column(Text, default="")
    includes_medicines: Mapped[bool] = mapped_column(Boolean, default=False)
    pattern_id: Mapped[int | None] = mapped_column(ForeignKey("pattern.id"))
    # The start the pattern gave this visit, kept when the visit is moved, so that extending the
    # horizon never makes it again ("exceptions kept").
    occurrence_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pair_id: Mapped[int | None] = mapped_column(ForeignKey("visit.id"))
    # Bumped on every change, for calendar feeds (iCalendar SEQUENCE).
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    help_called_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When alerts about this visit went out, so that each goes once however often `tick` runs.
    late_alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    late_escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    overdue_alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    worker: Mapped[User | None] = relationship(foreign_keys=[worker_id])

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class Availability(Base):
    """A weekly window when a person can usually be booked, in local time."""

    __tablename__ = "availability"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
        CheckConstraint("ends > starts", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)
    starts: Mapped[time] = mapped_column(Time)
    ends: Mapped[time] = mapped_column(Time)


class Leave(Base):
    __tablename__ = "leave"
    __table_args__ = (CheckConstraint("last_day >= first_day", name="dates"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)


class Pause(Base):
    """A hospital stay (or other pause): the team's visits in it are cancelled without charge."""

    __tablename__ = "pause"
    __table_args__ = (CheckConstraint("last_day >= first_day", name="dates"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(40), default="hospital")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Swap(Base):
    """A worker asks to hand a visit to another bookable member, who accepts; the rota holder
    approves (or the team lets swaps through)."""

    __tablename__ = "swap"
    __table_args__ = (CheckConstraint(f"status IN ({_in(SWAP_STATES)})", name="status"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visit.id"), index=True)
    from_user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    to_user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    visit: Mapped[Visit] = relationship()
    from_user: Mapped[User] = relationship(foreign_keys=[from_user_id])
    to_user: Mapped[User] = relationship(foreign_keys=[to_user_id])


class VisitLog(Base):
    """What was done at a visit; confirmed by the leader or a hat holder, or queried."""

    __tablename__ = "visit_log"
    __table_args__ = (CheckConstraint(f"status IN ({_in(LOG_STATES)})", name="status"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visit.id"), unique=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    what_was_done: Mapped[str] = mapped_column(Text)
    notes: Mapped[str] = mapped_column(Text, default="")
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="written")
    written_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    query_comment: Mapped[str | None] = mapped_column(Text)
    query_resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    visit: Mapped[Visit] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])


class PayRate(Base):
    """A person's hourly rate in a team, in pence: an independent worker's own rate, or an
    employed worker's pay rate. The latest rate from a date on applies."""

    __tablename__ = "pay_rate"
    __table_args__ = (
        UniqueConstraint("user_id", "team_id", "effective_from"),
        CheckConstraint("hourly_pence >= 0", name="hourly_pence"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"))
    hourly_pence: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[date] = mapped_column(Date)


class Budget(Base):
    """A team's personal budget: an amount per period, its source, less the person's own
    assessed contribution."""

    __tablename__ = "budget"
    __table_args__ = (
        CheckConstraint(f"period IN ({_in(BUDGET_PERIODS)})", name="period"),
        CheckConstraint(f"source IN ({_in(BUDGET_SOURCES)})", name="source"),
        CheckConstraint("amount_pence >= 0 AND contribution_pence >= 0", name="amounts"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), unique=True)
    amount_pence: Mapped[int] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(32))
    contribution_pence: Mapped[int] = mapped_column(Integer, default=0)
    starts_on: Mapped[date] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PayPeriod(Base):
    """An employed worker's monthly timesheet, or an independent worker's monthly invoice, for
    one team (its leader approves it). Stored once approved: the lines are frozen then, and the
    row locks its visits; a draft is worked out afresh each time it is shown."""

    __tablename__ = "pay_period"
    __table_args__ = (
        CheckConstraint("kind IN ('timesheet', 'invoice')", name="kind"),
        CheckConstraint(f"status IN ({_in(PAY_STATES)})", name="status"),
        UniqueConstraint("kind", "worker_id", "team_id", "month"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    worker_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"))
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    status: Mapped[str] = mapped_column(String(16), default="draft")
    minutes: Mapped[int] = mapped_column(Integer, default=0)
    amount_pence: Mapped[int] = mapped_column(Integer, default=0)
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CalendarFeed(Base):
    """A person's private iCalendar address; revoking it makes a new one."""

    __tablename__ = "calendar_feed"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), unique=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    show_details: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WorkerDetails(Base):
    """What working time needs to know about a person beyond their account: an optional date of
    birth (the rules for workers under 18) and the date they opted out, in writing, of the
    48-hour average week. One row per person, across all their teams."""

    __tablename__ = "worker_details"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), unique=True)
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    # The day the worker signed the written opt-out; empty when they have not (or withdrew it).
    opted_out_on: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ExtraTimeApproval(Base):
    """The leader's yes to paying a visit's actual minutes beyond the planned minutes plus 15."""

    __tablename__ = "extra_time_approval"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visit.id"), unique=True)
    approved_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime)
