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
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from coop.clock import local
from rota.models import LIVE_STATES, Visit
from rota.services.money import charges, local_midnight, next_month
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


def delivered(session: Session, start: datetime, end: datetime) -> list[tuple[Visit, int]]:
    """Visits starting in [start, end) that were delivered, with their minutes paid."""
    visits = list(
        session.scalars(
            select(Visit).where(
                Visit.starts_at >= start,
                Visit.starts_at < end,
                Visit.worker_id.is_not(None),
                Visit.status.in_(LIVE_STATES),
            )
        )
    )
    found = charges(session, visits)
    return [(v, found[v.id].minutes) for v in visits if v.id in found]


def continuity(session: Session, now: datetime) -> Figure:
    """Visits delivered in [now - 4 weeks, now) by someone who delivered one to the same team in
    the 12 weeks before that, over all visits delivered in the 4 weeks."""
    since = now - RECENT
    recent = delivered(session, since, now)
    known = {(v.team_id, v.worker_id) for v, _ in delivered(session, since - BEFORE, since)}
    return Figure(sum(1 for v, _ in recent if (v.team_id, v.worker_id) in known), len(recent))


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
    for start in starts:
        rows = delivered(session, local_midnight(start), local_midnight(next_month(start)))
        minutes: dict[int, int] = {}
        count: dict[int, int] = {}
        for visit, paid in rows:
            minutes[visit.team_id] = minutes.get(visit.team_id, 0) + paid
            count[visit.team_id] = count.get(visit.team_id, 0) + 1
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
