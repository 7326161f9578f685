"""Who some home cards are for (`coop.registries.HomeCard.audience`), as teams and matching
know them: people who work in teams, are paid for visits, or might look for work. Here, not in
`teams`, because a worker profile counts: teams never imports matching."""

from __future__ import annotations

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from coop.models import User
from teams.matching.models import WorkerProfile
from teams.models import Membership, Team


def works_in_teams(session: Session, user: User) -> bool:
    """Whether the person is, was, or offers to be booked for visits: a worker in a team (now
    or before: their past timesheets stay theirs), a member the leader made bookable, or
    someone with a worker profile."""
    booked = select(Membership.id).where(
        Membership.user_id == user.id,
        or_(
            Membership.kind == "worker",
            and_(Membership.status == "active", Membership.bookable.is_(True)),
        ),
    )
    return (
        session.scalar(booked.limit(1)) is not None
        or session.get(WorkerProfile, user.id) is not None
    )


def is_paid_worker(session: Session, user: User) -> bool:
    """Whether the person is, or was, paid for visits: a worker in a team (their timesheets and
    invoices stay theirs after they leave), or someone with a worker profile."""
    paid = select(Membership.id).where(Membership.user_id == user.id, Membership.kind == "worker")
    return (
        session.scalar(paid.limit(1)) is not None or session.get(WorkerProfile, user.id) is not None
    )


def may_look_for_work(session: Session, user: User) -> bool:
    """Whether to offer the person work in teams: anyone with a worker profile, and anyone
    who neither leads a team of their own nor works for the co-op as staff."""
    if session.get(WorkerProfile, user.id) is not None:
        return True
    if user.roles:
        return False
    return (
        session.scalar(
            select(Team.id).where(Team.leader_id == user.id, Team.status == "active").limit(1)
        )
        is None
    )
