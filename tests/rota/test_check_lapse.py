"""A check that lapses or fails makes the worker unbookable at once, in every team (DOMAIN.md,
"Matching"): booking, accepting, joining and swapping refuse, in words that never say which
check or how; when it lapses, `tick` tells the leaders of their teams and the facilitator on
call, once however often it runs, and their visits stay where they are."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from coop.errors import Invalid
from coop.models import Notification
from coop.services import settings
from rota.models import Visit
from rota.services import visits
from teams.matching import vetting
from tests.conftest import NOW
from tests.rota.test_visits import AFTERNOON, MORNING, RotaWorld, build, plan

NEEDS_RENEWING = "cannot be booked at the moment: one of their checks needs renewing"


@pytest.fixture
def world(session) -> RotaWorld:
    made = build(session)
    facilitator = made.people["facilitator"]
    settings.update_settings(
        session, facilitator, {"on_call_facilitator": str(facilitator.id)}, now=NOW
    )
    session.commit()
    return made


def record(session, world, who, *, kind="dbs", outcome="passed", expires_on=None, on=None, now=NOW):
    vetting.record_check(
        session,
        world.people["facilitator"],
        world.people[who].id,
        kind=kind,
        outcome=outcome,
        number="DBS-0001",
        checked_on=on or date(2026, 1, 5),
        expires_on=expires_on,
        update_service_consent=True if kind == "dbs" else None,
        now=now,
    )
    session.commit()


def notes_to(session, person, words: str) -> list[Notification]:
    session.expire_all()
    return [
        n
        for n in session.query(Notification).filter(Notification.user_id == person.id)
        if words in n.subject
    ]


def test_a_lapsed_check_stops_booking_tells_the_team_once_and_keeps_the_visits(
    app, session, world, clock
):
    record(session, world, "booked_worker", expires_on=NOW.date() + timedelta(days=1))
    first, second = plan(session, world), plan(session, world, start=AFTERNOON)
    session.commit()
    worker, leader = world.people["booked_worker"], world.people["leader"]

    clock.set(NOW + timedelta(days=2, hours=-8))  # Fri 27 Nov 02:00: the check ran out yesterday
    for _ in range(3):
        ticked = app.test_cli_runner().invoke(args=["tick"])
        assert ticked.exit_code == 0, ticked.output
    told = notes_to(session, leader, "cannot be booked at the moment")
    assert len(told) == 1
    assert "Their 1 visit in your rota" in told[0].body  # the morning one has gone by
    assert "DBS" not in told[0].body  # the team is not told which check
    assert len(notes_to(session, world.people["facilitator"], "visits ahead")) == 1
    assert len(notes_to(session, worker, "A check has lapsed")) == 1
    session.expire_all()
    assert session.get_one(Visit, second.id).status == "offered"  # kept, not cancelled
    assert session.get_one(Visit, first.id).worker_id == worker.id

    later = clock()
    with pytest.raises(Invalid, match="Booked Worker " + NEEDS_RENEWING):
        visits.plan_visit(
            session,
            world.s(session, "rota_holder"),
            starts_at=later + timedelta(days=2),
            ends_at=later + timedelta(days=2, hours=1),
            worker_id=worker.id,
            now=later,
        )
    with pytest.raises(Invalid, match="You cannot be booked at the moment"):
        visits.answer_visit(session, world.s(session, "booked_worker"), second, yes=True, now=later)
    # Renewed: the same booking goes through.
    record(
        session,
        world,
        "booked_worker",
        on=later.date(),
        expires_on=later.date() + timedelta(days=1000),
        now=later,
    )
    visits.answer_visit(session, world.s(session, "booked_worker"), second, yes=True, now=later)


def test_a_failed_check_stops_booking_without_saying_so(session, world):
    record(session, world, "other_bookable", outcome="failed")
    with pytest.raises(Invalid) as refused:
        plan(session, world, worker="other_bookable")
    assert NEEDS_RENEWING in str(refused.value)
    assert "fail" not in str(refused.value).lower() and "DBS" not in str(refused.value)
    open_visit = plan(session, world, worker=None)
    with pytest.raises(Invalid, match="You cannot be booked"):
        visits.join_visit(session, world.s(session, "other_bookable"), open_visit, now=NOW)


def test_a_check_in_date_or_never_recorded_leaves_booking_alone(session, world):
    record(session, world, "booked_worker", expires_on=NOW.date() + timedelta(days=300))
    assert plan(session, world).worker_id == world.people["booked_worker"].id
    assert plan(session, world, worker="other_bookable", start=MORNING + timedelta(hours=3))
