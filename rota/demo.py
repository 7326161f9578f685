"""The rota part of the demo co-op: a fortnight of visits for Margaret's and Joyce's teams, the
days gone by arrived, left and logged (one log queried), an open Saturday visit, a swap waiting
for an answer, pay rates and a part-spent personal budget."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from coop.clock import zone
from coop.demo import DemoAccount
from coop.models import User
from rota.models import Pattern, Visit
from rota.services import budget, day_to_day, money, patterns, swaps, visits
from teams.matching import vetting
from teams.models import Team
from teams.services import members
from teams.services.standing import current_membership, standing

LOGS = (
    "Helped with washing and dressing. Breakfast: porridge and tea. Margaret was cheerful.",
    "Breakfast and tablets. We did ten minutes of the hand exercises together.",
    "Toast and marmalade. Put a wash on and hung it out. Margaret wants to book the hairdresser.",
    "Helped with getting dressed; breakfast. Margaret felt tired today and stayed in her chair.",
)


def _team(session: Session, leader: User | None) -> Team | None:
    return session.scalar(select(Team).where(Team.leader_id == leader.id)) if leader else None


def seed(session: Session, now: datetime, made: dict[str, User]) -> list[DemoAccount]:
    margaret_user, joyce_user, facilitator = (
        made.get("margaret"),
        made.get("joyce"),
        made.get("priya"),
    )
    aisha, bill, david = made.get("aisha"), made.get("bill"), made.get("david")
    margaret, joyce = _team(session, margaret_user), _team(session, joyce_user)
    if not (margaret and joyce and aisha and bill and david and facilitator and margaret_user):
        return []
    if session.scalar(select(Pattern.id).where(Pattern.team_id == margaret.id)):
        return []  # loaded already
    today = now.astimezone(zone()).date()
    monday = today - timedelta(days=today.weekday())
    first = monday - timedelta(days=7)
    start = datetime.combine(first, time(8), tzinfo=zone())

    # Margaret lets Bill next door be booked too (he covers when Aisha is away).
    lead = standing(session, margaret_user, margaret, start)
    bill_m = current_membership(session, bill, margaret.id, start)
    if bill_m is None:
        raise RuntimeError("The teams part of the demo makes Bill a member of Margaret's team.")
    members.update_member(session, lead, bill_m.id, bookable=True, now=start)
    money.set_pay_rate(
        session, aisha, margaret.id, aisha.id, hourly_pence=1650, effective_from=first, now=start
    )
    money.set_pay_rate(
        session, aisha, joyce.id, aisha.id, hourly_pence=1650, effective_from=first, now=start
    )
    budget.set_budget(
        session,
        lead,
        amount_pence=140_000,
        period="month",
        source="direct_payment",
        starts_on=first.replace(day=1),
        contribution_pence=12_000,
        now=start,
    )

    # Weekday mornings with Aisha, planned by Bill, who holds the rota. On Mondays, Wednesdays
    # and Fridays they include Margaret's tablets, so they need someone trained to help with
    # medicines, as Aisha is (Bill, who covers the other mornings, is not).
    vetting.record_check(
        session,
        facilitator,
        aisha.id,
        kind="medicines_competence",
        outcome="passed",
        number=f"MED-{aisha.id:04d}",
        checked_on=first - timedelta(days=340),
        expires_on=None,
        now=start,
    )
    rota_holder = standing(session, bill, margaret, start)
    for weekdays, notes, medicines in (
        ([0, 2, 4], "Breakfast, getting dressed and the morning tablets", True),
        ([1, 3], "Breakfast and getting dressed", False),
    ):
        patterns.create_pattern(
            session,
            rota_holder,
            frequency="weekly",
            weekdays=weekdays,
            local_start=time(9, 0),
            minutes=60,
            starts_on=first,
            worker_id=aisha.id,
            notes=notes,
            includes_medicines=medicines,
            now=start,
        )
    # Joyce: Tuesday and Thursday afternoons with Aisha.
    patterns.create_pattern(
        session,
        standing(session, joyce_user, joyce, start),
        frequency="weekly",
        weekdays=[1, 3],
        local_start=time(14, 0),
        minutes=90,
        starts_on=first,
        worker_id=aisha.id,
        notes="Shopping and a walk",
        now=start,
    )

    # Aisha says yes to her visits; those gone by were arrived at, left and logged.
    offered = list(
        session.scalars(
            select(Visit)
            .where(
                Visit.worker_id == aisha.id,
                Visit.status == "offered",
                Visit.starts_at < now + timedelta(days=14),
            )
            .order_by(Visit.starts_at)
        )
    )
    done = 0
    for visit in offered:
        team = margaret if visit.team_id == margaret.id else joyce
        visits.answer_visit(
            session, standing(session, aisha, team, start), visit, yes=True, now=start
        )
        if visit.ends_at > now:
            continue
        s = standing(session, aisha, team, visit.starts_at)
        day_to_day.arrive(session, s, visit, now=visit.starts_at + timedelta(minutes=3))
        day_to_day.leave(session, s, visit, now=visit.ends_at - timedelta(minutes=2))
        if team is margaret:
            day_to_day.write_log(
                session,
                s,
                visit,
                what_was_done=LOGS[done % len(LOGS)],
                flags=["medication_given"] if done % 2 == 0 else [],
                now=visit.ends_at,
            )
            reviewer = standing(session, david, margaret, visit.ends_at + timedelta(hours=3))
            if done == 2:
                day_to_day.query_log(
                    session,
                    reviewer,
                    visit,
                    comment="Did Margaret take her evening tablets "
                    "out of the box? Please let me know.",
                    now=visit.ends_at + timedelta(hours=3),
                )
            else:
                day_to_day.confirm_log(
                    session, reviewer, visit, now=visit.ends_at + timedelta(hours=3)
                )
            done += 1

    # An open Saturday afternoon anyone in Margaret's team may take.
    saturday = datetime.combine(monday + timedelta(days=5), time(14, 0), tzinfo=zone())
    visits.plan_visit(
        session,
        standing(session, bill, margaret, now),
        starts_at=saturday,
        ends_at=saturday + timedelta(hours=2),
        notes="Garden centre trip",
        now=now,
    )
    # Aisha asks Bill to take next Thursday's morning visit; his answer is waiting.
    thursday = datetime.combine(monday + timedelta(days=10), time(9, 0), tzinfo=zone())
    swap_visit = session.scalar(
        select(Visit).where(Visit.team_id == margaret.id, Visit.starts_at == thursday)
    )
    if swap_visit is not None:
        swaps.ask_swap(
            session,
            standing(session, aisha, margaret, now),
            swap_visit,
            to_user_id=bill.id,
            now=now,
        )
    return []
