"""Governance factories: members, officers and proposals, made through the real services where
the story depends on it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from coop.models import User
from governance.models import ClassChange, Member, Officer, Proposal
from governance.services import proposals
from tests import factories
from tests.conftest import NOW

KEY = "test-ballot-key"


def member(
    session: Session,
    *,
    member_class: str = "worker",
    status: str = "member",
    account: bool = True,
    name: str | None = None,
    now: datetime = NOW,
    **details: Any,
) -> Member:
    """A register entry (and an account to sign in with, unless `account` is False)."""
    user = factories.user(session, display_name=name) if account else None
    made = Member(
        user_id=user.id if user else None,
        name=name or (user.display_name if user else "Someone Offline"),
        member_class=member_class,
        email=details.pop("email", user.email if user else None),
        postal_address=details.pop("postal_address", "1 Secret Street, Hebden Bridge"),
        status=status,
        applied_at=now - timedelta(days=30),
        joined_at=now - timedelta(days=20) if status != "applied" else None,
        shares_held=details.pop("shares_held", 7),
        **details,
    )
    session.add(made)
    session.flush()
    if status == "member":
        session.add(
            ClassChange(member_id=made.id, member_class=member_class, from_at=made.applied_at)
        )
        session.flush()
    return made


def user_of(session: Session, member: Member) -> User:
    assert member.user_id is not None
    return session.get_one(User, member.user_id)


def secretary(session: Session, *, officer: bool = True) -> User:
    """The secretary: the `secretary` role, and (usually) the office in the register."""
    user = factories.user(session, roles=["secretary"], display_name="Sam Secretary")
    if officer:
        session.add(
            Officer(user_id=user.id, office="secretary", appointed_at=NOW - timedelta(days=99))
        )
        session.flush()
    return user


def officer(session: Session, office: str = "chair") -> User:
    user = factories.user(session, display_name=f"An Officer ({office})")
    session.add(Officer(user_id=user.id, office=office, appointed_at=NOW - timedelta(days=99)))
    session.flush()
    return user


def proposal(
    session: Session,
    secretary_user: User,
    *,
    kind: str = "ordinary",
    secret: bool = True,
    open_now: bool = True,
    now: datetime = NOW,
    closes_in: timedelta = timedelta(days=7),
    title: str = "Paint the office green",
) -> Proposal:
    made = proposals.create_proposal(
        session,
        secretary_user,
        title=title,
        kind=kind,
        secret=secret,
        opens_at=now,
        closes_at=now + closes_in,
        now=now - timedelta(minutes=5),
    )
    if open_now:
        proposals.open_proposal(session, secretary_user, made.id, now=now)
    return made
