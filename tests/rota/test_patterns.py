"""Repeating visits in local time: across the clock changes, through the spring gap, extended by
the timed job without making anything twice, exceptions kept, and "this and the ones after"."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from rota.models import Pattern, Visit
from rota.services import patterns, visits
from teams.services import members
from tests.conftest import NOW, audited, post_form
from tests.rota.test_visits import RotaWorld, build

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def world(session) -> RotaWorld:
    return build(session)


def _pattern(
    session,
    world,
    *,
    starts_on,
    ends_on=None,
    at=time(9, 0),
    weekdays=(0, 3, 6),
    worker="booked_worker",
    frequency="weekly",
    minutes=60,
):
    pattern, _notes = patterns.create_pattern(
        session,
        world.s(session, "rota_holder"),
        frequency=frequency,
        weekdays=list(weekdays),
        local_start=at,
        minutes=minutes,
        starts_on=starts_on,
        ends_on=ends_on,
        worker_id=world.people[worker].id if worker else None,
        now=NOW,
    )
    return pattern


def _visits(session, pattern, *, live_only=False):
    query = select(Visit).where(Visit.pattern_id == pattern.id).order_by(Visit.starts_at)
    if live_only:
        query = query.where(Visit.status.not_in(("cancelled",)))
    return list(session.scalars(query))


@pytest.mark.parametrize(
    ("first", "last", "change"),
    [
        (date(2027, 3, 15), date(2027, 4, 11), date(2027, 3, 28)),
        (date(2027, 10, 18), date(2027, 11, 14), date(2027, 10, 31)),
    ],
    ids=["march", "october"],
)
def test_a_nine_oclock_pattern_stays_at_nine_across_the_clock_change(
    session, world, first, last, change
):
    pattern = _pattern(session, world, starts_on=first, ends_on=last)
    made = _visits(session, pattern)
    assert len(made) == 12  # Mondays, Thursdays and Sundays for four weeks
    assert {v.starts_at.astimezone(LONDON).time() for v in made} == {time(9, 0)}
    for v in made:
        before = v.starts_at.astimezone(LONDON).date() < change
        expected = ({9} if before else {8}) if change.month == 3 else ({8} if before else {9})
        assert {v.starts_at.astimezone(UTC).hour} == expected, v.starts_at
        assert v.ends_at - v.starts_at == timedelta(hours=1)
    assert any(v.starts_at.astimezone(LONDON).date() == change for v in made)


def test_a_time_in_the_spring_gap_moves_on_by_the_gap(session, world):
    # 01:30 does not exist on Sunday 28 March 2027 in London: it becomes 02:30 (01:30 UTC).
    pattern = _pattern(
        session,
        world,
        starts_on=date(2027, 3, 21),
        ends_on=date(2027, 4, 4),
        at=time(1, 30),
        weekdays=(6,),
    )
    local = [v.starts_at.astimezone(LONDON) for v in _visits(session, pattern)]
    assert [(d.date(), d.time()) for d in local] == [
        (date(2027, 3, 21), time(1, 30)),
        (date(2027, 3, 28), time(2, 30)),
        (date(2027, 4, 4), time(1, 30)),
    ]
    assert [d.astimezone(UTC).time() for d in local] == [time(1, 30), time(1, 30), time(0, 30)]


def test_fortnightly_skips_a_week(session, world):
    pattern = _pattern(
        session,
        world,
        starts_on=date(2026, 11, 30),
        ends_on=date(2026, 12, 27),
        weekdays=(1,),
        frequency="fortnightly",
    )
    assert [v.starts_at.astimezone(LONDON).date() for v in _visits(session, pattern)] == [
        date(2026, 12, 1),
        date(2026, 12, 15),
    ]


def test_extending_the_horizon_twice_makes_nothing_twice(session, world):
    pattern = _pattern(session, world, starts_on=date(2026, 11, 30))
    made = len(_visits(session, pattern))
    assert pattern.horizon == date(2026, 11, 30) + patterns.HORIZON
    later = NOW + timedelta(days=14)
    patterns.extend_horizons(session, later)
    once = len(_visits(session, pattern))
    assert once == made + 3  # Thu 28 Jan, Sun 31 Jan, Mon 1 Feb 2027
    assert pattern.horizon == date(2027, 2, 3)
    assert patterns.extend_horizons(session, later) == 0
    assert len(_visits(session, pattern)) == once
    assert (
        session.scalar(
            select(func.count()).select_from(
                select(Visit.occurrence_at)
                .where(Visit.pattern_id == pattern.id)
                .group_by(Visit.occurrence_at)
                .having(func.count() > 1)
                .subquery()
            )
        )
        == 0
    )


def test_moved_and_cancelled_occurrences_are_not_made_again(session, world):
    pattern = _pattern(session, world, starts_on=date(2026, 11, 30), ends_on=date(2026, 12, 20))
    first, second, *_rest = _visits(session, pattern)
    leader = world.s(session, "leader")
    visits.change_visit(
        session,
        leader,
        first,
        now=NOW,
        starts_at=first.starts_at + timedelta(hours=3),
        ends_at=first.ends_at + timedelta(hours=3),
    )
    visits.cancel_visit(session, leader, second, now=NOW)
    before = len(_visits(session, pattern))
    pattern.horizon = pattern.starts_on - timedelta(days=1)  # as if nothing had been made yet
    patterns.extend_pattern(session, pattern, until=date(2026, 12, 31), actor=None, now=NOW)
    after = _visits(session, pattern)
    assert len(after) == before
    assert sum(v.status == "cancelled" for v in after) == 1
    assert first.starts_at.astimezone(LONDON).time() == time(12, 0)


def test_a_pattern_leaves_days_the_person_is_busy_open(session, world):
    from tests.rota.test_visits import plan

    busy = datetime(2026, 12, 3, 9, 30, tzinfo=UTC)  # Thursday 3 December, 09:30
    plan(session, world, start=busy)
    pattern, notes = patterns.create_pattern(
        session,
        world.s(session, "leader"),
        frequency="weekly",
        weekdays=[3],
        local_start=time(9, 0),
        minutes=60,
        starts_on=date(2026, 11, 30),
        ends_on=date(2026, 12, 13),
        worker_id=world.people["booked_worker"].id,
        now=NOW,
    )
    statuses = [
        (v.starts_at.astimezone(LONDON).date(), v.status) for v in _visits(session, pattern)
    ]
    assert statuses == [(date(2026, 12, 3), "open"), (date(2026, 12, 10), "offered")]
    assert len(notes) == 1 and "09:00 to 10:00" in notes[0]


def test_this_and_the_ones_after_through_the_visit_page(session, world, make_client, clock):
    pattern = _pattern(
        session, world, starts_on=date(2026, 11, 30), ends_on=date(2026, 12, 27), weekdays=(0, 3)
    )
    made = _visits(session, pattern)
    third = made[2]  # Monday 7 December
    session.commit()
    leader = make_client(world.people["leader"])
    path = f"/rota/visits/{third.id}/change"
    answer = post_form(
        leader,
        path,
        {
            "which": "after",
            "day": "2026-12-07",
            "start": "10:30",
            "minutes": "45",
            "worker_id": str(world.people["other_bookable"].id),
            "notes": "Later mornings",
        },
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)
    session.expire_all()
    assert session.get(Pattern, pattern.id).ends_on == date(2026, 12, 6)
    old = _visits(session, pattern)
    assert [v.status for v in old] == ["offered", "offered"] + ["cancelled"] * (len(made) - 2)
    new = session.scalar(
        select(Pattern).where(Pattern.team_id == world.team.id, Pattern.id != pattern.id)
    )
    assert (new.starts_on, new.ends_on, new.local_start, new.minutes) == (
        date(2026, 12, 7),
        date(2026, 12, 27),
        time(10, 30),
        45,
    )
    later = _visits(session, new)
    assert [v.starts_at.astimezone(LONDON).date() for v in later] == [
        date(2026, 12, d) for d in (7, 10, 14, 17, 21, 24)
    ]
    assert {(v.starts_at.astimezone(LONDON).time(), v.worker_id) for v in later} == {
        (time(10, 30), world.people["other_bookable"].id)
    }
    audited(
        session,
        "pattern.ended",
        actor=world.people["leader"],
        object_type="pattern",
        object_id=pattern.id,
    )


def test_this_and_the_ones_after_keeps_the_days_of_the_week(session, world, make_client, clock):
    pattern = _pattern(
        session, world, starts_on=date(2026, 11, 30), ends_on=date(2026, 12, 27), weekdays=(0,)
    )
    visit = _visits(session, pattern)[1]
    session.commit()
    answer = post_form(
        make_client(world.people["leader"]),
        f"/rota/visits/{visit.id}/change",
        {
            "which": "after",
            "day": "2026-12-08",
            "start": "09:00",
            "minutes": "60",
            "worker_id": "",
        },
    )
    assert answer.status_code == 422
    assert "other days of the week" in answer.get_data(as_text=True)
    session.expire_all()
    assert session.get(Pattern, pattern.id).ends_on == date(2026, 12, 27)


def test_a_worker_who_leaves_is_not_booked_again_by_the_pattern(session, world):
    pattern = _pattern(session, world, starts_on=date(2026, 11, 30), weekdays=(0,))
    members.leave(
        session,
        world.s(session, "booked_worker"),
        leaves_at=datetime(2026, 12, 10, tzinfo=UTC),
        handover_note="Notes in the folder",
        now=NOW,
    )
    patterns.extend_horizons(session, NOW + timedelta(days=28))
    by_day = {
        v.starts_at.astimezone(LONDON).date(): (v.status, v.worker_id)
        for v in _visits(session, pattern)
    }
    assert by_day[date(2026, 12, 7)] == ("offered", world.people["booked_worker"].id)
    assert by_day[date(2026, 12, 14)] == ("cancelled", world.people["booked_worker"].id)
    later = [d for d in by_day if d > pattern.starts_on + patterns.HORIZON]
    assert later and all(by_day[d] == ("open", None) for d in later)
