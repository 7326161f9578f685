"""The personal budget: per team, an amount per period (four weeks, a month, a year) and its
source, less the person's own assessed contribution; what each visit costs it; spent,
committed and the projected balance; the overspend warning; a hospital stay, which cancels
visits without charge.

A visit costs `minutes * rate / 60 * (1 + c + o)`: `rate` the worker's hourly rate, `c` the
co-op's contribution and `o` the employer's on-costs (employed workers only), both co-op
settings in basis points (1000 is 10%); exact with `fractions.Fraction`, rounded half-up to the
penny once per visit. Minutes are the minutes paid (`money.minutes_paid`) once a visit is
charged, the planned minutes before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from coop.clock import local
from coop.errors import Forbidden, Invalid
from coop.models import User
from coop.registries import SettingSpec
from coop.services import audit
from coop.services import settings as coop_settings
from rota import policy
from rota.models import BUDGET_PERIODS, BUDGET_SOURCES, LIVE_STATES, Budget, Pause, Visit
from rota.services.money import (
    BASIS_POINTS,
    acting_for,
    assert_not_locked,
    charges,
    employment_in,
    local_midnight,
    next_month,
    pounds,
    rate_for,
    round_half_up,
)
from teams.policy import Standing
from teams.services.standing import require, scope

#: The co-op's settings for what a visit costs the budget.
SETTINGS = tuple(
    SettingSpec(name, label, "int", 0, help_text, group="Rota", minimum=0, maximum=100_000)
    for name, label, help_text in (
        (
            "coop_contribution_bp",
            "Co-op contribution (basis points)",
            "Added to each visit's cost for the co-op, in hundredths of a percent: 1250 is 12.5%.",
        ),
        (
            "employer_oncost_bp",
            "Employer on-costs (basis points)",
            "Added to employed workers' visits (National Insurance, pension, holiday), in "
            "hundredths of a percent: 2000 is 20%.",
        ),
    )
)


def cost_pence(
    minutes: int, hourly_pence: int, *, contribution_bp: int, oncost_bp: int, employed: bool
) -> int:
    """`minutes * rate / 60 * (1 + c + o)`, o only for employed workers, rounded once."""
    extra = Fraction(contribution_bp + (oncost_bp if employed else 0), BASIS_POINTS)
    return round_half_up(Fraction(minutes * hourly_pence, 60) * (1 + extra))


# Figures --------------------------------------------------------------------------


@dataclass
class BudgetFigures:
    """A budget period's figures in pence: `available` is the amount less the person's own
    contribution; `projected` what would be left at the period's end."""

    budget: Budget
    first_day: date
    last_day: date
    available: int
    spent: int
    committed: int
    spent_lines: list[tuple[Visit, int]] = field(default_factory=list)
    committed_lines: list[tuple[Visit, int]] = field(default_factory=list)

    @property
    def projected(self) -> int:
        return self.available - self.spent - self.committed


def period_around(budget: Budget, day: date) -> tuple[date, date]:
    """The budget period holding `day`: [first, next first). Months and years run from the
    budget's start day's date; four-week periods in 28-day steps from it."""
    start = budget.starts_on
    if budget.period == "four_weeks":
        steps = (day - start).days // 28
        first = start + timedelta(days=28 * steps)
        return first, first + timedelta(days=28)
    if budget.period == "year":
        first = _anniversary(
            start, day.year if (day.month, day.day) >= (start.month, start.day) else day.year - 1
        )
        return first, _anniversary(start, first.year + 1)
    first = date(day.year, day.month, 1)
    return first, next_month(first)


def _anniversary(start: date, year: int) -> date:
    return date(year, start.month, min(start.day, 28 if start.month == 2 else start.day))


def _cost_settings(session: Session) -> tuple[int, int]:
    return (
        int(coop_settings.get(session, "coop_contribution_bp")),
        int(coop_settings.get(session, "employer_oncost_bp")),
    )


class Costing:
    """Works out visits' costs: the co-op's settings read once, each person's rate once per
    (person, team, day) and their employment once per (person, team)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.contribution, self.oncost = _cost_settings(session)
        self._rates: dict[tuple[int, int, date], int | None] = {}
        self._employed: dict[tuple[int, int], bool] = {}

    def cost(self, visit: Visit, minutes: int) -> int | None:
        """What `minutes` of this visit cost the budget, or None when the person has no rate."""
        if visit.worker_id is None:
            return None
        key = (visit.worker_id, visit.team_id, local(visit.starts_at).date())
        if key not in self._rates:
            self._rates[key] = rate_for(self.session, *key)
        rate = self._rates[key]
        if rate is None:
            return None
        who = (visit.worker_id, visit.team_id)
        if who not in self._employed:
            self._employed[who] = employment_in(self.session, *who) == "employed"
        return cost_pence(
            minutes,
            rate,
            contribution_bp=self.contribution,
            oncost_bp=self.oncost,
            employed=self._employed[who],
        )


def visit_cost(session: Session, visit: Visit, minutes: int) -> int | None:
    """What `minutes` of this visit cost the budget, or None when the person has no rate."""
    return Costing(session).cost(visit, minutes)


def work_out_budget(
    session: Session, budget: Budget, day: date, *, leave_out: int | None = None
) -> BudgetFigures:
    """The figures for the budget period holding `day`. Spent: charged visits (see Charge).
    Committed: live visits with someone booked that are not charged yet (future ones, and past
    ones whose log is not confirmed yet), at their planned minutes."""
    first, after = period_around(budget, day)
    visits = list(
        session.scalars(
            select(Visit)
            .where(
                Visit.team_id == budget.team_id,
                Visit.starts_at >= local_midnight(first),
                Visit.starts_at < local_midnight(after),
                Visit.worker_id.is_not(None),
            )
            .order_by(Visit.starts_at, Visit.id)
        )
    )
    visits = [v for v in visits if v.id != leave_out]
    charged = charges(session, visits)
    figures = BudgetFigures(
        budget,
        first,
        after - timedelta(days=1),
        available=budget.amount_pence - budget.contribution_pence,
        spent=0,
        committed=0,
    )
    costing = Costing(session)
    for visit in visits:
        if visit.id in charged:
            cost = costing.cost(visit, charged[visit.id].minutes) or 0
            figures.spent += cost
            figures.spent_lines.append((visit, cost))
        elif visit.status in LIVE_STATES:
            cost = costing.cost(visit, visit.minutes) or 0
            figures.committed += cost
            figures.committed_lines.append((visit, cost))
    return figures


def team_budget(session: Session, s: Standing, now: datetime) -> BudgetFigures | None:
    """The team's budget figures for the period holding today, or None when no budget is set.
    Raises NotFound for anyone but the leader, representative and rota holder."""
    require(policy.can_view_budget(s), hidden=True)
    budget = session.scalar(select(Budget).where(Budget.team_id == s.team.id))
    if budget is None:
        return None
    return work_out_budget(session, budget, local(now).date())


def set_budget(
    session: Session,
    s: Standing,
    *,
    amount_pence: int,
    period: str,
    source: str,
    starts_on: date,
    now: datetime,
    contribution_pence: int = 0,
) -> Budget:
    """The leader (or representative) sets the team's personal budget. Raises Forbidden or
    Invalid. Audits `budget.set` with the fields changed."""
    require(
        policy.can_manage_budget(s),
        detail="Only the person who leads the team, or their representative, can set the budget.",
    )
    if s.user is None:
        raise Forbidden("Please sign in first.")
    errors: dict[str, list[str]] = {}
    if period not in BUDGET_PERIODS:
        errors["period"] = ["Please choose four weeks, a month or a year."]
    if source not in BUDGET_SOURCES:
        errors["source"] = ["Please choose where the money comes from."]
    if amount_pence < 0:
        errors["amount_pence"] = ["Please give an amount of £0 or more."]
    if not 0 <= contribution_pence <= max(amount_pence, 0):
        errors["contribution_pence"] = ["The contribution must be between £0 and the amount."]
    if errors:
        raise Invalid("The budget was not saved.", errors=errors)
    budget = session.scalar(select(Budget).where(Budget.team_id == s.team.id))
    values = {
        "amount_pence": amount_pence,
        "period": period,
        "source": source,
        "contribution_pence": contribution_pence,
        "starts_on": starts_on,
    }
    if budget is None:
        budget = Budget(team_id=s.team.id, updated_at=now, **values)
        session.add(budget)
        changed = sorted(values)
    else:
        changed = sorted(k for k, v in values.items() if getattr(budget, k) != v)
        for key, value in values.items():
            setattr(budget, key, value)
        budget.updated_at = now
    session.flush()
    audit.record(
        session,
        s.user,
        "budget.set",
        "budget",
        budget.id,
        now=now,
        scope=scope(s.team),
        acting_for=acting_for(s),
        changes={"fields": changed},
    )
    return budget


def overspend_warnings(
    session: Session, visit: Visit, worker: User | None, now: datetime
) -> list[str]:
    """One of `visits.warning_checks()`: a visit that would take the team's
    budget period over. Never blocks; writes nothing."""
    if worker is None:
        return []
    budget = session.scalar(select(Budget).where(Budget.team_id == visit.team_id))
    if budget is None:
        return []
    probe = Visit(
        team_id=visit.team_id, worker_id=worker.id, starts_at=visit.starts_at, ends_at=visit.ends_at
    )
    cost = visit_cost(session, probe, probe.minutes)
    if cost is None:
        return []
    figures = work_out_budget(session, budget, local(visit.starts_at).date(), leave_out=visit.id)
    left = figures.projected - cost
    if left >= 0:
        return []
    return [
        f"Budget: this visit costs {pounds(cost)} and would take the budget for "
        f"{figures.first_day:%-d %b} to {figures.last_day:%-d %b %Y} over by {pounds(-left)}."
    ]


def pause_visits(
    session: Session,
    s: Standing,
    *,
    first_day: date,
    last_day: date,
    now: datetime,
    reason: str = "hospital",
) -> tuple[Pause, int]:
    """A hospital stay (or other pause): cancel the team's visits on those days, without charge
    to the budget or the worker. Raises Forbidden or Invalid. Audits `visits.paused` and
    `visit.cancelled` for each visit."""
    require(
        policy.can_pause_visits(s),
        detail="Only the person who leads the team, their "
        "representative or the rota holder can pause visits.",
    )
    if s.user is None:
        raise Forbidden("Please sign in first.")
    if last_day < first_day:
        raise Invalid(
            "The last day must be on or after the first.",
            errors={"last_day": ["The last day must be on or after the first."]},
        )
    pause = Pause(
        team_id=s.team.id,
        first_day=first_day,
        last_day=last_day,
        reason=reason[:40],
        created_by_id=s.user.id,
        created_at=now,
    )
    session.add(pause)
    visits = list(
        session.scalars(
            select(Visit).where(
                Visit.team_id == s.team.id,
                Visit.starts_at >= local_midnight(first_day),
                Visit.starts_at < local_midnight(last_day + timedelta(days=1)),
                Visit.status.in_(("offered", "accepted", "open")),
            )
        )
    )
    for visit in visits:
        assert_not_locked(session, visit)
        visit.status, visit.cancelled_at, visit.cancelled_by_id = "cancelled", now, s.user.id
        visit.updated_at, visit.sequence = now, visit.sequence + 1
    session.flush()
    audit.record(
        session,
        s.user,
        "visits.paused",
        "pause",
        pause.id,
        now=now,
        scope=scope(s.team),
        acting_for=acting_for(s),
        changes={"cancelled_visits": len(visits)},
    )
    for visit in visits:
        audit.record(
            session, s.user, "visit.cancelled", "visit", visit.id, now=now, scope=scope(s.team)
        )
    return pause, len(visits)
