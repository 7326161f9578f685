"""Patterns: visits that repeat weekly or fortnightly on chosen weekdays, at a local time.

Occurrences come from an RFC 5545 rule (python-dateutil) in the co-op's local time, so a 09:00
visit stays at 09:00 across the clock changes. A local time that does not exist (spring
forward) moves on by the gap, and an ambiguous one takes its first occurrence: what `zoneinfo`
gives with fold=0. Visits exist up to the pattern's horizon; the timed job moves it on.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from dateutil.rrule import WEEKLY, rrule
from sqlalchemy import select
from sqlalchemy.orm import Session

from coop.clock import zone
from coop.errors import Forbidden, Invalid
from coop.models import User
from coop.services import audit
from rota import policy
from rota.models import PATTERN_FREQUENCIES, VISIT_KINDS, Pattern, Visit
from rota.services.bookable import bookable_member
from rota.services.booking import find_clash, lock_people
from teams.policy import Standing
from teams.services.standing import current_membership, require, scope

HORIZON = timedelta(weeks=8)


def occurrences(pattern: Pattern, first: date, last: date) -> list[datetime]:
    """The pattern's starts on days in [first, last], as UTC instants."""
    first = max(first, pattern.starts_on)
    if pattern.ends_on is not None:
        last = min(last, pattern.ends_on)
    if first > last:
        return []
    rule = rrule(
        WEEKLY,
        interval=2 if pattern.frequency == "fortnightly" else 1,
        byweekday=sorted(pattern.weekdays),
        dtstart=datetime.combine(pattern.starts_on, pattern.local_start),
        until=datetime.combine(last, pattern.local_start),
    )
    local_zone = zone()
    starts = []
    for naive in rule.between(
        datetime.combine(first, time(0)), datetime.combine(last, time(23, 59, 59)), inc=True
    ):
        # fold=0: a time in the spring gap moves on by the gap; an ambiguous one is the first.
        starts.append(naive.replace(tzinfo=local_zone).astimezone(UTC))
    return starts


def create_pattern(
    session: Session,
    s: Standing,
    *,
    frequency: str,
    weekdays: list[int],
    local_start: time,
    minutes: int,
    starts_on: date,
    now: datetime,
    ends_on: date | None = None,
    worker_id: int | None = None,
    kind: str = "visit",
    notes: str = "",
    includes_medicines: bool = False,
) -> tuple[Pattern, list[str]]:
    """Make a repeating pattern and its visits up to the horizon. Occurrences when the person is
    already booked elsewhere are made open instead, and listed in the returned notes. Raises
    Forbidden or Invalid. Audits `pattern.created`."""
    require(
        policy.can_plan_rota(s),
        detail="Only the person who leads the team, their representative or the "
        "rota holder can plan visits.",
    )
    if s.user is None:
        raise Forbidden("Please sign in first.")
    errors: dict[str, list[str]] = {}
    if frequency not in PATTERN_FREQUENCIES:
        errors["frequency"] = ["Please choose weekly or fortnightly."]
    if not weekdays or any(d not in range(7) for d in weekdays):
        errors["weekdays"] = ["Please choose at least one day of the week."]
    if not 15 <= minutes <= 24 * 60:
        errors["minutes"] = ["Please give a length between 15 minutes and 24 hours."]
    if ends_on is not None and ends_on < starts_on:
        errors["ends_on"] = ["The last day must be on or after the first."]
    if kind not in VISIT_KINDS:
        errors["kind"] = ["Please choose a visit or a sleep-in."]
    if errors:
        raise Invalid("The pattern was not saved.", errors=errors)
    worker = (
        bookable_member(session, s.team, worker_id, now, includes_medicines=includes_medicines)
        if worker_id is not None
        else None
    )
    pattern = Pattern(
        team_id=s.team.id,
        worker_id=worker.id if worker else None,
        kind=kind,
        frequency=frequency,
        weekdays=sorted(set(weekdays)),
        local_start=local_start,
        minutes=minutes,
        starts_on=starts_on,
        ends_on=ends_on,
        horizon=starts_on - timedelta(days=1),
        notes=notes.strip(),
        includes_medicines=includes_medicines,
        created_at=now,
        created_by_id=s.user.id,
    )
    session.add(pattern)
    session.flush()
    left_open = extend_pattern(
        session, pattern, until=max(now.date(), starts_on) + HORIZON, actor=s.user, now=now
    )
    audit.record(
        session,
        s.user,
        "pattern.created",
        "pattern",
        pattern.id,
        now=now,
        scope=scope(s.team),
        changes={"worker_id": pattern.worker_id, "frequency": frequency},
    )
    return pattern, left_open


def extend_pattern(
    session: Session, pattern: Pattern, *, until: date, actor: User | None, now: datetime
) -> list[str]:
    """Make the pattern's visits from its horizon to `until`, skipping occurrences that already
    exist (moved or cancelled ones included). Returns notes on occurrences left open because
    the person was already booked."""
    if until <= pattern.horizon:
        return []
    starts = occurrences(pattern, pattern.horizon + timedelta(days=1), until)
    existing = set(
        session.scalars(select(Visit.occurrence_at).where(Visit.pattern_id == pattern.id))
    )
    worker = session.get(User, pattern.worker_id) if pattern.worker_id else None
    # Someone who has left the team (or may no longer be booked in it) is not booked again by
    # the pattern: from their leaving date its visits are open.
    membership = current_membership(session, worker, pattern.team_id, now) if worker else None
    if membership is None or not membership.bookable:
        worker = None
    if worker is not None:
        lock_people(session, [worker.id])
    left_open = []
    for start in starts:
        if start in existing:
            continue
        end = start + timedelta(minutes=pattern.minutes)
        staying = membership is not None and (
            membership.leaves_at is None or membership.leaves_at > start
        )
        booked = (
            worker
            if worker is not None and staying and find_clash(session, worker.id, start, end) is None
            else None
        )
        if worker is not None and staying and booked is None:
            from coop.clock import describe_span

            left_open.append(
                f"{describe_span(start, end)}: {worker.display_name} is already booked, so it is open."
            )
        session.add(
            Visit(
                team_id=pattern.team_id,
                worker_id=booked.id if booked else None,
                kind=pattern.kind,
                status="offered" if booked else "open",
                starts_at=start,
                ends_at=end,
                notes=pattern.notes,
                includes_medicines=pattern.includes_medicines,
                pattern_id=pattern.id,
                occurrence_at=start,
                sequence=0,
                created_at=now,
                created_by_id=actor.id if actor else pattern.created_by_id,
                updated_at=now,
            )
        )
        session.flush()
    pattern.horizon = until
    session.flush()
    return left_open


def extend_horizons(session: Session, now: datetime) -> int:
    """Timed job: keep every pattern's visits made eight weeks ahead. Idempotent."""
    until = now.date() + HORIZON
    patterns = list(
        session.scalars(
            select(Pattern).where(
                Pattern.horizon < until,
                (Pattern.ends_on.is_(None)) | (Pattern.ends_on > Pattern.horizon),
            )
        )
    )
    for pattern in patterns:
        extend_pattern(session, pattern, until=until, actor=None, now=now)
    return len(patterns)


def end_pattern_from(session: Session, s: Standing, visit: Visit, *, now: datetime) -> Pattern:
    """ "This and the ones after": end the visit's pattern the day before it and cancel its
    visits from this one on, so that a new pattern can take over. Audits `pattern.ended`."""
    require(policy.can_change_visit(s, visit), detail="This visit cannot be changed.")
    if s.user is None:
        raise Forbidden("Please sign in first.")
    if visit.pattern_id is None:
        raise Invalid("This visit is not part of a repeating pattern.")
    pattern = session.get_one(Pattern, visit.pattern_id)
    from_day = (visit.occurrence_at or visit.starts_at).astimezone(zone()).date()
    pattern.ends_on = from_day - timedelta(days=1)
    later = list(
        session.scalars(
            select(Visit).where(
                Visit.pattern_id == pattern.id,
                Visit.occurrence_at >= (visit.occurrence_at or visit.starts_at),
                Visit.status.in_(("offered", "accepted", "open")),
            )
        )
    )
    for each in later:
        each.status, each.cancelled_at, each.cancelled_by_id, each.updated_at = (
            "cancelled",
            now,
            s.user.id,
            now,
        )
        each.sequence += 1
    session.flush()
    audit.record(
        session,
        s.user,
        "pattern.ended",
        "pattern",
        pattern.id,
        now=now,
        scope=scope(s.team),
        changes={"cancelled_visits": len(later)},
    )
    return pattern
