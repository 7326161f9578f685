"""Availability and leave, and a hospital stay that pauses a team's visits.

A person keeps their own weekly windows (when they can usually be booked, in local time) and
their leave (whole local days). The team's planners see their bookable members' windows and
leave, and nobody else's. Offering a visit to someone on leave that day warns, never blocks
(`leave_warnings`, one of `visits.warning_checks()`). A hospital stay (or other pause)
cancels the team's visits on its days without charge (`budget.pause_visits`), and tells the
people who were booked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import pairwise

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from coop.clock import describe_span, local, zone
from coop.errors import Forbidden, Invalid, NotFound
from coop.models import User
from coop.services import audit
from coop.services.mail import queue_mail
from rota import policy
from rota.models import Availability, Leave, Pause, Visit
from rota.services import budget
from rota.services.money import SHORT_NOTICE, acting_for, local_midnight
from teams.models import Membership
from teams.policy import Standing
from teams.services.standing import require, scope

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
PAUSE_REASONS = ("hospital", "other")
MAX_WINDOWS = 50
CANCELLABLE = ("offered", "accepted", "open")


def _day_words(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


# Weekly availability ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """One weekly window as asked for: weekday (0 is Monday), local start and end."""

    weekday: int
    starts: time
    ends: time


def my_availability(session: Session, user: User) -> list[Availability]:
    """A person's weekly windows, Monday first, earliest first."""
    return list(
        session.scalars(
            select(Availability)
            .where(Availability.user_id == user.id)
            .order_by(Availability.weekday, Availability.starts, Availability.id)
        )
    )


def set_availability(
    session: Session, user: User, windows: list[Window], *, now: datetime
) -> list[Availability]:
    """Replace the whole of a person's weekly availability with `windows` (an empty list says
    nothing about when they are free). Raises Invalid for a weekday outside 0-6, a window that
    does not end after it starts, or two windows that overlap on one day; nothing is changed
    then. Audits `availability.set` with the number of windows."""
    errors: dict[str, list[str]] = {}
    if len(windows) > MAX_WINDOWS:
        errors["windows"] = [f"Please give at most {MAX_WINDOWS} windows."]
    by_day: dict[int, list[Window]] = {}
    for w in windows:
        if not 0 <= w.weekday <= 6:
            errors.setdefault("weekday", []).append("Please choose a day from Monday to Sunday.")
            continue
        if w.ends <= w.starts:
            errors.setdefault(f"day_{w.weekday}", []).append(
                f"{WEEKDAYS[w.weekday]}: the time you are free until must be after the time "
                "you are free from."
            )
            continue
        by_day.setdefault(w.weekday, []).append(w)
    for weekday, day_windows in sorted(by_day.items()):
        day_windows.sort(key=lambda w: (w.starts, w.ends))
        for before, after in pairwise(day_windows):
            if after.starts < before.ends:
                errors.setdefault(f"day_{weekday}", []).append(
                    f"{WEEKDAYS[weekday]}: {before.starts:%H:%M} to {before.ends:%H:%M} and "
                    f"{after.starts:%H:%M} to {after.ends:%H:%M} overlap. Please join them "
                    "into one window."
                )
    if errors:
        raise Invalid("Your availability was not saved.", errors=errors)
    session.execute(delete(Availability).where(Availability.user_id == user.id))
    rows = [
        Availability(user_id=user.id, weekday=w.weekday, starts=w.starts, ends=w.ends)
        for w in sorted(windows, key=lambda w: (w.weekday, w.starts))
    ]
    session.add_all(rows)
    session.flush()
    audit.record(
        session,
        user,
        "availability.set",
        "user",
        user.id,
        now=now,
        changes={"windows": len(rows)},
    )
    return rows


# Leave -----------------------------------------------------------------------------------------


def my_leave(session: Session, user: User, *, now: datetime, past: bool = False) -> list[Leave]:
    """A person's leave, earliest first: leave not yet over, or all of it with `past`."""
    query = select(Leave).where(Leave.user_id == user.id)
    if not past:
        query = query.where(Leave.last_day >= local(now).date())
    return list(session.scalars(query.order_by(Leave.first_day, Leave.id)))


def add_leave(
    session: Session, user: User, *, first_day: date, last_day: date, now: datetime
) -> Leave:
    """A person adds leave from `first_day` to `last_day` (local days, both included). Raises
    Invalid when the last day is before the first, or the leave is all in the past. Audits
    `leave.added`."""
    if last_day < first_day:
        raise Invalid(
            "The leave was not saved.",
            errors={"last_day": ["The last day must be on or after the first day."]},
        )
    if last_day < local(now).date():
        raise Invalid(
            "The leave was not saved.",
            errors={"last_day": ["That leave is all in the past. Please give days to come."]},
        )
    leave = Leave(user_id=user.id, first_day=first_day, last_day=last_day)
    session.add(leave)
    session.flush()
    audit.record(
        session,
        user,
        "leave.added",
        "leave",
        leave.id,
        now=now,
        changes={"days": (last_day - first_day).days + 1},
    )
    return leave


def find_my_leave(session: Session, user: User, leave_id: int) -> Leave:
    """One of the person's own leave. Raises NotFound for anyone else's."""
    leave = session.get(Leave, leave_id)
    if leave is None or leave.user_id != user.id:
        raise NotFound("We could not find that leave.")
    return leave


def remove_leave(session: Session, user: User, leave_id: int, *, now: datetime) -> None:
    """A person removes leave of theirs that has not started yet. Raises NotFound for anyone
    else's leave, Invalid for leave that has started (it is part of the record). Audits
    `leave.removed`."""
    leave = find_my_leave(session, user, leave_id)
    if leave.first_day <= local(now).date():
        raise Invalid(
            "Leave that has already started cannot be removed.",
            errors={"leave": ["Leave that has already started cannot be removed."]},
        )
    session.delete(leave)
    session.flush()
    audit.record(session, user, "leave.removed", "leave", leave_id, now=now)


def _local_days(starts_at: datetime, ends_at: datetime) -> list[date]:
    first = starts_at.astimezone(zone()).date()
    last = (ends_at - timedelta(microseconds=1)).astimezone(zone()).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def leave_warnings(session: Session, visit: Visit, worker: User | None, now: datetime) -> list[str]:
    """One of `visits.warning_checks()`: "<name> is on leave on <day>" for
    each local day of the visit that falls in the person's leave. Never blocks; writes
    nothing."""
    if worker is None:
        return []
    days = _local_days(visit.starts_at, visit.ends_at)
    leave = list(
        session.scalars(
            select(Leave).where(
                Leave.user_id == worker.id,
                Leave.first_day <= days[-1],
                Leave.last_day >= days[0],
            )
        )
    )
    return [
        f"{worker.display_name} is on leave on {_day_words(day)}."
        for day in days
        if any(lv.first_day <= day <= lv.last_day for lv in leave)
    ]


def pause_warnings(session: Session, visit: Visit, worker: User | None, now: datetime) -> list[str]:
    """One of `visits.warning_checks()`: a visit planned on a day the team's
    visits are paused (a hospital stay). Never blocks; writes nothing."""
    days = _local_days(visit.starts_at, visit.ends_at)
    pauses = list(
        session.scalars(
            select(Pause).where(
                Pause.team_id == visit.team_id,
                Pause.first_day <= days[-1],
                Pause.last_day >= days[0],
            )
        )
    )
    return [
        f"The team's visits are paused on {_day_words(day)}"
        + (" (a hospital stay)." if any(p.reason == "hospital" for p in paused) else ".")
        for day in days
        if (paused := [p for p in pauses if p.first_day <= day <= p.last_day])
    ]


# What the team's planners see ------------------------------------------------------------------


@dataclass
class MemberAvailability:
    """A bookable member's weekly windows and leave to come, as the team's planners see them."""

    membership: Membership
    person: User
    windows: list[Availability] = field(default_factory=list)
    leave: list[Leave] = field(default_factory=list)


def team_availability(session: Session, s: Standing, *, now: datetime) -> list[MemberAvailability]:
    """The team's bookable members (still in the team) with their windows and leave not yet
    over, for the leader, representative and rota holder. Raises NotFound for anyone who cannot
    see the rota, Forbidden for members who do not plan it. Writes nothing."""
    require(
        policy.can_plan_rota(s),
        hidden=not policy.can_view_rota(s),
        detail="Only the person who leads the team, their representative or the rota holder "
        "can see when the team's members are available.",
    )
    members = list(
        session.scalars(
            select(Membership)
            .where(
                Membership.team_id == s.team.id,
                Membership.status == "active",
                Membership.bookable.is_(True),
                Membership.user_id.is_not(None),
                or_(Membership.leaves_at.is_(None), Membership.leaves_at > now),
            )
            .order_by(Membership.id)
        )
    )
    found = {
        m.user_id: MemberAvailability(m, m.user)
        for m in members
        if m.user_id is not None and m.user is not None
    }
    if not found:
        return []
    ids = list(found)
    for row in session.scalars(
        select(Availability)
        .where(Availability.user_id.in_(ids))
        .order_by(Availability.weekday, Availability.starts)
    ):
        found[row.user_id].windows.append(row)
    for leave in session.scalars(
        select(Leave)
        .where(Leave.user_id.in_(ids), Leave.last_day >= local(now).date())
        .order_by(Leave.first_day)
    ):
        found[leave.user_id].leave.append(leave)
    return list(found.values())


# A hospital stay -------------------------------------------------------------------------------


def _validate_pause(first_day: date, last_day: date, reason: str, now: datetime) -> None:
    errors: dict[str, list[str]] = {}
    if reason not in PAUSE_REASONS:
        errors["reason"] = ["Please say whether it is a hospital stay or something else."]
    if first_day < local(now).date():
        errors["first_day"] = ["The first day cannot be in the past."]
    if last_day < first_day:
        errors["last_day"] = ["The last day must be on or after the first day."]
    if errors:
        raise Invalid("The visits were not paused.", errors=errors)


def preview_pause(
    session: Session, s: Standing, *, first_day: date, last_day: date, reason: str, now: datetime
) -> list[Visit]:
    """The team's visits that a pause from `first_day` to `last_day` would cancel (offered,
    accepted or open, starting on those local days), in time order, for the confirm page.
    Raises NotFound (cannot see the rota), Forbidden (does not plan it), or Invalid (a day in
    the past, the last before the first, an unknown reason, or a visit in those days someone
    has already arrived for). Writes nothing."""
    require(
        policy.can_pause_visits(s),
        hidden=not policy.can_view_rota(s),
        detail="Only the person who leads the team, their representative or the rota holder "
        "can pause visits.",
    )
    _validate_pause(first_day, last_day, reason, now)
    doomed = list(
        session.scalars(
            select(Visit)
            .where(
                Visit.team_id == s.team.id,
                Visit.starts_at >= local_midnight(first_day),
                Visit.starts_at < local_midnight(last_day + timedelta(days=1)),
                Visit.status.in_(CANCELLABLE),
            )
            .order_by(Visit.starts_at, Visit.id)
        )
    )
    started = [v for v in doomed if v.arrived_at is not None]
    if started:
        when = local(started[0].starts_at)
        raise Invalid(
            "The visits were not paused.",
            errors={
                "first_day": [
                    f"Someone has already arrived for the visit at {when:%H:%M} on "
                    f"{_day_words(when.date())}. Please start the pause the day after."
                ]
            },
        )
    return doomed


def pause_team(
    session: Session,
    s: Standing,
    *,
    first_day: date,
    last_day: date,
    reason: str,
    now: datetime,
) -> tuple[Pause, int]:
    """The team's planners record a hospital stay (`reason` "hospital") or other pause: its
    visits on those local days are cancelled without charge (`budget.pause_visits`) and each
    person who was booked is told. Raises as `preview_pause`. Audits `visits.paused` and
    `visit.cancelled` for each visit (in `pause_visits`)."""
    doomed = preview_pause(
        session, s, first_day=first_day, last_day=last_day, reason=reason, now=now
    )
    booked = [(v.id, v.worker) for v in doomed if v.worker is not None]
    pause, count = budget.pause_visits(
        session, s, first_day=first_day, last_day=last_day, now=now, reason=reason
    )
    leader = s.team.leader.display_name
    for visit_id, person in booked:
        visit = session.get(Visit, visit_id)
        if visit is None or visit.status != "cancelled" or not person.email:
            continue
        queue_mail(
            session,
            to=person.email,
            subject="A visit has been cancelled",
            body=f"Hello {person.display_name},\n\nYour visit for {leader}'s team on "
            f"{describe_span(visit.starts_at, visit.ends_at)} has been cancelled: the team's "
            "visits are paused for a while. Nobody will be charged for it.\n",
            now=now,
        )
    return pause, count


def team_pauses(session: Session, s: Standing, *, now: datetime) -> list[Pause]:
    """The team's pauses that are not over yet, earliest first (for the planners)."""
    require(policy.can_pause_visits(s), hidden=not policy.can_view_rota(s))
    return list(
        session.scalars(
            select(Pause)
            .where(Pause.team_id == s.team.id, Pause.last_day >= local(now).date())
            .order_by(Pause.first_day, Pause.id)
        )
    )


def find_pause(session: Session, s: Standing, pause_id: int) -> Pause:
    pause = session.get(Pause, pause_id)
    if pause is None or pause.team_id != s.team.id:
        raise NotFound("We could not find that pause.")
    return pause


def end_pause_early(
    session: Session, s: Standing, pause: Pause, *, last_day: date, now: datetime
) -> Pause:
    """The team's planners end a pause early: it now runs to `last_day`. Visits it cancelled
    stay cancelled (plan new ones on the rota). Raises Forbidden or NotFound like `pause_team`;
    Invalid when `last_day` is not before the present last day, is before the first day or
    yesterday, or would leave out a day whose visit the pause cancelled at short notice (that
    visit would then be charged). Audits `pause.ended_early`."""
    require(
        policy.can_pause_visits(s),
        hidden=not policy.can_view_rota(s),
        detail="Only the person who leads the team, their representative or the rota holder "
        "can end a pause.",
    )
    if s.user is None:
        raise Forbidden("Please sign in first.")
    if pause.team_id != s.team.id:
        raise NotFound("We could not find that pause.")
    errors: list[str] = []
    if last_day >= pause.last_day:
        errors.append(f"The pause already ends on {_day_words(pause.last_day)}.")
    elif last_day < pause.first_day:
        errors.append("To end the pause early, give a day on or after its first day.")
    elif last_day < local(now).date() - timedelta(days=1):
        errors.append("The pause's past days cannot be changed. Please give yesterday or later.")
    else:
        short_notice = session.scalars(
            select(Visit).where(
                Visit.team_id == pause.team_id,
                Visit.status == "cancelled",
                Visit.cancelled_at == pause.created_at,
                Visit.starts_at >= local_midnight(last_day + timedelta(days=1)),
                Visit.starts_at < local_midnight(pause.last_day + timedelta(days=1)),
            )
        )
        latest = max(
            (
                local(v.starts_at).date()
                for v in short_notice
                if v.cancelled_at is not None and v.cancelled_at > v.starts_at - SHORT_NOTICE
            ),
            default=None,
        )
        if latest is not None:
            errors.append(
                f"The pause cancelled a visit on {_day_words(latest)} at short notice. Please "
                "end it on that day or later, so that nobody is charged for that visit."
            )
    if errors:
        raise Invalid("The pause was not changed.", errors={"last_day": errors})
    pause.last_day = last_day
    session.flush()
    audit.record(
        session,
        s.user,
        "pause.ended_early",
        "pause",
        pause.id,
        now=now,
        scope=scope(s.team),
        acting_for=acting_for(s),
        changes={"fields": ["last_day"]},
    )
    return pause
