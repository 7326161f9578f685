"""Visits: planning them, answering them, joining open ones, changing and cancelling them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import EllipsisType

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from coop.errors import Conflict, Forbidden, Invalid, NotFound
from coop.models import User
from coop.services import audit, inbox
from rota import policy
from rota.models import VISIT_KINDS, Visit
from rota.services.bookable import bookable_member, refuse_unless_bookable
from rota.services.booking import check_free, lock_people, write_guarded
from rota.services.money import assert_not_locked
from teams.models import Membership, Team
from teams.policy import Standing
from teams.services.standing import require, scope, standing

MAX_VISIT = timedelta(hours=24)


@dataclass
class Planned:
    """A visit as asked for, and the warnings about it (working time, leave, budget) that the
    planner should see; a warning never blocks unless the co-op has said it should."""

    visit: Visit
    warnings: list[str] = field(default_factory=list)


#: A check run before a visit is saved, giving warnings in plain words.
WarningCheck = Callable[[Session, Visit, User | None, datetime], list[str]]


def warning_checks() -> dict[str, WarningCheck]:
    """The checks run before a visit is saved, by name: the budget, leave and pauses, and
    working time. (Imported here, not at the top: each of them imports this module.)"""
    from rota.services import availability, budget, working_time

    return {
        "budget": budget.overspend_warnings,
        "leave": availability.leave_warnings,
        "pause": availability.pause_warnings,
        "working_time": working_time.working_time_warnings,
    }


class BlockingWarning(str):
    """A warning the co-op has said must stop the save (working time, when the co-op's
    `working_time_blocks` setting is on). Shown like any warning where nothing is saved (cover
    suggestions); refused with Invalid when a visit is saved."""


def collect_warnings(
    session: Session, visit: Visit, worker: User | None, now: datetime, *, saving: bool = False
) -> list[str]:
    """Every registered check's warnings. With `saving`, raises Invalid if any must block."""
    found: list[str] = []
    checks = warning_checks()
    for name in sorted(checks):
        found.extend(checks[name](session, visit, worker, now))
    blocking = [str(w) for w in found if isinstance(w, BlockingWarning)]
    if saving and blocking:
        raise Invalid(
            "The visit was not saved: " + " ".join(blocking), errors={"starts_at": blocking}
        )
    return found


def _validate_times(starts_at: datetime, ends_at: datetime, kind: str) -> None:
    errors: dict[str, list[str]] = {}
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        errors["starts_at"] = ["Please give times with their time zone."]
    elif ends_at <= starts_at:
        errors["ends_at"] = ["The visit must end after it starts."]
    elif ends_at - starts_at > MAX_VISIT:
        errors["ends_at"] = ["A visit can be at most 24 hours long."]
    if kind not in VISIT_KINDS:
        errors["kind"] = ["Please choose a visit, a trial visit or a sleep-in."]
    if errors:
        raise Invalid("The visit was not saved.", errors=errors)


def _tell(session: Session, person: User | None, subject: str, body: str, now: datetime) -> None:
    inbox.notify(session, person, subject=subject, body=body, now=now, link="/rota/my-visits")


def plan_visit(
    session: Session,
    s: Standing,
    *,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime,
    worker_id: int | None = None,
    kind: str = "visit",
    notes: str = "",
    includes_medicines: bool = False,
    confirm_warnings: bool = True,
) -> Planned:
    """The leader, representative or rota holder plans a visit: offered to a bookable member, or
    open for any of them to join. Raises Forbidden, Invalid, or DoubleBooking (409) when the
    person is already in a live visit then, in any team. Audits `visit.planned`."""
    require(
        policy.can_plan_rota(s),
        detail="Only the person who leads the team, their representative or the "
        "rota holder can plan visits.",
    )
    if s.user is None:
        raise Forbidden("Please sign in first.")
    _validate_times(starts_at, ends_at, kind)
    worker = (
        bookable_member(session, s.team, worker_id, now, includes_medicines=includes_medicines)
        if worker_id is not None
        else None
    )
    visit = Visit(
        team_id=s.team.id,
        worker_id=worker.id if worker else None,
        kind=kind,
        status="offered" if worker else "open",
        starts_at=starts_at,
        ends_at=ends_at,
        notes=notes.strip(),
        includes_medicines=includes_medicines,
        sequence=0,
        created_at=now,
        created_by_id=s.user.id,
        updated_at=now,
    )
    warnings = collect_warnings(session, visit, worker, now, saving=True)
    if worker is not None:
        lock_people(session, [worker.id])
        check_free(session, worker, starts_at, ends_at)

    def write() -> None:
        session.add(visit)
        session.flush()

    write_guarded(session, worker, starts_at, ends_at, write)
    audit.record(
        session,
        s.user,
        "visit.planned",
        "visit",
        visit.id,
        now=now,
        scope=scope(s.team),
        changes={"worker_id": visit.worker_id, "kind": kind, "status": visit.status},
    )
    if worker is not None:
        _tell(
            session,
            worker,
            "A visit has been offered to you",
            f"{s.team.leader.display_name}'s team would like you to visit on "
            f"{_span(visit)}. Please sign in to Carecoop to say yes or no.",
            now,
        )
    return Planned(visit, warnings)


def _span(visit: Visit) -> str:
    from coop.clock import describe_span

    return describe_span(visit.starts_at, visit.ends_at)


def find_visit(
    session: Session, user: User | None, visit_id: int, now: datetime
) -> tuple[Visit, Standing]:
    """The visit and the person's standing in its team. Raises NotFound if they may not see it."""
    visit = session.get(Visit, visit_id)
    if visit is None:
        raise NotFound("We could not find that visit.")
    team = session.get_one(Team, visit.team_id)
    # Not `find_team`: someone who has left the team keeps read-only access to their own visits.
    s = standing(session, user, team, now)
    if not policy.can_view_rota(s) and not (user is not None and visit.worker_id == user.id):
        raise NotFound("We could not find that visit.")
    return visit, s


def _conditional(
    session: Session, visit: Visit, from_states: tuple[str, ...], **values: object
) -> None:
    """Change a visit only if it is still in one of `from_states`: two clicks do one thing, and
    the loser is told (409)."""
    values.setdefault("sequence", Visit.sequence + 1)
    done = session.execute(
        update(Visit).where(Visit.id == visit.id, Visit.status.in_(from_states)).values(**values)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(
            "This visit has just changed. Please reload the page to see it as it is now."
        )
    session.refresh(visit)


def answer_visit(session: Session, s: Standing, visit: Visit, *, yes: bool, now: datetime) -> Visit:
    """The person offered a visit accepts or declines it. Audits `visit.accepted` / `visit.declined`."""
    require(
        policy.can_answer_visit(s, visit),
        detail="Only the person the visit was offered to can answer it.",
    )
    if s.user is None:
        raise Forbidden("Please sign in first.")
    if yes:
        refuse_unless_bookable(
            session, s.user, includes_medicines=visit.includes_medicines, now=now, you=True
        )
    _conditional(
        session, visit, ("offered",), status="accepted" if yes else "declined", updated_at=now
    )
    audit.record(
        session,
        s.user,
        "visit.accepted" if yes else "visit.declined",
        "visit",
        visit.id,
        now=now,
        scope=scope(s.team),
    )
    return visit


def join_visit(session: Session, s: Standing, visit: Visit, *, now: datetime) -> Visit:
    """A bookable member takes an open visit: the first to join gets it; the others get 409.
    Raises DoubleBooking when they are busy then. Audits `visit.joined`."""
    if visit.status != "open" and policy.is_bookable(s) and s.team.status == "active":
        # Someone else took it a moment ago (or it was cancelled): the loser of the race
        # is told so, as a 409, not refused as if they had no right to join.
        raise Conflict("This visit is no longer open: someone else may have just taken it.")
    require(
        policy.can_join_visit(s, visit),
        hidden=not policy.can_view_rota(s),
        detail="Only people the team can book can join a visit, and only while it is open.",
    )
    if s.user is None:
        raise Forbidden("Please sign in first.")
    user = s.user
    refuse_unless_bookable(
        session, user, includes_medicines=visit.includes_medicines, now=now, you=True
    )
    lock_people(session, [user.id])
    check_free(session, user, visit.starts_at, visit.ends_at)
    write_guarded(
        session,
        user,
        visit.starts_at,
        visit.ends_at,
        lambda: _conditional(
            session, visit, ("open",), worker_id=user.id, status="accepted", updated_at=now
        ),
        ignore=visit.id,
    )
    audit.record(session, user, "visit.joined", "visit", visit.id, now=now, scope=scope(s.team))
    return visit


def change_visit(
    session: Session,
    s: Standing,
    visit: Visit,
    *,
    now: datetime,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    worker_id: int | EllipsisType | None = ...,
    notes: str | None = None,
    includes_medicines: bool | None = None,
) -> Planned:
    """Change one visit's times, person or notes ("just this visit"). A new person is offered it
    afresh; `worker_id=None` makes it open. Raises Forbidden, Invalid, DoubleBooking, or Conflict
    if it changed meanwhile. Audits `visit.changed` with the fields changed."""
    require(policy.can_change_visit(s, visit), detail="This visit cannot be changed.")
    if s.user is None:
        raise Forbidden("Please sign in first.")
    assert_not_locked(session, visit)
    new_start, new_end = starts_at or visit.starts_at, ends_at or visit.ends_at
    _validate_times(new_start, new_end, visit.kind)
    values: dict[str, object] = {"updated_at": now}
    fields = []
    if (new_start, new_end) != (visit.starts_at, visit.ends_at):
        values.update(starts_at=new_start, ends_at=new_end)
        fields.append("times")
    worker: User | None = visit.worker
    medicines = visit.includes_medicines if includes_medicines is None else includes_medicines
    if not isinstance(worker_id, EllipsisType) and worker_id != visit.worker_id:
        worker = (
            bookable_member(session, s.team, worker_id, now, includes_medicines=medicines)
            if worker_id is not None
            else None
        )
        values.update(
            worker_id=worker.id if worker else None, status="offered" if worker else "open"
        )
        fields.append("worker_id")
    elif worker is not None and medicines and not visit.includes_medicines:
        refuse_unless_bookable(session, worker, includes_medicines=True, now=now)
    if notes is not None and notes.strip() != visit.notes:
        values["notes"] = notes.strip()
        fields.append("notes")
    if includes_medicines is not None and includes_medicines != visit.includes_medicines:
        values["includes_medicines"] = includes_medicines
        fields.append("includes_medicines")
    if not fields:
        return Planned(visit, [])
    probe = Visit(
        id=visit.id,  # so that checks leave the visit's present times out of their sums
        team_id=visit.team_id,
        worker_id=worker.id if worker else None,
        kind=visit.kind,
        starts_at=new_start,
        ends_at=new_end,
        status="offered",
    )
    warnings = collect_warnings(session, probe, worker, now, saving=True)
    if worker is not None:
        lock_people(session, [worker.id])
        check_free(session, worker, new_start, new_end, ignore=visit.id)
    states = (visit.status,)
    write_guarded(
        session,
        worker,
        new_start,
        new_end,
        lambda: _conditional(session, visit, states, **values),
        ignore=visit.id,
    )
    audit.record(
        session,
        s.user,
        "visit.changed",
        "visit",
        visit.id,
        now=now,
        scope=scope(s.team),
        changes={"fields": fields},
    )
    if "worker_id" in fields and worker is not None:
        _tell(
            session,
            worker,
            "A visit has been offered to you",
            f"{s.team.leader.display_name}'s team would like you to visit on {_span(visit)}.",
            now,
        )
    elif worker is not None and "times" in fields:
        _tell(
            session,
            worker,
            "A visit has moved",
            f"Your visit for {s.team.leader.display_name}'s team is now {_span(visit)}.",
            now,
        )
    return Planned(visit, warnings)


def cancel_visit(
    session: Session, s: Standing, visit: Visit, *, now: datetime, reason: str = ""
) -> Visit:
    """Cancel a visit and tell the person booked. Audits `visit.cancelled`."""
    require(policy.can_change_visit(s, visit), detail="This visit cannot be cancelled.")
    if s.user is None:
        raise Forbidden("Please sign in first.")
    assert_not_locked(session, visit)
    _conditional(
        session,
        visit,
        ("offered", "accepted", "open"),
        status="cancelled",
        cancelled_at=now,
        cancelled_by_id=s.user.id,
        updated_at=now,
    )
    audit.record(
        session, s.user, "visit.cancelled", "visit", visit.id, now=now, scope=scope(s.team)
    )
    _tell(
        session,
        visit.worker,
        "A visit has been cancelled",
        f"Your visit for {s.team.leader.display_name}'s team on {_span(visit)} has been cancelled.",
        now,
    )
    return visit


def team_visits(
    session: Session,
    s: Standing,
    start: datetime,
    end: datetime,
    *,
    include_cancelled: bool = False,
) -> list[Visit]:
    """The team's visits starting in [start, end), in time order."""
    require(policy.can_view_rota(s), hidden=True)
    query = select(Visit).where(
        Visit.team_id == s.team.id, Visit.starts_at >= start, Visit.starts_at < end
    )
    if not include_cancelled:
        query = query.where(Visit.status.not_in(("cancelled", "declined")))
    return list(session.scalars(query.order_by(Visit.starts_at, Visit.id)))


def my_visits(session: Session, user: User, start: datetime, end: datetime) -> list[Visit]:
    """A person's visits across all their teams, and the open visits they could join."""
    open_teams = select(Membership.team_id).where(
        Membership.user_id == user.id,
        Membership.status == "active",
        Membership.bookable.is_(True),
        or_(Membership.leaves_at.is_(None), Membership.leaves_at > start),
    )
    return list(
        session.scalars(
            select(Visit)
            .where(
                Visit.starts_at >= start,
                Visit.starts_at < end,
                or_(
                    Visit.worker_id == user.id,
                    (Visit.status == "open") & Visit.team_id.in_(open_teams),
                ),
                Visit.status.not_in(("cancelled",)),
            )
            .order_by(Visit.starts_at, Visit.id)
        )
    )


def cancel_future_visits(
    session: Session,
    team_id: int,
    *,
    worker_id: int | None,
    after: datetime,
    actor: User | None,
    now: datetime,
) -> int:
    """Cancel a team's live and open visits from `after` (of one person, or all). Used when a
    member leaves or a team closes. Audits `visit.cancelled` for each."""
    query = select(Visit).where(
        Visit.team_id == team_id,
        Visit.starts_at >= after,
        Visit.status.in_(("offered", "accepted", "open")),
    )
    if worker_id is not None:
        query = query.where(Visit.worker_id == worker_id)
    visits = list(session.scalars(query))
    return _cancel_each(session, visits, team_id, actor=actor, now=now)


def _cancel_each(
    session: Session, visits: list[Visit], team_id: int, *, actor: User | None, now: datetime
) -> int:
    """Cancel these visits as the system, with an audit entry each; returns how many."""
    for visit in visits:
        visit.status, visit.cancelled_at, visit.updated_at = "cancelled", now, now
        visit.sequence += 1
        audit.record(
            session, actor, "visit.cancelled", "visit", visit.id, now=now, scope=scope(team_id)
        )
    session.flush()
    return len(visits)


def cancel_trial_visit(
    session: Session,
    *,
    team_id: int,
    worker_id: int,
    starts_at: datetime,
    ends_at: datetime,
    actor: User | None,
    now: datetime,
) -> int:
    """Call off the trial visit a team and a worker agreed (the `trial_cancelled` event): that
    visit only, never the worker's other visits in the team. When a planner has moved it, it
    is the worker's trial visit there that is still to come. Audits `visit.cancelled`."""
    trials = list(
        session.scalars(
            select(Visit).where(
                Visit.team_id == team_id,
                Visit.worker_id == worker_id,
                Visit.kind == "trial",
                Visit.starts_at > now,
                Visit.status.in_(("offered", "accepted")),
            )
        )
    )
    exact = [v for v in trials if (v.starts_at, v.ends_at) == (starts_at, ends_at)]
    visits = exact or trials
    return _cancel_each(session, visits, team_id, actor=actor, now=now)


def book_trial_visit(
    session: Session,
    *,
    team_id: int,
    worker_id: int,
    starts_at: datetime,
    ends_at: datetime,
    actor: User | None,
    now: datetime,
) -> Visit:
    """Book the trial visit that a team and a worker agreed (the `trial_agreed` event). The
    worker is not yet in the team, so this is the one booking that does not ask whether they
    are bookable there; it goes through the same guard against double booking, and comes back
    accepted (both sides said yes to it). Raises Invalid or DoubleBooking. Audits
    `visit.trial_booked`."""
    _validate_times(starts_at, ends_at, "trial")
    worker = session.get(User, worker_id)
    team = session.get(Team, team_id)
    if worker is None or team is None:
        raise NotFound("We could not find that team or worker.")
    visit = Visit(
        team_id=team_id,
        worker_id=worker_id,
        kind="trial",
        status="accepted",
        starts_at=starts_at,
        ends_at=ends_at,
        notes="Trial visit",
        sequence=0,
        created_at=now,
        created_by_id=actor.id if actor else team.leader_id,
        updated_at=now,
    )
    lock_people(session, [worker_id])
    check_free(session, worker, starts_at, ends_at)

    def write() -> None:
        session.add(visit)
        session.flush()

    write_guarded(session, worker, starts_at, ends_at, write)
    audit.record(
        session,
        actor,
        "visit.trial_booked",
        "visit",
        visit.id,
        now=now,
        scope=scope(team_id),
        changes={"worker_id": worker_id},
    )
    # Matching tells both sides that the trial is agreed, with its time: one message, not two.
    return visit
