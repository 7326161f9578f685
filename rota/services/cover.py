"""Cover suggestions for an open visit: who in the team could take it.

A suggestion is a bookable member of the team who is still in it on the day, has no leave that
day, is free then (no live visit of theirs in any team overlaps) and, where they have said when
they are usually free, has a window covering the visit in local time. People who have not said
when they are free come after those whose windows cover it; anyone the working-time (or other)
checks warn about comes after those they do not. Within each, fewest booked hours that week
(Monday to Sunday, local time, across all teams) first, then the lower id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from coop.clock import zone
from coop.errors import Conflict
from coop.models import User
from rota import policy
from rota.models import LIVE_STATES, Availability, Leave, Visit
from rota.services.bookable import why_not
from rota.services.booking import find_clash
from rota.services.visits import collect_warnings
from teams.models import Membership
from teams.policy import Standing
from teams.services.standing import require


@dataclass
class Cover:
    """Someone who could take the visit, and why, in plain words."""

    person: User
    membership: Membership
    week_minutes: int
    said_free: bool
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _days(visit: Visit) -> list[date]:
    first = visit.starts_at.astimezone(zone()).date()
    last = (visit.ends_at - timedelta(microseconds=1)).astimezone(zone()).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _window_covers(windows: list[Availability], visit: Visit) -> bool:
    """A weekly window on the visit's local weekday covers its local times (a visit that runs
    past midnight needs a window to the end of the day and one from its start the next)."""
    start, end = visit.starts_at.astimezone(zone()), visit.ends_at.astimezone(zone())
    pieces: list[tuple[int, time, time]] = []
    day = start
    while day.date() < end.date():
        pieces.append((day.weekday(), day.time(), time(23, 59, 59)))
        day = datetime.combine(day.date() + timedelta(days=1), time(0), tzinfo=zone())
    if end.time() > day.time():
        pieces.append((day.weekday(), day.time(), end.time()))
    return all(
        any(w.weekday == wd and w.starts <= a and w.ends >= b for w in windows)
        for wd, a, b in pieces
    )


def _duration(minutes: int) -> str:
    """'45 min', '4 h', '2 h 30 min'."""
    h, m = divmod(minutes, 60)
    return " ".join(p for p in (f"{h} h" if h else "", f"{m} min" if m or not h else "") if p)


def week_minutes(session: Session, user_id: int, moment: datetime) -> int:
    """Minutes of live visits a person has in the local week (Monday to Sunday) of `moment`."""
    local = moment.astimezone(zone())
    monday = datetime.combine(local.date() - timedelta(days=local.weekday()), time(0), zone())
    rows = session.execute(
        select(Visit.starts_at, Visit.ends_at).where(
            Visit.worker_id == user_id,
            Visit.status.in_(LIVE_STATES),
            Visit.starts_at >= monday,
            Visit.starts_at < monday + timedelta(days=7),
        )
    ).all()
    return sum(int((b - a).total_seconds() // 60) for a, b in rows)


def suggest_cover(session: Session, s: Standing, visit: Visit, *, now: datetime) -> list[Cover]:
    """Who could take this open visit, best first. Raises Forbidden unless the person may plan
    the rota, and Conflict if the visit is no longer open. Writes nothing."""
    require(
        policy.can_plan_rota(s),
        hidden=not policy.can_view_rota(s),
        detail="Only the person who leads the team, their representative or the rota holder "
        "can see who could cover a visit.",
    )
    if visit.status != "open":
        raise Conflict("This visit is not open, so it needs no cover.")
    days = _days(visit)
    members = list(
        session.scalars(
            select(Membership).where(
                Membership.team_id == visit.team_id,
                Membership.status == "active",
                Membership.bookable.is_(True),
                Membership.user_id.is_not(None),
                or_(Membership.leaves_at.is_(None), Membership.leaves_at > visit.ends_at),
            )
        )
    )
    ids = [m.user_id for m in members if m.user_id is not None]
    if not ids:
        return []
    on_leave = set(
        session.scalars(
            select(Leave.user_id).where(
                Leave.user_id.in_(ids), Leave.first_day <= days[-1], Leave.last_day >= days[0]
            )
        )
    )
    windows: dict[int, list[Availability]] = {}
    for row in session.scalars(select(Availability).where(Availability.user_id.in_(ids))):
        windows.setdefault(row.user_id, []).append(row)
    found: list[Cover] = []
    for membership in members:
        person = membership.user
        if person is None or not person.is_active or person.id in on_leave:
            continue
        said = person.id in windows
        if said and not _window_covers(windows[person.id], visit):
            continue
        if find_clash(session, person.id, visit.starts_at, visit.ends_at) is not None:
            continue
        if why_not(session, person, includes_medicines=visit.includes_medicines, now=now):
            continue  # e.g. not recorded as trained to help with medicines
        probe = Visit(
            team_id=visit.team_id,
            worker_id=person.id,
            kind=visit.kind,
            status="offered",
            starts_at=visit.starts_at,
            ends_at=visit.ends_at,
        )
        minutes = week_minutes(session, person.id, visit.starts_at)
        hours = _duration(minutes)
        reasons = [
            "free then" + (" and usually available" if said else ""),
            f"{hours} booked that week",
        ]
        if not said:
            reasons.append("has not said when they are usually free")
        found.append(
            Cover(
                person=person,
                membership=membership,
                week_minutes=minutes,
                said_free=said,
                reasons=reasons,
                warnings=collect_warnings(session, probe, person, now),
            )
        )
    found.sort(key=lambda c: (bool(c.warnings), not c.said_free, c.week_minutes, c.person.id))
    return found
