"""Finding a team as someone sees it: their standing in it, or a NotFound."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from coop import errors
from coop.errors import NotFound
from coop.models import User
from teams import policy
from teams.models import Hat, Membership, RecordsAccess, Team
from teams.policy import Standing


def scope(team: Team | int) -> str:
    return f"team:{team if isinstance(team, int) else team.id}"


def current_membership(
    session: Session, user: User, team_id: int, now: datetime
) -> Membership | None:
    """`user`'s membership of the team that is active and has not reached its leaving date."""
    return session.scalar(
        select(Membership).where(
            Membership.team_id == team_id,
            Membership.user_id == user.id,
            Membership.status == "active",
            or_(Membership.leaves_at.is_(None), Membership.leaves_at > now),
        )
    )


def standing(session: Session, user: User | None, team: Team, now: datetime) -> Standing:
    if user is None or not getattr(user, "is_authenticated", False):
        return Standing(user=None, team=team)
    membership = current_membership(session, user, team.id, now)
    hats: frozenset[str] = frozenset()
    if membership is not None:
        hats = frozenset(
            session.scalars(
                select(Hat.hat).where(Hat.membership_id == membership.id, Hat.status == "active")
            )
        )
    access = None
    if membership is None:
        access = session.scalar(
            select(RecordsAccess.basis)
            .where(
                RecordsAccess.team_id == team.id,
                RecordsAccess.user_id == user.id,
                RecordsAccess.revoked_at.is_(None),
                RecordsAccess.starts_at <= now,
                RecordsAccess.ends_at > now,
            )
            .order_by(RecordsAccess.basis.desc())  # emergency before granted
            .limit(1)
        )
    return Standing(user=user, team=team, membership=membership, hats=hats, outside_access=access)


def find_team(session: Session, user: User | None, team_id: int, now: datetime) -> Standing:
    """The team with the person's standing in it. Raises NotFound when it does not exist or they
    may not see it: a team someone may not see is not there for them."""
    team = session.get(Team, team_id)
    if team is None:
        raise NotFound("We could not find that team.")
    s = standing(session, user, team, now)
    if not policy.can_view_team(s):
        raise NotFound("We could not find that team.")
    return s


def require(allowed: bool, *, hidden: bool = False, detail: str | None = None) -> None:
    """`coop.errors.require` in a team's words: 404 for a thing the person may not even see
    (`hidden`), 403 for an action on something they can see."""
    errors.require(
        allowed,
        hidden=hidden,
        detail=detail
        or (
            "We could not find that."
            if hidden
            else "Only the person who leads the team, or someone they trust with it, can do that."
        ),
    )
