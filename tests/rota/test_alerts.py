"""The timed job's arrival alerts: no arrival some minutes after an accepted visit's start tells
the team's contacts, then the facilitator on call; someone who arrived and has not left some
minutes after the end (lone working) tells the facilitator on call. Each alert goes once,
however often `tick` runs (the registered jobs, and `flask tick` itself)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from coop import extension
from coop.models import OutboxMessage
from coop.services import settings
from rota.models import Visit
from rota.services import day_to_day as work
from rota.services import visits
from teams.services import members
from teams.services.standing import standing
from tests import factories
from tests.conftest import NOW, audited, mails_to
from tests.rota.test_visits import MORNING, RotaWorld, build, plan


@pytest.fixture
def world(session: Session) -> RotaWorld:
    world = build(session)
    # The leader names the neighbour as the team's contact.
    lead = standing(session, world.people["leader"], world.team, NOW)
    members.update_member(
        session, lead, world.memberships["not_bookable"].id, is_contact=True, now=NOW
    )
    return world


@pytest.fixture
def on_call(session: Session):
    person = factories.user(session, roles=["facilitator"], username="alerts-on-call")
    settings.update_settings(session, person, {"on_call_facilitator": str(person.id)}, now=NOW)
    return person


def accepted(session: Session, world: RotaWorld, start: datetime = MORNING) -> Visit:
    visit = plan(session, world, start=start)
    visits.answer_visit(session, world.s(session, "booked_worker"), visit, yes=True, now=NOW)
    return visit


def tick(session: Session, moment: datetime) -> None:
    """Every registered timed job, as `flask tick` runs them."""
    for job in extension.current().registry.sorted_tick_jobs():
        job.run(extension.current(), session, moment)
    session.expire_all()


def told(session: Session, person, subject_part: str) -> list[OutboxMessage]:
    return [m for m in mails_to(session, person.email or "") if subject_part in m.subject]


def test_a_missing_arrival_alerts_the_named_contact_once_then_the_facilitator_on_call_once(
    session, world, on_call
):
    visit = accepted(session, world)
    contact, leader = world.people["not_bookable"], world.people["leader"]
    tick(session, MORNING + timedelta(minutes=14))
    assert told(session, contact, "has not arrived") == []
    for minutes in (15, 16, 20, 29):
        tick(session, MORNING + timedelta(minutes=minutes))
    alerts = told(session, contact, "has not arrived")
    assert len(alerts) == 1 and "Booked Worker" in alerts[0].subject
    assert told(session, leader, "has not arrived") == []  # the contact is told, not everyone
    assert told(session, on_call, "Nobody has arrived") == []
    assert audited(
        session, "visit.late_alerted", actor=None, object_type="visit", object_id=visit.id
    ).changes == {"told": [contact.id]}
    for minutes in (30, 31, 45):
        tick(session, MORNING + timedelta(minutes=minutes))
    assert len(told(session, on_call, "Nobody has arrived")) == 1
    assert len(told(session, contact, "has not arrived")) == 1
    audited(session, "visit.late_escalated", actor=None, object_type="visit", object_id=visit.id)


def test_flask_tick_run_twice_alerts_once(session, world, on_call, app, clock):
    # `flask tick` reads the app's clock: this visit started 20 minutes before it.
    real_now = clock.set(MORNING + timedelta(minutes=20))
    visit = accepted(session, world, start=MORNING)
    session.commit()
    runner = app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["tick"])
        assert result.exit_code == 0, result.output
    session.expire_all()
    assert len(told(session, world.people["not_bookable"], "has not arrived")) == 1
    assert session.get_one(Visit, visit.id).late_alerted_at is not None
    # Escalation is 15 minutes later; the registered jobs run then, twice.
    tick(session, real_now + timedelta(minutes=11))
    tick(session, real_now + timedelta(minutes=12))
    assert len(told(session, on_call, "Nobody has arrived")) == 1
    assert runner.invoke(args=["tick"]).exit_code == 0
    assert len(told(session, on_call, "Nobody has arrived")) == 1


def test_an_arrival_in_time_alerts_nobody(session, world, on_call):
    visit = accepted(session, world)
    work.arrive(
        session, world.s(session, "booked_worker"), visit, now=MORNING + timedelta(minutes=14)
    )
    work.leave(
        session, world.s(session, "booked_worker"), visit, now=MORNING + timedelta(minutes=60)
    )
    for minutes in (15, 30, 120):
        tick(session, MORNING + timedelta(minutes=minutes))
    assert told(session, world.people["not_bookable"], "has not arrived") == []
    assert mails_to(session, on_call.email or "") == []


def test_a_late_arrival_stops_the_escalation(session, world, on_call):
    visit = accepted(session, world)
    tick(session, MORNING + timedelta(minutes=16))
    work.arrive(
        session, world.s(session, "booked_worker"), visit, now=MORNING + timedelta(minutes=20)
    )
    tick(session, MORNING + timedelta(minutes=31))
    assert len(told(session, world.people["not_bookable"], "has not arrived")) == 1
    assert told(session, on_call, "Nobody has arrived") == []


def test_overdue_leaving_alerts_the_facilitator_on_call_once(session, world, on_call):
    visit = accepted(session, world)
    work.arrive(session, world.s(session, "booked_worker"), visit, now=MORNING)
    end = visit.ends_at
    tick(session, end + timedelta(minutes=29))
    assert told(session, on_call, "Not left yet") == []
    for minutes in (30, 31, 60, 90):
        tick(session, end + timedelta(minutes=minutes))
    alerts = told(session, on_call, "Not left yet")
    assert len(alerts) == 1 and "Booked Worker" in alerts[0].subject
    assert told(session, world.people["not_bookable"], "Not left yet") == []
    audited(session, "visit.overdue_alerted", actor=None, object_type="visit", object_id=visit.id)


def test_leaving_in_time_is_not_overdue(session, world, on_call):
    visit = accepted(session, world)
    work.arrive(session, world.s(session, "booked_worker"), visit, now=MORNING)
    work.leave(
        session, world.s(session, "booked_worker"), visit, now=visit.ends_at + timedelta(minutes=25)
    )
    tick(session, visit.ends_at + timedelta(minutes=45))
    assert mails_to(session, on_call.email or "") == []


def test_only_accepted_visits_alert_never_open_offered_or_cancelled_ones(session, world, on_call):
    plan(session, world, worker=None)  # open
    plan(session, world, start=MORNING + timedelta(hours=2))  # offered, not yet accepted
    cancelled = accepted(session, world, start=MORNING + timedelta(hours=4))
    visits.cancel_visit(session, world.s(session, "leader"), cancelled, now=NOW)
    for hours in (1, 3, 5, 7):
        tick(session, MORNING + timedelta(hours=hours))
    assert told(session, world.people["not_bookable"], "has not arrived") == []
    assert mails_to(session, on_call.email or "") == []


def test_the_minutes_are_co_op_settings(session, world, on_call):
    settings.update_settings(
        session,
        on_call,
        {"late_arrival_minutes": "5", "escalate_minutes": "10", "overdue_leaving_minutes": "45"},
        now=NOW,
    )
    accepted(session, world)
    tick(session, MORNING + timedelta(minutes=5))
    assert len(told(session, world.people["not_bookable"], "has not arrived")) == 1
    tick(session, MORNING + timedelta(minutes=14))
    assert told(session, on_call, "Nobody has arrived") == []
    tick(session, MORNING + timedelta(minutes=15))
    assert len(told(session, on_call, "Nobody has arrived")) == 1


def test_a_team_without_contacts_tells_its_leader(session, world):
    lead = standing(session, world.people["leader"], world.team, NOW)
    members.update_member(
        session, lead, world.memberships["not_bookable"].id, is_contact=False, now=NOW
    )
    accepted(session, world)
    tick(session, MORNING + timedelta(minutes=16))
    assert len(told(session, world.people["leader"], "has not arrived")) == 1


def test_a_visit_long_past_does_not_wake_anyone(session, world, on_call):
    accepted(session, world)
    tick(session, MORNING + timedelta(hours=13))
    assert told(session, world.people["not_bookable"], "has not arrived") == []


def test_a_late_worker_who_is_also_a_contact_is_not_told_about_themselves(session, world):
    lead = standing(session, world.people["leader"], world.team, NOW)
    members.update_member(
        session, lead, world.memberships["booked_worker"].id, is_contact=True, now=NOW
    )
    accepted(session, world)
    tick(session, MORNING + timedelta(minutes=16))
    assert len(told(session, world.people["not_bookable"], "has not arrived")) == 1
    assert told(session, world.people["booked_worker"], "has not arrived") == []
