"""The register of officers: who held which office, from when to when. The secretary keeps
it; members and the scrutineers read it. Officers other than the secretary countersign
recorded ballots and, with the secretary, scrutinise the ballot log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from coop.errors import Conflict, Invalid, NotFound, require
from coop.models import User
from coop.services import audit
from governance import policy
from governance.models import OFFICES, Officer
from governance.services.register import standing


def officers(
    session: Session, actor: User, *, now: datetime, current_only: bool = True
) -> list[Officer]:
    """The register of officers: members and scrutineers may read it."""
    require(policy.can_see_officers(standing(session, actor, now)), hidden=True)
    query = select(Officer).order_by(Officer.office, Officer.appointed_at)
    if current_only:
        query = query.where(Officer.ended_at.is_(None))
    return list(session.scalars(query))


def appoint_officer(
    session: Session, actor: User, *, user_id: int, office: str, now: datetime
) -> Officer:
    """The secretary enters an appointment in the register of officers. Raises NotFound,
    Invalid, Conflict (they already hold that office). Audits `officer.appointed`."""
    require(policy.can_manage_register(standing(session, actor, now)), hidden=True)
    if office not in OFFICES:
        raise Invalid("Please choose an office.", errors={"office": ["Please choose an office."]})
    if session.get(User, user_id) is None:
        raise Invalid("There is no such person.", errors={"user_id": ["There is no such person."]})
    held = session.scalar(
        select(Officer).where(
            Officer.user_id == user_id, Officer.office == office, Officer.ended_at.is_(None)
        )
    )
    if held is not None:
        raise Conflict("They already hold that office.")
    officer = Officer(user_id=user_id, office=office, appointed_at=now)
    session.add(officer)
    session.flush()
    audit.record(
        session,
        actor,
        "officer.appointed",
        "officer",
        officer.id,
        now=now,
        changes={"office": office},
    )
    return officer


def end_officer(session: Session, actor: User, officer_id: int, *, now: datetime) -> Officer:
    """The secretary records that an officer stood down. Raises NotFound, Conflict."""
    require(policy.can_manage_register(standing(session, actor, now)), hidden=True)
    officer = session.get(Officer, officer_id)
    if officer is None:
        raise NotFound("There is no such officer.")
    if officer.ended_at is not None:
        raise Conflict("They have already stood down.")
    officer.ended_at = now
    session.flush()
    audit.record(session, actor, "officer.ended", "officer", officer.id, now=now)
    return officer
