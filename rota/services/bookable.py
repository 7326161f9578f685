"""May this person be booked for this visit now, and if not, why: one answer for everything in
the rota that puts someone into a visit (planning, changing, answering and joining visits,
swaps, repeating visits, cover suggestions), pages and API alike.

A person may be booked in a team when they are a current member the leader made bookable; not
while a check of theirs has lapsed or failed (DOMAIN.md, "Matching": a check that lapses or
fails makes the worker unbookable at once, in every team), said to the team without saying
which check or how; and, for a visit that includes medicines, only when a facilitator has
recorded a current, passed medicines-competence check for them ("Safe care"). Refusals are `Invalid` (422), in plain words that
say what would make the booking possible.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from coop.clock import describe_span
from coop.errors import Invalid
from coop.models import User
from coop.services import inbox
from rota.models import Visit
from teams.matching import vetting
from teams.matching.models import Check
from teams.models import Team
from teams.services.standing import current_membership

MEDICINES_CHECK = "medicines_competence"
#: The checks whose lapse or failure stops all booking (training only limits what is offered).
GATE_CHECKS = ("identity", "right_to_work", "dbs", "reference", "insurance")


def has_lapsed_check(session: Session, person: User, now: datetime) -> bool:
    """Whether a check the co-op recorded for the person, of a kind that gates booking, has no
    passed record still in date, or its latest record failed. (Someone with no record of a kind
    is not caught here.)"""
    on = vetting.today(now)
    records: dict[str, list[Check]] = {}
    for check in session.scalars(
        select(Check)
        .where(Check.worker_id == person.id, Check.kind.in_(GATE_CHECKS))
        .order_by(Check.checked_on, Check.id)
    ):
        records.setdefault(check.kind, []).append(check)
    for kind_records in records.values():
        if kind_records[-1].outcome == "failed":
            return True
        if not any(
            c.outcome == "passed" and (c.expires_on is None or c.expires_on >= on)
            for c in kind_records
        ):
            return True
    return False


def is_medicines_competent(session: Session, person: User, now: datetime) -> bool:
    valid = vetting.valid_by_worker(session, [person.id], vetting.today(now))[person.id]
    return valid.get(MEDICINES_CHECK, 0) > 0


def why_not(
    session: Session, person: User, *, includes_medicines: bool, now: datetime, you: bool = False
) -> str | None:
    """Why `person`, already a bookable member, may not be booked for such a visit now; None if
    they may. `you` words it for the person themselves."""
    if has_lapsed_check(session, person, now):
        if you:
            return (
                "You cannot be booked at the moment: one of your checks needs renewing. Your "
                "facilitator can help you renew it."
            )
        return (
            f"{person.display_name} cannot be booked at the moment: one of their checks needs "
            "renewing, and a facilitator is looking after it."
        )
    if includes_medicines and not is_medicines_competent(session, person, now):
        if you:
            return (
                "This visit includes medicines, and you are not recorded as trained to help "
                "with medicines. A facilitator can record your medicines training with your checks."
            )
        return (
            f"This visit includes medicines, and {person.display_name} is not recorded as trained "
            "to help with medicines. A facilitator can record that training with their checks."
        )
    return None


def refuse_unless_bookable(
    session: Session,
    person: User,
    *,
    includes_medicines: bool,
    now: datetime,
    you: bool = False,
    field: str = "worker_id",
) -> None:
    """Raise Invalid (422) with `why_not`'s words, on `field`, when the person may not be booked."""
    reason = why_not(session, person, includes_medicines=includes_medicines, now=now, you=you)
    if reason is not None:
        raise Invalid(reason, errors={field: [reason]})


def bookable_member(
    session: Session,
    team: Team,
    user_id: int,
    now: datetime,
    *,
    includes_medicines: bool,
    field: str = "worker_id",
    you: bool = False,
) -> User:
    """The team's bookable member `user_id`, if they may be booked for such a visit now; else
    Invalid (422) saying why."""
    person = session.get(User, user_id)
    membership = current_membership(session, person, team.id, now) if person else None
    if person is None or membership is None or not membership.bookable:
        raise Invalid(
            "That person cannot be booked in this team.",
            errors={field: ["Please choose someone the team can book."]},
        )
    refuse_unless_bookable(
        session, person, includes_medicines=includes_medicines, now=now, you=you, field=field
    )
    return person


def tell_teams_of_lapse(session: Session, worker_id: int, now: datetime) -> int:
    """A check of the worker's lapsed (sent once per expiry, by the timed job): tell the leader
    of each team where they have visits ahead, and the facilitator on call, which visits these
    are. The visits are kept: a person decides what happens to them. Returns how many teams."""
    from rota.services.day_to_day import on_call_people

    worker = session.get(User, worker_id)
    if worker is None:
        return 0
    ahead = list(
        session.scalars(
            select(Visit)
            .where(
                Visit.worker_id == worker_id,
                Visit.status.in_(("offered", "accepted")),
                Visit.starts_at >= now,
            )
            .order_by(Visit.starts_at)
        )
    )
    by_team: dict[int, list[Visit]] = {}
    for visit in ahead:
        by_team.setdefault(visit.team_id, []).append(visit)
    lines = []
    for team_id, found in by_team.items():
        team = session.get_one(Team, team_id)
        first = found[0]
        when = describe_span(first.starts_at, first.ends_at)
        count = f"{len(found)} visit{'s' if len(found) != 1 else ''}"
        inbox.notify(
            session,
            team.leader,
            subject=f"{worker.display_name} cannot be booked at the moment",
            now=now,
            link=f"/rota/teams/{team.id}",
            body=f"{worker.display_name} cannot be booked at the moment: one of their checks "
            f"needs renewing, and a facilitator is looking after it. Their {count} in your "
            f"rota from {when} are still there: please find someone else for them, or wait "
            "until the facilitator says they can work again.",
        )
        lines.append(f"{team.name}: {count}, the first {when}")
    if lines:
        inbox.notify(
            session,
            on_call_people(session),
            subject=f"{worker.display_name}'s visits ahead, after a check lapsed",
            now=now,
            link=f"/matching/workers/{worker.id}",
            body=f"{worker.display_name} cannot be booked until their check is renewed. "
            "These visits are still booked and their teams have been told:\n"
            + "\n".join(f"- {line}" for line in lines),
        )
    return len(lines)
