"""The rota part of the demo co-op: a fortnight of visits for Margaret's team."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from coop.clock import zone
from coop.demo import DemoAccount, register_demo_part
from coop.models import User
from teams.models import Team
from teams.services.standing import standing

from rota.models import Pattern
from rota.services import patterns, visits


def seed(session: Session, now: datetime, made: dict[str, User]) -> list[DemoAccount]:
    margaret, aisha, bill = (made.get(u) for u in ("margaret", "aisha", "bill"))
    if margaret is None or aisha is None or bill is None:
        return []
    team = session.scalar(select(Team).where(Team.leader_id == margaret.id))
    if team is None or session.scalar(select(Pattern.id).where(Pattern.team_id == team.id)):
        return []
    today = now.astimezone(zone()).date()
    monday = today - timedelta(days=today.weekday())
    s = standing(session, bill, team, now)
    # Mornings with Aisha on weekdays; an open Saturday visit anyone in the team can take.
    patterns.create_pattern(
        session,
        s,
        frequency="weekly",
        weekdays=[0, 1, 2, 3, 4],
        local_start=time(9, 0),
        minutes=60,
        starts_on=monday,
        worker_id=aisha.id,
        notes="Breakfast and getting dressed",
        now=now,
    )
    saturday = datetime.combine(monday + timedelta(days=5), time(14, 0), tzinfo=zone())
    visits.plan_visit(
        session,
        s,
        starts_at=saturday,
        ends_at=saturday + timedelta(hours=2),
        notes="Garden centre trip",
        now=now,
    )
    return []


def register() -> None:
    register_demo_part("rota", seed, order=20)
