"""Pay on the rota: the minutes paid for a visit, hourly rates, and workers' monthly timesheets
and invoices (approved by the team's leader, then locking their visits). What a visit costs
the personal budget is `rota.services.budget`.

All money is integer pence, worked out exactly with `fractions.Fraction` and rounded half-up to
the penny once per visit; durations are integer minutes.

- **Minutes paid** for a visit: the actual minutes from "I've arrived" to "I'm leaving", at
  most the planned minutes plus 15 unless the leader approved more (`ExtraTimeApproval`); the
  planned minutes where there was no arrival record but the visit log is confirmed; the
  planned minutes for a visit cancelled less than 24 hours before its start (the team's terms),
  unless it fell in a hospital stay (`Pause`), which cancels without charge.
- **Pay** for a visit: minutes paid * hourly rate / 60 (`PayRate`: the latest from on or before
  the visit's local day).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from coop.clock import local, zone
from coop.errors import Conflict, Forbidden, Invalid, NotFound
from coop.models import User
from coop.services import audit
from rota import policy
from rota.models import (
    ExtraTimeApproval,
    Pause,
    PayPeriod,
    PayRate,
    Visit,
    VisitLog,
)
from teams.models import Membership, Team
from teams.policy import Standing
from teams.services.standing import find_team, require, scope

EXTRA_MINUTES = 15
SHORT_NOTICE = timedelta(hours=24)
MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
BASIS_POINTS = 10_000


# Arithmetic -----------------------------------------------------------------------------------


def round_half_up(amount: Fraction) -> int:
    """Whole pence, halves up (amounts here are never negative)."""
    return int((amount + Fraction(1, 2)).__floor__())


def pay_pence(minutes: int, hourly_pence: int) -> int:
    """What a worker is paid for `minutes` at their hourly rate."""
    return round_half_up(Fraction(minutes * hourly_pence, 60))


def pounds(pence: int) -> str:
    sign = "-" if pence < 0 else ""
    return f"{sign}£{abs(pence) // 100:,}.{abs(pence) % 100:02d}"


def rate_for(session: Session, user_id: int, team_id: int, day: date) -> int | None:
    """The person's hourly rate in the team on `day`, in pence (None when none is set)."""
    return session.scalar(
        select(PayRate.hourly_pence)
        .where(
            PayRate.user_id == user_id,
            PayRate.team_id == team_id,
            PayRate.effective_from <= day,
        )
        .order_by(PayRate.effective_from.desc())
        .limit(1)
    )


def employment_in(session: Session, user_id: int, team_id: int) -> str | None:
    from rota.services.working_time import employment_in as found

    return found(session, user_id, team_id)


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=zone())


# Minutes paid ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Charge:
    """A visit that is paid for: its minutes and why (`times`: arrival and leaving recorded;
    `confirmed`: planned minutes, log confirmed; `short_notice`: cancelled within 24 hours)."""

    visit: Visit
    minutes: int
    reason: str


def minutes_paid(
    visit: Visit, *, log_confirmed: bool, extra_approved: bool, paused: bool
) -> Charge | None:
    """The minutes paid for one visit (see the module's docstring), or None if nothing is."""
    if visit.worker_id is None or visit.status in ("open", "declined"):
        return None
    if visit.status == "cancelled":
        late = (
            visit.cancelled_at is not None and visit.cancelled_at > visit.starts_at - SHORT_NOTICE
        )
        return Charge(visit, visit.minutes, "short_notice") if late and not paused else None
    if visit.arrived_at is not None and visit.left_at is not None:
        actual = max(0, int((visit.left_at - visit.arrived_at).total_seconds() // 60))
        capped = actual if extra_approved else min(actual, visit.minutes + EXTRA_MINUTES)
        return Charge(visit, capped, "times")
    if log_confirmed:
        return Charge(visit, visit.minutes, "confirmed")
    return None


def charges(session: Session, visits: list[Visit]) -> dict[int, Charge]:
    """The charge of each visit that has one, by visit id, in a few queries."""
    ids = [v.id for v in visits]
    if not ids:
        return {}
    confirmed = set(
        session.scalars(
            select(VisitLog.visit_id).where(
                VisitLog.visit_id.in_(ids), VisitLog.status == "confirmed"
            )
        )
    )
    approved = set(
        session.scalars(
            select(ExtraTimeApproval.visit_id).where(ExtraTimeApproval.visit_id.in_(ids))
        )
    )
    team_ids = {v.team_id for v in visits}
    pauses = list(session.scalars(select(Pause).where(Pause.team_id.in_(team_ids))))
    found = {}
    for visit in visits:
        day = local(visit.starts_at).date()
        paused = any(
            p.team_id == visit.team_id and p.first_day <= day <= p.last_day for p in pauses
        )
        charge = minutes_paid(
            visit,
            log_confirmed=visit.id in confirmed,
            extra_approved=visit.id in approved,
            paused=paused,
        )
        if charge is not None:
            found[visit.id] = charge
    return found


def approve_extra_time(session: Session, s: Standing, visit: Visit, *, now: datetime) -> None:
    """The leader (or representative) agrees to pay a visit's actual minutes beyond the planned
    minutes plus 15. Raises Forbidden (the worker never approves their own), Conflict if the
    visit's pay is already approved. Audits `visit.extra_time_approved`."""
    require(
        policy.can_approve_extra_time(s, visit),
        detail="Only the person who leads the team, "
        "or their representative, can agree to pay for extra time, and never for their own.",
    )
    if s.user is None:
        raise Forbidden("Please sign in first.")
    assert_not_locked(session, visit)
    if session.scalar(select(ExtraTimeApproval).where(ExtraTimeApproval.visit_id == visit.id)):
        return
    session.add(ExtraTimeApproval(visit_id=visit.id, approved_by_id=s.user.id, approved_at=now))
    session.flush()
    audit.record(
        session,
        s.user,
        "visit.extra_time_approved",
        "visit",
        visit.id,
        now=now,
        scope=scope(s.team),
        acting_for=acting_for(s),
    )


def acting_for(s: Standing) -> User | None:
    return s.team.leader if s.is_representative and not s.is_leader else None


# Hourly rates ---------------------------------------------------------------------------------


def set_pay_rate(
    session: Session,
    actor: User,
    team_id: int,
    worker_id: int,
    *,
    hourly_pence: int,
    effective_from: date,
    now: datetime,
) -> PayRate:
    """Set a worker's hourly rate in a team from a day on (replacing one set for that same day):
    an independent worker their own, a facilitator an employed worker's. Visits in approved
    months keep what was approved. Raises NotFound (not a worker there, or not allowed to see
    it) or Invalid. Audits `pay_rate.set`."""
    employment = employment_in(session, worker_id, team_id)
    require(policy.can_set_pay_rate(actor, worker_id, employment), hidden=True)
    if not 0 <= hourly_pence <= 100_000:
        raise Invalid(
            "The rate was not saved.",
            errors={"rate": ["Please give an hourly rate between £0 and £1,000."]},
        )
    rate = session.scalar(
        select(PayRate).where(
            PayRate.user_id == worker_id,
            PayRate.team_id == team_id,
            PayRate.effective_from == effective_from,
        )
    )
    if rate is None:
        rate = PayRate(
            user_id=worker_id,
            team_id=team_id,
            effective_from=effective_from,
            hourly_pence=hourly_pence,
        )
        session.add(rate)
    rate.hourly_pence = hourly_pence
    session.flush()
    audit.record(
        session,
        actor,
        "pay_rate.set",
        "pay_rate",
        rate.id,
        now=now,
        scope=scope(team_id),
        changes={"worker_id": worker_id, "effective_from": effective_from.isoformat()},
    )
    return rate


def rates_of(session: Session, worker_id: int, team_id: int) -> list[PayRate]:
    """A worker's rates in a team, newest first."""
    return list(
        session.scalars(
            select(PayRate)
            .where(PayRate.user_id == worker_id, PayRate.team_id == team_id)
            .order_by(PayRate.effective_from.desc())
        )
    )


# Timesheets and invoices ----------------------------------------------------------------------


def parse_month(month: str) -> date:
    """The first day of a `YYYY-MM` month. Raises Invalid."""
    found = MONTH_RE.match(month or "")
    if not found:
        raise Invalid(
            "Please give a month as YYYY-MM.", errors={"month": ["Please give a month as YYYY-MM."]}
        )
    return date(int(found.group(1)), int(found.group(2)), 1)


def next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def month_of(moment: datetime) -> str:
    return f"{local(moment):%Y-%m}"


def pay_kind(employment: str | None) -> str:
    return "timesheet" if employment == "employed" else "invoice"


def _month_visits(session: Session, team_id: int, month: str, worker_id: int | None) -> list[Visit]:
    first = parse_month(month)
    query = select(Visit).where(
        Visit.team_id == team_id,
        Visit.starts_at >= local_midnight(first),
        Visit.starts_at < local_midnight(next_month(first)),
        Visit.worker_id.is_not(None),
    )
    if worker_id is not None:
        query = query.where(Visit.worker_id == worker_id)
    return list(session.scalars(query.order_by(Visit.starts_at, Visit.id)))


def work_out_period(session: Session, worker_id: int, team_id: int, month: str) -> PayPeriod:
    """The worker's timesheet (employed) or invoice (independent) for the team and month: the
    stored one once approved, otherwise a draft worked out now (not added to the session)."""
    employment = employment_in(session, worker_id, team_id)
    kind = pay_kind(employment)
    stored = session.scalar(
        select(PayPeriod).where(
            PayPeriod.kind == kind,
            PayPeriod.worker_id == worker_id,
            PayPeriod.team_id == team_id,
            PayPeriod.month == month,
        )
    )
    if stored is not None:
        return stored
    lines: list[dict[str, Any]] = []
    for charge in charges(session, _month_visits(session, team_id, month, worker_id)).values():
        visit = charge.visit
        rate = rate_for(session, worker_id, team_id, local(visit.starts_at).date()) or 0
        lines.append(
            {
                "visit_id": visit.id,
                "starts_at": visit.starts_at.isoformat(),
                "ends_at": visit.ends_at.isoformat(),
                "kind": visit.kind,
                "planned_minutes": visit.minutes,
                "minutes": charge.minutes,
                "reason": charge.reason,
                "rate_pence": rate,
                "amount_pence": pay_pence(charge.minutes, rate),
            }
        )
    lines.sort(key=lambda line: (line["starts_at"], line["visit_id"]))
    return PayPeriod(
        kind=kind,
        worker_id=worker_id,
        team_id=team_id,
        month=month,
        status="draft",
        minutes=sum(line["minutes"] for line in lines),
        amount_pence=sum(line["amount_pence"] for line in lines),
        lines=lines,
    )


def pay_standing(
    session: Session, user: User, team_id: int, worker_id: int, now: datetime
) -> Standing:
    """The person's standing for seeing a worker's pay in the team: as usual, except that a
    worker who has left keeps seeing their own past timesheets and invoices. Raises NotFound."""
    try:
        return find_team(session, user, team_id, now)
    except NotFound:
        team = session.get(Team, team_id)
        if team is None or user.id != worker_id or employment_in(session, user.id, team_id) is None:
            raise
        return Standing(user=user, team=team)


def find_period(session: Session, s: Standing, worker_id: int, month: str) -> PayPeriod:
    """One worker's timesheet or invoice in the team, as the leader, representative or the
    worker sees it. Raises NotFound for anyone else, or Invalid for a bad month."""
    require(policy.can_view_pay(s, worker_id), hidden=True)
    parse_month(month)
    if employment_in(session, worker_id, s.team.id) is None:
        raise NotFound("We could not find that timesheet or invoice.")
    return work_out_period(session, worker_id, s.team.id, month)


def team_periods(session: Session, s: Standing, month: str) -> list[PayPeriod]:
    """Every worker's timesheet or invoice in the team for the month: those with paid visits or
    already approved. Raises NotFound for anyone but the leader and representative."""
    require(policy.can_view_team_pay(s), hidden=True)
    parse_month(month)
    workers = {v.worker_id for v in _month_visits(session, s.team.id, month, None)}
    workers |= set(
        session.scalars(
            select(PayPeriod.worker_id).where(
                PayPeriod.team_id == s.team.id, PayPeriod.month == month
            )
        )
    )
    found = []
    for worker_id in sorted(w for w in workers if w is not None):
        if employment_in(session, worker_id, s.team.id) is None:
            continue  # family and volunteers are not paid
        period = work_out_period(session, worker_id, s.team.id, month)
        if period.lines:
            found.append(period)
    return found


def my_periods(session: Session, user: User, month: str) -> list[PayPeriod]:
    """A worker's own timesheets and invoices for the month, one per team they worked in."""
    parse_month(month)
    team_ids = session.scalars(
        select(Membership.team_id)
        .where(Membership.user_id == user.id, Membership.employment.is_not(None))
        .distinct()
    )
    periods = [work_out_period(session, user.id, team_id, month) for team_id in sorted(team_ids)]
    return [p for p in periods if p.lines or p.status == "approved"]


def approve_period(
    session: Session, s: Standing, worker_id: int, month: str, *, now: datetime
) -> PayPeriod:
    """The leader (or representative) approves a worker's timesheet or invoice for the month:
    its lines are frozen and its visits locked. Nobody approves their own pay. Raises NotFound,
    Forbidden, Invalid (nothing to approve), or Conflict (already approved). Audits
    `pay_period.approved`."""
    period = find_period(session, s, worker_id, month)
    require(
        policy.can_approve_pay(s, worker_id),
        detail="Only the person who leads the team, or their representative, can approve pay, "
        "and nobody can approve their own.",
    )
    if s.user is None:
        raise Forbidden("Please sign in first.")
    if period.status == "approved":
        raise Conflict("This has already been approved.")
    if not period.lines:
        raise Invalid("There is nothing to approve for this month yet.")
    period.status, period.approved_by_id, period.approved_at = "approved", s.user.id, now
    try:
        with session.begin_nested():
            session.add(period)
            session.flush()
    except IntegrityError:
        raise Conflict("This has just been approved by someone else.") from None
    audit.record(
        session,
        s.user,
        "pay_period.approved",
        "pay_period",
        period.id,
        now=now,
        scope=scope(s.team),
        acting_for=acting_for(s),
        changes={"kind": period.kind, "worker_id": worker_id, "month": month},
    )
    return period


def period_csv(period: PayPeriod) -> str:
    """The timesheet or invoice as CSV: a line per visit (local times) and a total."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "visit",
            "date",
            "start",
            "end",
            "kind",
            "planned minutes",
            "minutes paid",
            "why",
            "hourly rate (pence)",
            "amount (pence)",
        ]
    )
    for line in period.lines:
        start, end = (local(datetime.fromisoformat(line[k])) for k in ("starts_at", "ends_at"))
        writer.writerow(
            [
                line["visit_id"],
                f"{start:%Y-%m-%d}",
                f"{start:%H:%M}",
                f"{end:%H:%M}",
                line["kind"],
                line["planned_minutes"],
                line["minutes"],
                line["reason"],
                line["rate_pence"],
                line["amount_pence"],
            ]
        )
    writer.writerow(["total", "", "", "", "", "", period.minutes, "", "", period.amount_pence])
    return out.getvalue()


def assert_not_locked(session: Session, visit: Visit) -> None:
    """Refuse (Conflict) a change to a visit whose month's timesheet or invoice is approved."""
    if visit.worker_id is None:
        return
    locked = session.scalar(
        select(PayPeriod.id).where(
            PayPeriod.worker_id == visit.worker_id,
            PayPeriod.team_id == visit.team_id,
            PayPeriod.month == month_of(visit.starts_at),
            PayPeriod.status == "approved",
        )
    )
    if locked is not None:
        raise Conflict(
            "This visit's pay for the month has been approved, so the visit cannot be changed."
        )
