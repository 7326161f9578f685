"""Working time (the Working Time Regulations 1998), checked before a visit is saved.

For an EMPLOYED worker (their membership of the visit's team says `employed`):
- 11 consecutive hours' rest in each 24 hours (12 for a worker under 18);
- 24 hours' rest in each 7 days, or 48 in each 14 (48 in each 7 for a worker under 18);
- a break of at least 20 minutes (a gap between visits counts) when a working day is over
  6 hours (30 minutes after 4.5 hours for a worker under 18);
- at most 48 hours a week averaged over a rolling 17 weeks, unless the worker has opted out in
  writing (`WorkerDetails.opted_out_on`); under 18: at most 8 hours a day and 40 a week, with
  no opt-out.
Sleep-ins count as working time, like every live visit, in every team the person works in.

The planner is warned; with the co-op's setting `working_time_blocks` on, an employed worker's
warnings block the save (`BlockingWarning`, which `collect_warnings(saving=True)` refuses). For an
INDEPENDENT worker the same figures are information only and never block: directing a
self-employed worker's hours puts their self-employed status at risk. Other members (family,
volunteers) are not checked.

"Days" and "weeks" are the co-op's local calendar days and Monday-to-Sunday weeks; rest is
measured between live visits (offered, accepted or done), with half-open times.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from types import EllipsisType

from sqlalchemy import select
from sqlalchemy.orm import Session

from coop.clock import local, zone
from coop.models import User
from coop.registries import SettingSpec
from coop.services import audit
from coop.services import settings as coop_settings
from rota.models import LIVE_STATES, Visit, WorkerDetails
from rota.services.visits import BlockingWarning
from teams.models import Membership

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
WEEK = timedelta(weeks=1)
AVERAGE_WEEKS = 17

Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class Limits:
    """The figures of the rules, for adults or for workers under 18."""

    daily_rest: timedelta
    weekly_rest: timedelta  # in each 7 days
    fortnightly_rest: timedelta | None  # the alternative: in each 14 days
    break_after: timedelta
    break_length: timedelta
    most_a_day: timedelta | None
    most_a_week: timedelta | None  # under 18: each week, no averaging
    average_week: timedelta | None  # adults: averaged over 17 weeks, unless opted out


ADULT = Limits(
    daily_rest=11 * HOUR,
    weekly_rest=24 * HOUR,
    fortnightly_rest=48 * HOUR,
    break_after=6 * HOUR,
    break_length=timedelta(minutes=20),
    most_a_day=None,
    most_a_week=None,
    average_week=48 * HOUR,
)
UNDER_18 = Limits(
    daily_rest=12 * HOUR,
    weekly_rest=48 * HOUR,
    fortnightly_rest=None,
    break_after=timedelta(hours=4, minutes=30),
    break_length=timedelta(minutes=30),
    most_a_day=8 * HOUR,
    most_a_week=40 * HOUR,
    average_week=None,
)


#: The co-op's setting: whether a breach blocks the save or only warns.
SETTINGS = (
    SettingSpec(
        "working_time_blocks",
        "Working time rules block the rota",
        "bool",
        False,
        "When on, a visit that would break the Working Time Regulations for an employed "
        "worker cannot be saved. When off, the rota holder is warned. Independent workers "
        "only ever see the figures as information.",
        group="Rota",
    ),
)


# Facts about the person -------------------------------------------------------------------------


def employment_in(session: Session, user_id: int, team_id: int) -> str | None:
    """`employed` or `independent` from the person's latest membership of the team (left ones
    included, so that past visits keep their terms); None for members who are not workers."""
    return session.scalar(
        select(Membership.employment)
        .where(Membership.team_id == team_id, Membership.user_id == user_id)
        .order_by(Membership.id.desc())
        .limit(1)
    )


def details_of(session: Session, user_id: int) -> WorkerDetails | None:
    return session.scalar(select(WorkerDetails).where(WorkerDetails.user_id == user_id))


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def record_details(
    session: Session,
    actor: User,
    worker: User,
    *,
    now: datetime,
    date_of_birth: date | EllipsisType | None = ...,
    opted_out_on: date | EllipsisType | None = ...,
) -> WorkerDetails:
    """Record a worker's date of birth and/or the date they signed the written opt-out of the
    48-hour average week (None withdraws it). The worker records their own; a facilitator
    may record them for anyone. Raises Forbidden otherwise. Audits `worker_details.changed`
    with the field names only (never the date of birth)."""
    from coop.errors import Forbidden

    if actor.id != worker.id and not actor.has_role("facilitator"):
        raise Forbidden("Only the worker or a facilitator can record this.")
    row = details_of(session, worker.id)
    if row is None:
        row = WorkerDetails(user_id=worker.id, updated_at=now)
        session.add(row)
    fields = []
    if date_of_birth is not ...:
        row.date_of_birth = date_of_birth
        fields.append("date_of_birth")
    if opted_out_on is not ...:
        row.opted_out_on = opted_out_on
        fields.append("opted_out_on")
    row.updated_at = now
    session.flush()
    audit.record(
        session,
        actor,
        "worker_details.changed",
        "user",
        worker.id,
        now=now,
        changes={"fields": fields},
    )
    return row


# Arithmetic over working periods ----------------------------------------------------------------


def merge(intervals: list[Interval]) -> list[Interval]:
    """Sorted, with touching or overlapping periods joined (back-to-back visits are no rest)."""
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def clip(intervals: list[Interval], start: datetime, end: datetime) -> list[Interval]:
    return [(max(a, start), min(b, end)) for a, b in intervals if a < end and b > start]


def rests(intervals: list[Interval], start: datetime, end: datetime) -> list[timedelta]:
    """The rest periods in [start, end): the gaps between (merged) working periods, and before
    the first and after the last."""
    inside = clip(intervals, start, end)
    gaps, at = [], start
    for a, b in inside:
        gaps.append(a - at)
        at = b
    gaps.append(end - at)
    return [g for g in gaps if g > timedelta(0)]


def worked(intervals: list[Interval], start: datetime, end: datetime) -> timedelta:
    return sum((b - a for a, b in clip(intervals, start, end)), timedelta(0))


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone())


def local_day_span(day: date) -> Interval:
    return local_midnight(day), local_midnight(day + DAY)


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def hours(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes % 60 else f"{minutes // 60} h"


# The check --------------------------------------------------------------------------------------


def working_periods(
    session: Session, worker_id: int, start: datetime, end: datetime, *, leave_out: int | None
) -> list[Interval]:
    """The person's live visits in any team overlapping [start, end), less `leave_out`."""
    query = select(Visit.id, Visit.starts_at, Visit.ends_at).where(
        Visit.worker_id == worker_id,
        Visit.status.in_(LIVE_STATES),
        Visit.starts_at < end,
        Visit.ends_at > start,
    )
    return [(a, b) for visit_id, a, b in session.execute(query) if visit_id != leave_out]


def rule_breaches(
    periods: list[Interval], new: Interval, limits: Limits, *, opted_out: bool
) -> list[str]:
    """What the new working period would break, in plain words, given the person's other
    working periods (`periods` holds the new one too). Pure."""
    work = merge(periods)
    new_start, new_end = new
    starts = sorted({a for a, _ in work})
    found: list[str] = []

    def windows(length: timedelta) -> list[datetime]:
        # Every window that starts when a working period starts and holds part of the new one.
        return [s for s in starts if new_start - length < s < new_end]

    # Daily rest: in each 24 hours from the start of work, a rest at least this long.
    for s in windows(DAY):
        if max(rests(work, s, s + DAY), default=timedelta(0)) < limits.daily_rest:
            found.append(
                f"less than {hours(limits.daily_rest)} rest in a row in the 24 hours from "
                f"{local(s):%a %-d %b %H:%M}"
            )
            break

    # Weekly rest: adults 24 h in each 7 days, or else two rests of 24 h (or one of 48 h) in
    # each 14 days; under 18, 48 h in each 7 days. A window holds part of the new period.
    short_week = next(
        (
            s
            for s in windows(WEEK)
            if max(rests(work, s, s + WEEK), default=timedelta(0)) < limits.weekly_rest
        ),
        None,
    )
    if short_week is not None and limits.fortnightly_rest is None:
        found.append(
            f"no rest of {hours(limits.weekly_rest)} in the 7 days from "
            f"{local(short_week):%a %-d %b}"
        )
    elif short_week is not None and limits.fortnightly_rest is not None:
        half = limits.fortnightly_rest / 2
        for s in windows(2 * WEEK):
            long_rests = [r for r in rests(work, s, s + 2 * WEEK) if r >= half]
            if sum(long_rests, timedelta(0)) < limits.fortnightly_rest:
                found.append(
                    f"no rest of {hours(limits.weekly_rest)} in the 7 days from "
                    f"{local(short_week):%a %-d %b}, nor {hours(limits.fortnightly_rest)} in "
                    f"the 14 days from {local(s):%a %-d %b}"
                )
                break

    # Breaks and the most a day, on each local day the new period touches.
    day = local(new_start).date()
    while local_midnight(day) < new_end:
        day_start, day_end = local_day_span(day)
        total = worked(work, day_start, day_end)
        inside = clip(work, day_start, day_end)
        gaps = [b[0] - a[1] for a, b in itertools.pairwise(inside)]
        if total > limits.break_after and max(gaps, default=timedelta(0)) < limits.break_length:
            found.append(
                f"{hours(total)} of work on {day:%a %-d %b} without a break of "
                f"{hours(limits.break_length)}"
            )
        if limits.most_a_day is not None and total > limits.most_a_day:
            found.append(
                f"{hours(total)} of work on {day:%a %-d %b}, more than "
                f"{hours(limits.most_a_day)} a day"
            )
        day += DAY

    first_week = week_start(local(new_start).date())
    if limits.most_a_week is not None:
        begin = local_midnight(first_week)
        total = worked(work, begin, local_midnight(first_week + timedelta(days=7)))
        if total > limits.most_a_week:
            found.append(
                f"{hours(total)} of work in the week from {first_week:%a %-d %b}, more than "
                f"{hours(limits.most_a_week)} a week"
            )

    if limits.average_week is not None and not opted_out:
        # Every run of 17 whole weeks that holds the new period's week.
        weekly = {
            k: worked(
                work,
                local_midnight(first_week + timedelta(weeks=k)),
                local_midnight(first_week + timedelta(weeks=k + 1)),
            )
            for k in range(-(AVERAGE_WEEKS - 1), AVERAGE_WEEKS)
        }
        for first in range(-(AVERAGE_WEEKS - 1), 1):
            total = sum((weekly[k] for k in range(first, first + AVERAGE_WEEKS)), timedelta(0))
            if total > limits.average_week * AVERAGE_WEEKS:
                begins = first_week + timedelta(weeks=first)
                found.append(
                    f"an average of {hours(total / AVERAGE_WEEKS)} a week over the 17 weeks "
                    f"from {begins:%-d %b %Y}, more than 48 h (they have not opted out in "
                    "writing)"
                )
                break
    return found


def working_time_warnings(
    session: Session, visit: Visit, worker: User | None, now: datetime
) -> list[str]:
    """One of `rota.services.visits.warning_checks()`. For an employed
    worker: warnings, or `BlockingWarning`s when `working_time_blocks` is on. For an
    independent worker: information only. Nothing for anyone else. Writes nothing."""
    if worker is None or visit.status not in (*LIVE_STATES, None):
        return []
    employment = employment_in(session, worker.id, visit.team_id)
    if employment not in ("employed", "independent"):
        return []
    details = details_of(session, worker.id)
    day = local(visit.starts_at).date()
    young = bool(details and details.date_of_birth and age_on(details.date_of_birth, day) < 18)
    limits = UNDER_18 if young else ADULT
    new = (visit.starts_at, visit.ends_at)
    reach = timedelta(weeks=AVERAGE_WEEKS + 1)
    periods = working_periods(
        session, worker.id, visit.starts_at - reach, visit.ends_at + reach, leave_out=visit.id
    )
    breaches = rule_breaches(
        [*periods, new],
        new,
        limits,
        opted_out=bool(details and details.opted_out_on and details.opted_out_on <= day),
    )
    name = worker.display_name
    if employment == "independent":
        return [
            f"For information: {name} would have {b}. As a self-employed worker, how they "
            "arrange their hours is for them to decide."
            for b in breaches
        ]
    blocks = bool(coop_settings.get(session, "working_time_blocks"))
    make = BlockingWarning if blocks else str
    under = " (under 18)" if young else ""
    return [make(f"Working time: {name}{under} would have {b}.") for b in breaches]
