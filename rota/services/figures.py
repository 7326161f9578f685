"""Figures the co-op reports from the rota, for facilitators' dashboard: continuity and hours
delivered. Each shows its numerator and denominator; a group of fewer than 5 visits shows
neither (`MIN_GROUP`), so that nobody's single visits can be read off it.

- **Continuity**: of the visits delivered in the last 4 weeks, the share done by someone who had
  already delivered a visit to that person (the same team) in the 12 weeks before those 4.
- **Hours delivered**: the minutes paid (see `money.minutes_paid`; cancellations charged at
  short notice are not delivered and not counted) per local calendar month, by team and in all,
  over the number of visits they came from.

A visit is *delivered* when it has someone booked, was not cancelled, and either its arrival
and leaving are recorded or its visit log is confirmed.

Both are counted by the database (a few aggregate queries, whatever the number of visits): the
minutes of a delivered visit are `money.minutes_paid`'s rule written in SQL (`_minutes`), which
`tests/rota/test_figures.py` holds to the rule itself on a few hundred random visits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Integer, and_, case, cast, exists, func, or_, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql import ColumnElement

from coop.clock import local
from rota.models import LIVE_STATES, ExtraTimeApproval, Visit, VisitLog
from rota.services.money import EXTRA_MINUTES, local_midnight, next_month
from teams.models import Team

MIN_GROUP = 5
RECENT = timedelta(weeks=4)
BEFORE = timedelta(weeks=12)


@dataclass(frozen=True)
class Figure:
    """A count over a count. `shown` is False for a group under MIN_GROUP: then neither number
    may be shown."""

    numerator: int
    denominator: int
    # Hidden although big enough, so that a hidden group cannot be worked out by subtraction.
    suppressed: bool = False

    @property
    def shown(self) -> bool:
        return self.denominator >= MIN_GROUP and not self.suppressed

    @property
    def percent(self) -> str:
        return f"{round(100 * self.numerator / self.denominator)}%" if self.denominator else "-"


def _whole_minutes(later: Any, earlier: Any, dialect: str) -> ColumnElement[int]:
    """`int((later - earlier).total_seconds() // 60)` for a difference that is not negative. On
    SQLite, to the millisecond (what it reads of a stored time)."""
    if dialect == "postgresql":
        return cast(func.floor(func.extract("epoch", later - earlier) / 60), Integer)
    milliseconds = func.round((func.julianday(later) - func.julianday(earlier)) * 86_400_000)
    return cast(milliseconds / 60_000, Integer)


def _delivered(visit: Any) -> ColumnElement[bool]:
    """The visit (the `Visit` entity, or an alias of it) was delivered."""
    times = and_(visit.arrived_at.is_not(None), visit.left_at.is_not(None))
    confirmed = exists().where(VisitLog.visit_id == visit.id, VisitLog.status == "confirmed")
    return and_(visit.worker_id.is_not(None), visit.status.in_(LIVE_STATES), or_(times, confirmed))


def _minutes(dialect: str) -> ColumnElement[int]:
    """A delivered visit's minutes paid, as `money.minutes_paid` gives them: arrival to leaving
    (at most 15 minutes over the plan, unless extra time was approved), else the planned."""
    times = and_(Visit.arrived_at.is_not(None), Visit.left_at.is_not(None))
    actual = _whole_minutes(Visit.left_at, Visit.arrived_at, dialect)
    planned = _whole_minutes(Visit.ends_at, Visit.starts_at, dialect)
    approved = exists().where(ExtraTimeApproval.visit_id == Visit.id)
    return case(
        (and_(times, Visit.left_at <= Visit.arrived_at), 0),
        (and_(times, approved), actual),
        (and_(times, actual > planned + EXTRA_MINUTES), planned + EXTRA_MINUTES),
        (times, actual),
        else_=planned,
    )


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def continuity(session: Session, now: datetime) -> Figure:
    """Visits delivered in [now - 4 weeks, now) by someone who delivered one to the same team in
    the 12 weeks before that, over all visits delivered in the 4 weeks."""
    since = now - RECENT
    earlier = aliased(Visit)
    known = exists().where(
        earlier.team_id == Visit.team_id,
        earlier.worker_id == Visit.worker_id,
        earlier.starts_at >= since - BEFORE,
        earlier.starts_at < since,
        _delivered(earlier),
    )
    recent, continued = session.execute(
        select(func.count(), func.coalesce(func.sum(case((known, 1), else_=0)), 0)).where(
            Visit.starts_at >= since, Visit.starts_at < now, _delivered(Visit)
        )
    ).one()
    return Figure(int(continued), int(recent))


@dataclass(frozen=True)
class MonthHours:
    month: str
    by_team: list[tuple[Team, Figure]]  # minutes over visits
    total: Figure


def hours_delivered(session: Session, now: datetime, *, months: int = 3) -> list[MonthHours]:
    """Minutes delivered in each of the last `months` local months (this one included), by
    team and in all, each over its number of visits; newest first."""
    first = local(now).date().replace(day=1)
    starts = [first]
    for _ in range(months - 1):
        previous = starts[-1] - timedelta(days=1)
        starts.append(previous.replace(day=1))
    found = []
    paid = _minutes(_dialect(session))
    for start in starts:
        rows = session.execute(
            select(Visit.team_id, func.sum(paid), func.count())
            .where(
                Visit.starts_at >= local_midnight(start),
                Visit.starts_at < local_midnight(next_month(start)),
                _delivered(Visit),
            )
            .group_by(Visit.team_id)
        ).all()
        minutes = {team_id: int(total) for team_id, total, _ in rows}
        count = {team_id: int(n) for team_id, _, n in rows}
        teams = {t.id: t for t in session.scalars(select(Team).where(Team.id.in_(minutes)))}
        by_team = [
            (teams[team_id], Figure(minutes[team_id], count[team_id]))
            for team_id in sorted(minutes, key=lambda i: (teams[i].name, i))
        ]
        by_team = _no_subtraction(by_team)
        found.append(
            MonthHours(
                f"{start:%Y-%m}", by_team, Figure(sum(minutes.values()), sum(count.values()))
            )
        )
    return found


def _no_subtraction(rows: list[tuple[Team, Figure]]) -> list[tuple[Team, Figure]]:
    """With exactly one team hidden, the total less the shown teams would give it away: hide
    the smallest shown team too."""
    hidden = [f for _, f in rows if not f.shown]
    shown = [(t, f) for t, f in rows if f.shown]
    if len(hidden) != 1 or not shown:
        return rows
    smallest = min(shown, key=lambda row: (row[1].denominator, row[1].numerator, row[0].id))[0]
    return [(t, Figure(f.numerator, f.denominator, True) if t is smallest else f) for t, f in rows]


def month_label(month: str) -> str:
    return f"{date.fromisoformat(month + '-01'):%B %Y}"


def duration(minutes: int) -> str:
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes % 60 else f"{minutes // 60} h"
