"""Who the rota makes eligible to join the co-op, told to `governance` through coop's
care-activity registry (governance never imports the rota).

DOMAIN.md: a supported person is eligible after two months of regular support, meaning an
average of at least 2 hours a week of confirmed visits over the last 8 weeks, trial visits not
counted. A worker with a confirmed visit in those 8 weeks is eligible as a worker member.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Subquery, func, or_, select
from sqlalchemy.orm import Session

from coop.registries import CareActivity
from rota.models import Visit, VisitLog
from teams.models import Team

WINDOW = timedelta(weeks=8)
MINUTES_NEEDED = 2 * 60 * 8  # 2 hours a week, on average, over 8 weeks


def _confirmed(now: datetime, user_id: int | None) -> Subquery:
    confirmed = (
        select(Visit)
        .join(VisitLog, VisitLog.visit_id == Visit.id)
        .where(
            VisitLog.status == "confirmed",
            Visit.kind != "trial",
            Visit.starts_at >= now - WINDOW,
            Visit.starts_at < now,
        )
    )
    if user_id is not None:
        led = select(Team.id).where(Team.leader_id == user_id)
        confirmed = confirmed.where(or_(Visit.worker_id == user_id, Visit.team_id.in_(led)))
    return confirmed.subquery()


def care_activity(
    session: Session, now: datetime, user_id: int | None = None
) -> list[CareActivity]:
    """Supported people with enough confirmed support, and workers who gave some, in the last
    8 weeks; with `user_id`, only that person (their own visits alone are read). Minutes are
    summed in the database, one query for each class."""
    visits = _confirmed(now, user_id)
    minutes = func.sum(
        (func.julianday(visits.c.ends_at) - func.julianday(visits.c.starts_at)) * 1440
    )
    if session.get_bind().dialect.name == "postgresql":
        minutes = func.sum(func.extract("epoch", visits.c.ends_at - visits.c.starts_at) / 60)
    led = select(Team.leader_id, minutes).join(visits, visits.c.team_id == Team.id)
    worked = select(visits.c.worker_id).where(visits.c.worker_id.is_not(None)).distinct()
    if user_id is not None:
        led = led.where(Team.leader_id == user_id)
        worked = worked.where(visits.c.worker_id == user_id)
    supported = session.execute(led.group_by(Team.leader_id)).all()
    found = [
        CareActivity(leader_id, "supported", "two months of regular support from the co-op")
        for leader_id, total in supported
        if total is not None and round(float(total)) >= MINUTES_NEEDED
    ]
    workers = session.scalars(worked).all()
    found.extend(
        CareActivity(worker_id, "worker", "working with a team in the last two months")
        for worker_id in workers
    )
    return found
