"""Hats: offered by the leader, accepted by the member, taken back or put down at any time.
The representative hat records its legal basis and a facilitator's check."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from coop.errors import Conflict, Forbidden, Invalid, NotFound
from coop.models import User
from coop.services import audit
from coop.services.mail import queue_mail
from teams import policy
from teams.models import HAT_LABELS, HATS, LEGAL_BASES, Hat, Membership, Team
from teams.policy import Standing
from teams.services.members import _acting_for, find_membership
from teams.services.standing import require, scope

REMINDER_BEFORE = timedelta(days=14)


def hats_of(session: Session, team: Team) -> list[Hat]:
    """Hats offered or worn in the team now."""
    return list(
        session.scalars(
            select(Hat)
            .join(Membership)
            .where(Membership.team_id == team.id, Hat.status.in_(("offered", "active")))
            .order_by(Hat.hat, Hat.id)
        )
    )


def offer_hat(
    session: Session,
    s: Standing,
    membership_id: int,
    *,
    hat: str,
    scope_text: str,
    review_on: date | None,
    now: datetime,
    legal_basis: str | None = None,
    legal_reference: str | None = None,
) -> Hat:
    """The leader offers a member a hat with a short written scope and a review date. Only the
    leader gives the representative hat, with its legal basis. Raises Forbidden, Invalid or
    Conflict (already offered or worn). Audits `hat.offered`."""
    if hat not in HATS:
        raise Invalid("Unknown hat.", errors={"hat": ["Please choose a hat."]})
    require(
        policy.can_offer_hat(s, hat),
        detail="Only the person who leads the team can give the representative hat."
        if hat == "representative"
        else None,
    )
    if s.user is None:
        raise Forbidden("Please sign in first.")
    membership = find_membership(session, s, membership_id)
    errors: dict[str, list[str]] = {}
    if membership.status != "active":
        errors["membership"] = ["Hats are for people who have joined the team."]
    if not scope_text.strip():
        errors["scope"] = [
            "Please say in a few words what this hat covers, e.g. “weekday visits only”."
        ]
    if review_on is None or review_on <= now.date():
        errors["review_on"] = ["Please choose a review date after today."]
    if hat == "representative":
        if legal_basis not in LEGAL_BASES:
            errors["legal_basis"] = ["Please say on what basis they represent you."]
        if legal_basis not in (None, "own_choice") and not (legal_reference or "").strip():
            errors["legal_reference"] = [
                "Please give the reference, e.g. the Office of the Public Guardian's."
            ]
    if errors or review_on is None:
        raise Invalid("The hat was not offered.", errors=errors)
    if session.scalar(
        select(Hat.id).where(
            Hat.membership_id == membership.id,
            Hat.hat == hat,
            Hat.status.in_(("offered", "active")),
        )
    ):
        raise Conflict(f"{membership.name} already has, or has been offered, this hat.")
    row = Hat(
        membership_id=membership.id,
        hat=hat,
        status="offered",
        scope=scope_text.strip()[:300],
        review_on=review_on,
        offered_at=now,
        offered_by_id=s.user.id,
        legal_basis=legal_basis if hat == "representative" else None,
        legal_reference=(legal_reference or "").strip()[:80] or None
        if hat == "representative"
        else None,
    )
    session.add(row)
    session.flush()
    if membership.user and membership.user.email:
        queue_mail(
            session,
            to=membership.user.email,
            subject=f"You have been offered a hat: {HAT_LABELS[hat]}",
            body=(
                f"Hello {membership.user.display_name},\n\n{s.user.display_name} would like you to be "
                f"the {HAT_LABELS[hat].lower()} in {s.team.leader.display_name}'s team. "
                "Please sign in to Carecoop to say yes or no.\n"
            ),
            now=now,
        )
    audit.record(
        session,
        s.user,
        "hat.offered",
        "hat",
        row.id,
        now=now,
        scope=scope(s.team),
        acting_for=_acting_for(s),
        changes={"hat": hat, "membership_id": membership.id},
    )
    return row


def find_hat(session: Session, s: Standing, membership_id: int, hat: str) -> Hat:
    """The member's offered or worn hat of this kind. Raises NotFound."""
    membership = find_membership(session, s, membership_id)
    row = session.scalar(
        select(Hat).where(
            Hat.membership_id == membership.id,
            Hat.hat == hat,
            Hat.status.in_(("offered", "active")),
        )
    )
    if row is None:
        raise NotFound("We could not find that hat.")
    return row


def _change(session: Session, row: Hat, *, from_states: tuple[str, ...], **values: object) -> None:
    """A conditional update, so that two clicks (or two people) do one thing."""
    done = session.execute(
        update(Hat).where(Hat.id == row.id, Hat.status.in_(from_states)).values(**values)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("This hat has just changed. Please reload the page.")
    session.refresh(row)


def answer_hat(
    session: Session, s: Standing, membership_id: int, hat: str, *, yes: bool, now: datetime
) -> Hat:
    """The member accepts or declines a hat offered to them. Audits `hat.accepted`/`hat.declined`."""
    row = find_hat(session, s, membership_id, hat)
    require(policy.can_answer_hat(s, row), detail="Only the person offered a hat can accept it.")
    if s.user is None:
        raise Forbidden("Please sign in first.")
    _change(
        session,
        row,
        from_states=("offered",),
        status="active" if yes else "declined",
        answered_at=now,
        ended_at=None if yes else now,
    )
    audit.record(
        session,
        s.user,
        "hat.accepted" if yes else "hat.declined",
        "hat",
        row.id,
        now=now,
        scope=scope(s.team),
        changes={"hat": hat},
    )
    return row


def take_back_hat(
    session: Session, s: Standing, membership_id: int, hat: str, *, now: datetime
) -> Hat:
    """The leader takes a hat back, at any time. A representative cannot take the
    representative hat from anyone. Audits `hat.taken_back`."""
    row = find_hat(session, s, membership_id, hat)
    require(
        policy.can_take_back_hat(s, row),
        detail="Only the person who leads the team can take back the representative hat."
        if hat == "representative"
        else None,
    )
    if s.user is None:
        raise Forbidden("Please sign in first.")
    _change(
        session,
        row,
        from_states=("offered", "active"),
        status="taken_back",
        ended_at=now,
        ended_by_id=s.user.id,
    )
    audit.record(
        session,
        s.user,
        "hat.taken_back",
        "hat",
        row.id,
        now=now,
        scope=scope(s.team),
        acting_for=_acting_for(s),
        changes={"hat": hat},
    )
    return row


def put_down_hat(
    session: Session, s: Standing, membership_id: int, hat: str, *, now: datetime
) -> Hat:
    """A member puts down a hat they wear. Audits `hat.put_down`."""
    row = find_hat(session, s, membership_id, hat)
    require(
        policy.can_put_down_hat(s, row), detail="Only the person wearing a hat can put it down."
    )
    if s.user is None:
        raise Forbidden("Please sign in first.")
    _change(
        session,
        row,
        from_states=("active",),
        status="put_down",
        ended_at=now,
        ended_by_id=s.user.id,
    )
    audit.record(
        session,
        s.user,
        "hat.put_down",
        "hat",
        row.id,
        now=now,
        scope=scope(s.team),
        changes={"hat": hat},
    )
    return row


def check_representative(session: Session, s: Standing, hat_id: int, *, now: datetime) -> Hat:
    """A facilitator records that they checked a representative's legal basis and reference.
    Audits `hat.checked`."""
    require(
        policy.can_check_representative(s), detail="Only a facilitator can check a representative."
    )
    if s.user is None:
        raise Forbidden("Please sign in first.")
    row = session.get(Hat, hat_id)
    if (
        row is None
        or row.hat != "representative"
        or row.membership.team_id != s.team.id
        or row.status not in ("offered", "active")
    ):
        raise NotFound("We could not find that representative.")
    row.checked_by_id, row.checked_at = s.user.id, now
    session.flush()
    audit.record(session, s.user, "hat.checked", "hat", row.id, now=now, scope=scope(s.team))
    return row


def remind_reviews(session: Session, now: datetime) -> int:
    """Timed job: tell each leader, once per review date, that a hat's review is coming up."""
    soon = (now + REMINDER_BEFORE).date()
    due = list(
        session.scalars(
            select(Hat).where(
                Hat.status == "active",
                Hat.review_on <= soon,
                (Hat.reminded_for.is_(None)) | (Hat.reminded_for != Hat.review_on),
            )
        )
    )
    for row in due:
        row.reminded_for = row.review_on
        leader: User = row.membership.team.leader
        if leader.email:
            queue_mail(
                session,
                to=leader.email,
                subject=f"Time to review a hat: {HAT_LABELS[row.hat]}",
                body=(
                    f"Hello {leader.display_name},\n\n{row.membership.name}'s hat "
                    f"“{HAT_LABELS[row.hat]}” ({row.scope}) is due for review on "
                    f"{row.review_on:%d %B %Y}. You can keep it as it is, change it, or take it back "
                    "from your team's page on Carecoop.\n"
                ),
                now=now,
            )
    session.flush()
    return len(due)
