"""The register of members and the register of officers (Co-operative and Community Benefit
Societies Act 2014, s.30): applying, admission by the secretary, changes, leaving."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coop.errors import Conflict, Invalid, NotFound, require
from coop.extension import current
from coop.models import User
from coop.services import audit
from governance import policy
from governance.models import (
    EMAIL_USES,
    MEMBER_CLASSES,
    ClassChange,
    Member,
    Officer,
    Proxy,
)
from governance.policy import Standing

EDITABLE = (
    "name",
    "postal_address",
    "email",
    "email_use",
    "member_class",
    "shares_held",
    "shares_paid_pence",
    "loans_pence",
)


def standing(session: Session, user: Any, now: datetime) -> Standing:
    """What the register says about `user` (None or anonymous: nothing)."""
    if not isinstance(user, User) or not user.is_active:
        return Standing(user=None)
    member = session.scalar(select(Member).where(Member.user_id == user.id))
    is_officer = (
        session.scalar(
            select(func.count())
            .select_from(Officer)
            .where(Officer.user_id == user.id, Officer.ended_at.is_(None))
        )
        or 0
    ) > 0
    proxy_for = frozenset(
        session.scalars(select(Proxy.proposal_id).where(Proxy.holder_id == user.id))
    )
    return Standing(
        user=user,
        member=member,
        is_secretary=user.has_role("secretary"),
        is_officer=is_officer,
        proxy_for=proxy_for,
    )


def _check_details(values: dict[str, Any]) -> dict[str, Any]:
    """Clean and check register details; raises Invalid naming each field that is wrong."""
    errors: dict[str, list[str]] = {}
    cleaned = dict(values)
    if "name" in cleaned:
        cleaned["name"] = (cleaned["name"] or "").strip()
        if not cleaned["name"] or len(cleaned["name"]) > 120:
            errors["name"] = ["Please give a name of up to 120 characters."]
    if "postal_address" in cleaned:
        cleaned["postal_address"] = (cleaned["postal_address"] or "").strip() or None
    if "email" in cleaned:
        email = (cleaned["email"] or "").strip().lower() or None
        if email is not None and ("@" not in email or len(email) > 254):
            errors["email"] = ["Please give an e-mail address like name@example.org."]
        cleaned["email"] = email
    if "email_use" in cleaned and cleaned["email_use"] not in EMAIL_USES:
        errors["email_use"] = ["Please choose what we may use your e-mail address for."]
    if "member_class" in cleaned and cleaned["member_class"] not in MEMBER_CLASSES:
        errors["member_class"] = ["Please choose a class of membership."]
    for money in ("shares_held", "shares_paid_pence", "loans_pence"):
        if money in cleaned:
            value = cleaned[money]
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                errors[money] = ["Please give a whole number of 0 or more."]
    if errors:
        raise Invalid("Please check the details.", errors=errors)
    return cleaned


def _email_taken(session: Session, email: str | None, member_id: int | None) -> None:
    if email is None:
        return
    other = session.scalar(select(Member).where(Member.email == email))
    if other is not None and other.id != member_id:
        raise Invalid(
            "That e-mail address is already on the register.",
            errors={"email": ["That e-mail address is already on the register."]},
        )


def apply(
    session: Session,
    actor: User,
    *,
    name: str,
    member_class: str,
    postal_address: str | None = None,
    email: str | None = None,
    email_use: str = "notices",
    now: datetime,
) -> Member:
    """Apply to join (or to rejoin after leaving). The secretary admits. Raises Conflict if the
    person already applied or is a member, Invalid for bad details. Audits `member.applied`."""
    st = standing(session, actor, now)
    if st.member is not None and st.member.status != "left":
        raise Conflict("You have already applied, or you are already a member.")
    details = _check_details(
        {
            "name": name,
            "member_class": member_class,
            "postal_address": postal_address,
            "email": email,
            "email_use": email_use,
        }
    )
    member = st.member
    _email_taken(session, details["email"], member.id if member else None)
    if member is None:
        member = Member(user_id=actor.id, applied_at=now, **details)
        session.add(member)
    else:
        for key, value in details.items():
            setattr(member, key, value)
        member.status, member.applied_at, member.joined_at, member.left_at = (
            "applied",
            now,
            None,
            None,
        )
    session.flush()
    audit.record(session, actor, "member.applied", "member", member.id, now=now)
    return member


def add_member(
    session: Session, actor: User, *, user_id: int | None = None, now: datetime, **details: Any
) -> Member:
    """The secretary adds someone to the register and admits them at once (for example a
    member without an account). Raises NotFound unless the actor is the secretary, Invalid for
    bad details. Audits `member.added`."""
    require(policy.can_manage_register(standing(session, actor, now)), hidden=True)
    details.setdefault("email_use", "notices")
    details = _check_details(details)
    if "name" not in details or "member_class" not in details:
        raise Invalid("A member needs a name and a class.")
    if user_id is not None:
        if session.get(User, user_id) is None:
            raise Invalid("There is no such account.", errors={"user_id": ["No such account."]})
        if session.scalar(select(Member).where(Member.user_id == user_id)) is not None:
            raise Conflict("That person is already on the register.")
    _email_taken(session, details.get("email"), None)
    member = Member(user_id=user_id, applied_at=now, **details)
    session.add(member)
    session.flush()
    _admit(session, actor, member, now=now)
    audit.record(session, actor, "member.added", "member", member.id, now=now)
    return member


def _admit(session: Session, actor: User, member: Member, *, now: datetime) -> None:
    member.status, member.joined_at, member.left_at = "member", now, None
    session.add(
        ClassChange(
            member_id=member.id,
            member_class=member.member_class,
            from_at=now,
            changed_by_id=actor.id,
        )
    )
    session.flush()


def get_member(session: Session, actor: User, member_id: int, *, now: datetime) -> Member:
    """A register entry, for the secretary or the member themselves; NotFound for anyone else."""
    st = standing(session, actor, now)
    member = session.get(Member, member_id)
    own = member is not None and st.member is not None and st.member.id == member.id
    if member is None or not (policy.can_manage_register(st) or own):
        raise NotFound("There is no such member.")
    return member


def admit(session: Session, actor: User, member_id: int, *, now: datetime) -> Member:
    """The secretary admits an applicant. Raises NotFound (not the secretary, no such entry),
    Conflict (not an applicant). Audits `member.admitted`."""
    require(policy.can_manage_register(standing(session, actor, now)), hidden=True)
    member = session.get(Member, member_id)
    if member is None:
        raise NotFound("There is no such member.")
    if member.status != "applied":
        raise Conflict("Only an applicant can be admitted.")
    _admit(session, actor, member, now=now)
    audit.record(session, actor, "member.admitted", "member", member.id, now=now)
    return member


def update_member(
    session: Session, actor: User, member_id: int, *, now: datetime, **changes: Any
) -> Member:
    """The secretary changes register details; a change of class is kept in the history.
    Raises NotFound, Invalid. Audits `member.changed` with the names of the fields changed."""
    require(policy.can_manage_register(standing(session, actor, now)), hidden=True)
    member = session.get(Member, member_id)
    if member is None:
        raise NotFound("There is no such member.")
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise Invalid(f"{unknown[0]} cannot be changed here.")
    cleaned = _check_details(changes)
    if "email" in cleaned:
        _email_taken(session, cleaned["email"], member.id)
    changed = sorted(k for k, v in cleaned.items() if getattr(member, k) != v)
    if "member_class" in changed and member.status == "member":
        session.add(
            ClassChange(
                member_id=member.id,
                member_class=cleaned["member_class"],
                from_at=now,
                changed_by_id=actor.id,
            )
        )
    for key in changed:
        setattr(member, key, cleaned[key])
    session.flush()
    if changed:
        audit.record(
            session,
            actor,
            "member.changed",
            "member",
            member.id,
            now=now,
            changes={"fields": changed},
        )
    return member


def leave(session: Session, actor: User, member_id: int, *, now: datetime) -> Member:
    """A member leaves (themselves, or recorded by the secretary). Raises NotFound, Conflict
    (not a current member or applicant). Audits `member.left`."""
    member = get_member(session, actor, member_id, now=now)
    if member.status == "left":
        raise Conflict("This person has already left.")
    member.status, member.left_at = "left", now
    session.flush()
    audit.record(session, actor, "member.left", "member", member.id, now=now)
    return member


def member_names(session: Session, actor: User, *, now: datetime) -> list[Member]:
    """Current members, for anyone who may see their names (members and the secretary)."""
    require(policy.can_see_member_names(standing(session, actor, now)), hidden=True)
    return list(
        session.scalars(
            select(Member).where(Member.status == "member").order_by(Member.name, Member.id)
        )
    )


def register(session: Session, actor: User, *, now: datetime) -> list[Member]:
    """The whole register, applicants and leavers included: the secretary only."""
    require(policy.can_manage_register(standing(session, actor, now)), hidden=True)
    return list(session.scalars(select(Member).order_by(Member.status, Member.name, Member.id)))


CSV_COLUMNS = (
    "id",
    "name",
    "postal_address",
    "email",
    "email_use",
    "member_class",
    "shares_held",
    "shares_paid_pence",
    "loans_pence",
    "status",
    "applied_at",
    "joined_at",
    "left_at",
)


def register_csv(session: Session, actor: User, *, now: datetime) -> str:
    """The register as CSV for the secretary (an empty address is "care of the co-op").
    Audits `register.exported`."""
    rows = register(session, actor, now=now)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for m in rows:
        values: list[Any] = []
        for column in CSV_COLUMNS:
            value = getattr(m, column)
            if column == "postal_address" and value is None:
                value = "care of the co-op"
            if isinstance(value, datetime):
                value = value.isoformat()
            # A cell a spreadsheet would run as a formula is written as text.
            if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
                value = "'" + value
            values.append("" if value is None else value)
        writer.writerow(values)
    audit.record(
        session, actor, "register.exported", "member", None, now=now, changes={"rows": len(rows)}
    )
    return out.getvalue()


def could_join_count(session: Session, actor: User, *, now: datetime) -> int:
    """How many people care activity makes eligible who are not on the register: the secretary
    sees the number only, never who, until they apply."""
    require(policy.can_manage_register(standing(session, actor, now)), hidden=True)
    return len(_could_join(session, now))


def _could_join(session: Session, now: datetime) -> set[int]:
    eligible = {a.user_id for a in current().registry.care_activity(session, now)}
    if not eligible:
        return set()
    on_register = set(
        session.scalars(
            select(Member.user_id).where(Member.user_id.in_(eligible), Member.status != "left")
        )
    )
    return eligible - on_register


def invitation_for(session: Session, user: User, now: datetime) -> str | None:
    """The class care activity makes `user` eligible for, when they are not on the register.
    Every home page asks this, so it reads this person's activity alone."""
    on_register = session.scalar(
        select(Member.id).where(Member.user_id == user.id, Member.status != "left").limit(1)
    )
    if on_register is not None:
        return None
    for activity in current().registry.care_activity(session, now, user_id=user.id):
        if activity.user_id == user.id:
            return activity.member_class
    return None
