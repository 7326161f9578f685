"""Swaps and cover suggestions through the service layer."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from coop.errors import Conflict, Forbidden, Invalid, NotFound
from rota.models import Availability, Leave
from rota.services import cover, swaps, visits
from rota.services.booking import DoubleBooking
from tests.conftest import NOW, audited, mails_to
from tests.rota.test_visits import AFTERNOON, MORNING, RotaWorld, build, plan


@pytest.fixture
def world(session) -> RotaWorld:
    return build(session)


def _accepted(session, world, **kwargs):
    visit = plan(session, world, **kwargs)
    visits.answer_visit(session, world.s(session, "booked_worker"), visit, yes=True, now=NOW)
    return visit


def _asked(session, world, visit):
    return swaps.ask_swap(
        session,
        world.s(session, "booked_worker"),
        visit,
        to_user_id=world.people["other_bookable"].id,
        now=NOW,
    )


def test_a_swap_asked_accepted_and_approved_moves_the_visit(session, world):
    visit = _accepted(session, world)
    swap = _asked(session, world, visit)
    assert any(
        "take a visit" in m.subject
        for m in mails_to(session, world.people["other_bookable"].email or "")
    )
    swaps.answer_swap(session, world.s(session, "other_bookable"), swap, yes=True, now=NOW)
    assert swap.status == "accepted" and visit.worker_id == world.people["booked_worker"].id
    swaps.approve_swap(session, world.s(session, "rota_holder"), swap, now=NOW)
    session.refresh(visit)
    assert swap.status == "approved" and swap.approved_by_id == world.people["rota_holder"].id
    assert (visit.worker_id, visit.status) == (world.people["other_bookable"].id, "accepted")
    for action, actor, kind, object_id in (
        ("swap.asked", "booked_worker", "swap", swap.id),
        ("swap.accepted", "other_bookable", "swap", swap.id),
        ("swap.approved", "rota_holder", "swap", swap.id),
        ("visit.changed", "rota_holder", "visit", visit.id),
    ):
        audited(session, action, actor=world.people[actor], object_type=kind, object_id=object_id)


def test_approving_twice_is_a_409(session, world):
    swap = _asked(session, world, _accepted(session, world))
    swaps.answer_swap(session, world.s(session, "other_bookable"), swap, yes=True, now=NOW)
    swaps.approve_swap(session, world.s(session, "leader"), swap, now=NOW)
    with pytest.raises(Conflict):
        swaps.approve_swap(session, world.s(session, "leader"), swap, now=NOW)


def test_a_swap_cannot_be_approved_before_the_other_person_says_yes(session, world):
    swap = _asked(session, world, _accepted(session, world))
    with pytest.raises(Conflict):
        swaps.approve_swap(session, world.s(session, "leader"), swap, now=NOW)


def test_approval_refuses_a_new_person_who_is_busy_then_with_times_only(session, world):
    visit = _accepted(session, world)
    swap = _asked(session, world, visit)
    swaps.answer_swap(session, world.s(session, "other_bookable"), swap, yes=True, now=NOW)
    plan(session, world, worker="other_bookable", start=MORNING + timedelta(minutes=30))
    with pytest.raises(DoubleBooking) as refused:
        swaps.approve_swap(session, world.s(session, "leader"), swap, now=NOW)
    assert "09:30 to 10:30" in refused.value.detail
    session.refresh(visit)
    assert visit.worker_id == world.people["booked_worker"].id


def test_only_the_planners_approve_and_only_the_person_asked_answers(session, world):
    swap = _asked(session, world, _accepted(session, world))
    for actor in ("booked_worker", "plan_holder", "not_bookable"):
        with pytest.raises(Forbidden):
            swaps.answer_swap(session, world.s(session, actor), swap, yes=True, now=NOW)
    swaps.answer_swap(session, world.s(session, "other_bookable"), swap, yes=True, now=NOW)
    for actor in ("booked_worker", "other_bookable", "plan_holder"):
        with pytest.raises(Forbidden):
            swaps.approve_swap(session, world.s(session, actor), swap, now=NOW)


def test_a_swap_goes_only_to_someone_the_team_can_book_and_only_one_at_a_time(session, world):
    visit = _accepted(session, world)
    s = world.s(session, "booked_worker")
    for someone in ("not_bookable", "worker_elsewhere", "booked_worker"):
        with pytest.raises(Invalid):
            swaps.ask_swap(session, s, visit, to_user_id=world.people[someone].id, now=NOW)
    _asked(session, world, visit)
    with pytest.raises(Conflict):
        _asked(session, world, visit)


def test_only_the_person_booked_asks_and_outsiders_are_not_told_it_exists(session, world):
    visit = _accepted(session, world)
    with pytest.raises(Forbidden):
        swaps.ask_swap(
            session,
            world.s(session, "other_bookable"),
            visit,
            to_user_id=world.people["booked_worker"].id,
            now=NOW,
        )
    swap = _asked(session, world, visit)
    with pytest.raises(NotFound):
        swaps.find_swap(session, world.people["worker_elsewhere"], swap.id, NOW)


def test_declining_or_refusing_leaves_the_visit_where_it_was(session, world):
    visit = _accepted(session, world)
    swap = _asked(session, world, visit)
    swaps.answer_swap(session, world.s(session, "other_bookable"), swap, yes=False, now=NOW)
    assert swap.status == "declined"
    swap = _asked(session, world, visit)
    swaps.answer_swap(session, world.s(session, "other_bookable"), swap, yes=True, now=NOW)
    swaps.approve_swap(session, world.s(session, "leader"), swap, yes=False, now=NOW)
    session.refresh(visit)
    assert swap.status == "declined" and visit.worker_id == world.people["booked_worker"].id
    swap = _asked(session, world, visit)
    swaps.withdraw_swap(session, world.s(session, "booked_worker"), swap, now=NOW)
    assert swap.status == "withdrawn"


# Cover -------------------------------------------------------------------------------------------


def test_cover_suggestions_are_free_available_not_on_leave_fewest_hours_first(session, world):
    open_visit = plan(session, world, worker=None, start=AFTERNOON)  # Fri 27 Nov, 14:00 to 15:00
    w, o = world.people["booked_worker"], world.people["other_bookable"]
    # The booked worker already has four hours that week; the other one none.
    plan(session, world, start=MORNING, minutes=240)
    names = [
        c.person.id
        for c in cover.suggest_cover(session, world.s(session, "leader"), open_visit, now=NOW)
    ]
    assert names == [o.id, w.id]
    # Saying when you are free (Friday afternoons) puts you first...
    session.add(Availability(user_id=w.id, weekday=4, starts=time(13, 0), ends=time(17, 0)))
    session.flush()
    found = cover.suggest_cover(session, world.s(session, "leader"), open_visit, now=NOW)
    assert [c.person.id for c in found] == [w.id, o.id]
    assert "4 h booked that week" in found[0].reasons
    # ...unless the windows do not cover it; and leave that day rules you out.
    session.add(Availability(user_id=o.id, weekday=4, starts=time(9, 0), ends=time(12, 0)))
    session.add(Leave(user_id=w.id, first_day=date(2026, 11, 27), last_day=date(2026, 11, 28)))
    session.flush()
    assert cover.suggest_cover(session, world.s(session, "leader"), open_visit, now=NOW) == []


def test_cover_leaves_out_anyone_already_booked_then(session, world):
    open_visit = plan(session, world, worker=None)
    plan(session, world, start=MORNING + timedelta(minutes=30))
    found = cover.suggest_cover(session, world.s(session, "rota_holder"), open_visit, now=NOW)
    assert [c.person.id for c in found] == [world.people["other_bookable"].id]


def test_cover_is_for_planners_and_open_visits(session, world):
    open_visit = plan(session, world, worker=None)
    with pytest.raises(Forbidden):
        cover.suggest_cover(session, world.s(session, "other_bookable"), open_visit, now=NOW)
    with pytest.raises(Conflict):
        cover.suggest_cover(
            session, world.s(session, "leader"), plan(session, world, start=AFTERNOON), now=NOW
        )


def test_a_representative_approves_for_the_person_who_leads(session, world):
    swap = _asked(session, world, _accepted(session, world))
    swaps.answer_swap(session, world.s(session, "other_bookable"), swap, yes=True, now=NOW)
    swaps.approve_swap(session, world.s(session, "representative"), swap, now=NOW)
    event = audited(
        session,
        "swap.approved",
        actor=world.people["representative"],
        object_type="swap",
        object_id=swap.id,
    )
    assert event.acting_for_id == world.people["leader"].id
