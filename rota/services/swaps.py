"""Swaps: the person booked for a visit asks to hand it to another bookable member of the team,
who accepts; then the rota holder (or the leader, or their representative) approves, and the
visit moves to the new person under the same guard as any booking.

States: `asked -> accepted -> approved`; the person asked may say no (`declined`), the planner
may refuse (`declined`), and the person who asked may take it back (`withdrawn`). Every step is a
conditional update, so two clicks do one thing and the loser gets a 409.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from coop.clock import describe_span
from coop.errors import Conflict, Forbidden, Invalid, NotFound
from coop.models import User
from coop.services import audit
from rota import policy
from rota.models import Swap, Visit
from rota.services.bookable import bookable_member
from rota.services.booking import check_free, lock_people, write_guarded
from rota.services.visits import _tell
from teams.models import Team
from teams.policy import Standing
from teams.services.standing import require, scope, standing

PENDING = ("asked", "accepted")


def pending_swap(session: Session, visit: Visit) -> Swap | None:
    """The visit's swap that is still waiting for an answer or an approval, if any."""
    return session.scalar(
        select(Swap).where(Swap.visit_id == visit.id, Swap.status.in_(PENDING)).limit(1)
    )


def team_swaps(session: Session, team: Team) -> list[Swap]:
    """The team's swaps waiting for someone, oldest first."""
    return list(
        session.scalars(
            select(Swap)
            .join(Visit, Visit.id == Swap.visit_id)
            .where(Visit.team_id == team.id, Swap.status.in_(PENDING))
            .order_by(Swap.created_at, Swap.id)
        )
    )


def swaps_for(session: Session, user: User) -> list[Swap]:
    """Swaps waiting for this person's answer."""
    return list(
        session.scalars(
            select(Swap)
            .where(Swap.to_user_id == user.id, Swap.status == "asked")
            .order_by(Swap.created_at, Swap.id)
        )
    )


def _acting_for(s: Standing) -> User | None:
    """A representative acts for the person who leads the team: the audit log says so."""
    return s.team.leader if s.is_representative and not s.is_leader else None


def _advance(session: Session, swap: Swap, from_state: str, **values: object) -> None:
    done = session.execute(
        update(Swap).where(Swap.id == swap.id, Swap.status == from_state).values(**values)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("This swap has just changed. Please reload the page to see it as it is now.")
    session.refresh(swap)


def ask_swap(
    session: Session, s: Standing, visit: Visit, *, to_user_id: int, now: datetime
) -> Swap:
    """The person booked for an offered or accepted visit asks another bookable member to take
    it. Raises NotFound (a visit they may not see), Forbidden, Invalid (not someone the team can
    book, or themselves), Conflict (a swap is already waiting). Audits `swap.asked`."""
    require(
        policy.can_ask_swap(s, visit),
        hidden=not policy.can_view_rota(s),
        detail="Only the person booked for a visit can ask someone to swap it.",
    )
    if s.user is None:
        raise Forbidden("Please sign in first.")
    if to_user_id == s.user.id:
        raise Invalid(
            "The swap was not asked.",
            errors={"to_user_id": ["Please choose someone else in the team."]},
        )
    other = bookable_member(
        session,
        s.team,
        to_user_id,
        now,
        includes_medicines=visit.includes_medicines,
        field="to_user_id",
    )
    if pending_swap(session, visit) is not None:
        raise Conflict("A swap for this visit is already waiting. Please wait for its answer.")
    swap = Swap(
        visit_id=visit.id,
        from_user_id=s.user.id,
        to_user_id=other.id,
        status="asked",
        created_at=now,
    )
    session.add(swap)
    session.flush()
    audit.record(
        session,
        s.user,
        "swap.asked",
        "swap",
        swap.id,
        now=now,
        scope=scope(s.team),
        changes={"visit_id": visit.id, "to_user_id": other.id},
    )
    _tell(
        session,
        other,
        "Could you take a visit?",
        f"{s.user.display_name} asks whether you could take their visit for "
        f"{s.team.leader.display_name}'s team on {describe_span(visit.starts_at, visit.ends_at)}. "
        "Please sign in to Carecoop to say yes or no.",
        now,
    )
    return swap


def find_swap(
    session: Session, user: User | None, swap_id: int, now: datetime
) -> tuple[Swap, Standing]:
    """The swap and the person's standing in its team. Raises NotFound unless they are in it
    (as either side) or may see the team's rota."""
    swap = session.get(Swap, swap_id)
    if swap is None or user is None:
        raise NotFound("We could not find that swap.")
    team = session.get_one(Team, swap.visit.team_id)
    s = standing(session, user, team, now)
    if not (policy.can_view_rota(s) or user.id in (swap.from_user_id, swap.to_user_id)):
        raise NotFound("We could not find that swap.")
    return swap, s


def answer_swap(session: Session, s: Standing, swap: Swap, *, yes: bool, now: datetime) -> Swap:
    """The person asked says yes (they must still be bookable) or no. Raises Forbidden,
    Conflict (already answered). Audits `swap.accepted` / `swap.declined`."""
    require(
        s.user is not None and swap.to_user_id == s.user.id,
        detail="Only the person asked can answer this swap.",
    )
    if s.user is None:
        raise Forbidden("Please sign in first.")
    if yes:
        bookable_member(
            session,
            s.team,
            s.user.id,
            now,
            includes_medicines=swap.visit.includes_medicines,
            you=True,
        )
    _advance(session, swap, "asked", status="accepted" if yes else "declined", answered_at=now)
    audit.record(
        session,
        s.user,
        "swap.accepted" if yes else "swap.declined",
        "swap",
        swap.id,
        now=now,
        scope=scope(s.team),
    )
    _tell(
        session,
        swap.from_user,
        "Your swap has been answered",
        f"{s.user.display_name} "
        + (
            "said yes to taking your visit. It moves to them once the rota holder approves."
            if yes
            else "cannot take your visit, so it stays with you."
        ),
        now,
    )
    return swap


def withdraw_swap(session: Session, s: Standing, swap: Swap, *, now: datetime) -> Swap:
    """The person who asked takes the request back before it is approved. Audits
    `swap.withdrawn`."""
    require(
        s.user is not None and swap.from_user_id == s.user.id,
        detail="Only the person who asked for the swap can take it back.",
    )
    if s.user is None:
        raise Forbidden("Please sign in first.")
    if swap.status not in PENDING:
        raise Conflict("This swap has already been settled.")
    _advance(session, swap, swap.status, status="withdrawn", answered_at=now)
    audit.record(session, s.user, "swap.withdrawn", "swap", swap.id, now=now, scope=scope(s.team))
    return swap


def approve_swap(
    session: Session, s: Standing, swap: Swap, *, yes: bool = True, now: datetime
) -> Swap:
    """The rota holder (or the leader or representative) approves an accepted swap: the visit
    moves to the new person, accepted, under the booking guard (both people locked in id order,
    the new person checked free, a conditional update of the visit). Or refuses it, and the
    visit stays. Raises Forbidden, Conflict (not accepted yet, or the visit changed meanwhile),
    Invalid (the new person can no longer be booked), DoubleBooking (409, times only). Audits
    `swap.approved` (with `visit.changed`) or `swap.refused`."""
    require(
        policy.can_approve_swap(s),
        detail="Only the person who leads the team, their representative or the rota holder "
        "can approve a swap.",
    )
    if s.user is None:
        raise Forbidden("Please sign in first.")
    actor = s.user
    if swap.status != "accepted":
        raise Conflict(
            "This swap is waiting for the other person's answer."
            if swap.status == "asked"
            else "This swap has already been settled."
        )
    visit = swap.visit
    if not yes:
        _advance(session, swap, "accepted", status="declined", approved_by_id=actor.id)
        audit.record(
            session,
            actor,
            "swap.refused",
            "swap",
            swap.id,
            now=now,
            scope=scope(s.team),
            acting_for=_acting_for(s),
        )
        for person in (swap.from_user, swap.to_user):
            _tell(
                session,
                person,
                "A swap was not approved",
                f"The visit on {describe_span(visit.starts_at, visit.ends_at)} stays with "
                f"{swap.from_user.display_name}.",
                now,
            )
        return swap
    new_person = bookable_member(
        session, s.team, swap.to_user_id, now, includes_medicines=visit.includes_medicines
    )
    lock_people(session, [swap.from_user_id, swap.to_user_id])
    check_free(session, new_person, visit.starts_at, visit.ends_at, ignore=visit.id)

    def move() -> None:
        moved = session.execute(
            update(Visit)
            .where(
                Visit.id == visit.id,
                Visit.worker_id == swap.from_user_id,
                Visit.status.in_(("offered", "accepted")),
            )
            .values(
                worker_id=new_person.id,
                status="accepted",
                updated_at=now,
                sequence=Visit.sequence + 1,
            )
        )
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict(
                "This visit has changed since the swap was asked, so it was not moved. "
                "Please reload the page."
            )
        _advance(session, swap, "accepted", status="approved", approved_by_id=actor.id)

    write_guarded(session, new_person, visit.starts_at, visit.ends_at, move, ignore=visit.id)
    session.refresh(visit)
    audit.record(
        session,
        actor,
        "swap.approved",
        "swap",
        swap.id,
        now=now,
        scope=scope(s.team),
        acting_for=_acting_for(s),
        changes={
            "visit_id": visit.id,
            "from_user_id": swap.from_user_id,
            "to_user_id": new_person.id,
        },
    )
    audit.record(
        session,
        actor,
        "visit.changed",
        "visit",
        visit.id,
        now=now,
        scope=scope(s.team),
        acting_for=_acting_for(s),
        changes={"fields": ["worker_id"], "swap_id": swap.id},
    )
    span = describe_span(visit.starts_at, visit.ends_at)
    _tell(session, new_person, "A visit is now yours", f"The visit on {span} is now yours.", now)
    _tell(
        session,
        swap.from_user,
        "Your swap was approved",
        f"{new_person.display_name} now has the visit on {span}.",
        now,
    )
    return swap
