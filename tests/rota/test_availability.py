"""Availability and leave, and a hospital stay: a person keeps their own weekly windows and leave;
offering a visit on a leave day warns and never blocks; the team's planners see their bookable
members' availability (only theirs); a pause cancels exactly the visits in its days, tells the
people booked, and charges nothing. Through the services, the pages and the API."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlalchemy import select

from coop.errors import Forbidden, Invalid, NotFound
from rota.models import Budget, Leave, Pause, PayRate, Visit
from rota.services import availability, visits
from rota.services import budget as budgets
from rota.services.availability import Window
from tests import factories
from tests.conftest import (
    NOW,
    adopt,
    audited,
    build_once,
    element,
    field_errors,
    mails_to,
    post_form,
    problem,
)
from tests.rota.test_visits import AFTERNOON, MORNING, RotaWorld, build, plan

TOMORROW = MORNING.date()  # Thursday 26 November 2026
PLANNERS = ("leader", "representative", "rota_holder")


pytestmark = pytest.mark.shared_world


@pytest.fixture(scope="module")
def built(module_db) -> RotaWorld:
    return build_once(module_db, build)


@pytest.fixture
def world(session, built) -> RotaWorld:
    return adopt(session, built)


def _api(session, client, world, actor):
    token = factories.api_token(session, world.people[actor])[1]
    session.commit()

    def call(method: str, path: str, body=None):
        return client.open(
            path, method=method, json=body, headers={"Authorization": f"Bearer {token}"}
        )

    return call


def _leave(session, world, actor="booked_worker", first=TOMORROW, last=TOMORROW) -> Leave:
    return availability.add_leave(
        session, world.people[actor], first_day=first, last_day=last, now=NOW
    )


# Weekly availability -----------------------------------------------------------------------------


def test_a_person_sets_and_reads_their_weekly_availability(session, world):
    worker = world.people["booked_worker"]
    availability.set_availability(
        session,
        worker,
        [
            Window(2, time(14), time(17)),
            Window(0, time(9), time(12)),
            Window(0, time(18), time(20)),
        ],
        now=NOW,
    )
    found = availability.my_availability(session, worker)
    assert [(w.weekday, w.starts, w.ends) for w in found] == [
        (0, time(9), time(12)),
        (0, time(18), time(20)),
        (2, time(14), time(17)),
    ]
    event = audited(
        session, "availability.set", actor=worker, object_type="user", object_id=worker.id
    )
    assert event.changes == {"windows": 3}
    # Setting again replaces the whole set.
    availability.set_availability(session, worker, [Window(4, time(8), time(9))], now=NOW)
    assert [(w.weekday, w.starts) for w in availability.my_availability(session, worker)] == [
        (4, time(8))
    ]


def test_overlapping_windows_on_one_day_are_refused_with_a_clear_message(session, world):
    worker = world.people["booked_worker"]
    availability.set_availability(session, worker, [Window(1, time(8), time(9))], now=NOW)
    with pytest.raises(Invalid) as refused:
        availability.set_availability(
            session,
            worker,
            [
                Window(1, time(9), time(12)),
                Window(1, time(11), time(13)),
            ],
            now=NOW,
        )
    assert refused.value.errors["day_1"] == [
        "Tuesday: 09:00 to 12:00 and 11:00 to 13:00 overlap. Please join them into one window."
    ]
    # Windows that only touch are fine; nothing was changed by the refusal.
    assert [(w.starts, w.ends) for w in availability.my_availability(session, worker)] == [
        (time(8), time(9))
    ]
    availability.set_availability(
        session,
        worker,
        [
            Window(1, time(9), time(12)),
            Window(1, time(12), time(13)),
        ],
        now=NOW,
    )


@pytest.mark.parametrize(
    "window, key",
    [
        (Window(7, time(9), time(10)), "weekday"),
        (Window(3, time(10), time(10)), "day_3"),
        (Window(3, time(11), time(10)), "day_3"),
    ],
)
def test_a_window_needs_a_real_day_and_to_end_after_it_starts(session, world, window, key):
    with pytest.raises(Invalid) as refused:
        availability.set_availability(session, world.people["booked_worker"], [window], now=NOW)
    assert key in refused.value.errors


# Leave ---------------------------------------------------------------------------------------------


def test_a_person_adds_and_removes_leave(session, world):
    worker = world.people["booked_worker"]
    leave = _leave(session, world, first=date(2026, 12, 1), last=date(2026, 12, 3))
    assert [
        (lv.first_day, lv.last_day) for lv in availability.my_leave(session, worker, now=NOW)
    ] == [(date(2026, 12, 1), date(2026, 12, 3))]
    assert audited(
        session, "leave.added", actor=worker, object_type="leave", object_id=leave.id
    ).changes == {"days": 3}
    leave_id = leave.id
    availability.remove_leave(session, worker, leave_id, now=NOW)
    assert availability.my_leave(session, worker, now=NOW) == []
    audited(session, "leave.removed", actor=worker, object_type="leave", object_id=leave_id)


def test_leave_must_end_after_it_starts_and_started_leave_stays(session, world):
    worker = world.people["booked_worker"]
    with pytest.raises(Invalid) as refused:
        _leave(session, world, first=date(2026, 12, 3), last=date(2026, 12, 1))
    assert "last_day" in refused.value.errors
    today = _leave(session, world, first=NOW.date(), last=TOMORROW)
    with pytest.raises(Invalid):
        availability.remove_leave(session, worker, today.id, now=NOW)


def test_nobody_removes_another_persons_leave(session, world):
    leave = _leave(session, world, first=date(2026, 12, 1), last=date(2026, 12, 1))
    for actor in ("other_bookable", "leader", "facilitator"):
        with pytest.raises(NotFound):
            availability.remove_leave(session, world.people[actor], leave.id, now=NOW)
    assert session.get(Leave, leave.id) is not None


# The leave warning ---------------------------------------------------------------------------------


def test_offering_a_visit_on_a_leave_day_warns_and_does_not_block(session, world):
    _leave(session, world)
    planned = visits.plan_visit(
        session,
        world.s(session, "rota_holder"),
        starts_at=MORNING,
        ends_at=MORNING + timedelta(hours=1),
        worker_id=world.people["booked_worker"].id,
        now=NOW,
    )
    assert "Booked Worker is on leave on Thursday 26 November 2026." in planned.warnings
    assert planned.visit.id is not None and planned.visit.status == "offered"
    # The day after is not leave: no warning.
    later = visits.plan_visit(
        session,
        world.s(session, "rota_holder"),
        starts_at=AFTERNOON,
        ends_at=AFTERNOON + timedelta(hours=1),
        worker_id=world.people["booked_worker"].id,
        now=NOW,
    )
    assert not [w for w in later.warnings if "on leave" in w]


def test_an_open_visit_or_someone_else_gets_no_leave_warning(session, world):
    _leave(session, world)
    assert not visits.plan_visit(
        session,
        world.s(session, "rota_holder"),
        starts_at=MORNING,
        ends_at=MORNING + timedelta(hours=1),
        now=NOW,
    ).warnings
    other = visits.plan_visit(
        session,
        world.s(session, "rota_holder"),
        starts_at=MORNING,
        ends_at=MORNING + timedelta(hours=1),
        now=NOW,
        worker_id=world.people["other_bookable"].id,
    )
    assert not [w for w in other.warnings if "on leave" in w]


def test_the_api_answers_a_visit_on_a_leave_day_with_the_warning(session, client, clock, world):
    _leave(session, world)
    session.commit()
    call = _api(session, client, world, "rota_holder")
    answer = call(
        "POST",
        f"/api/v1/teams/{world.team.id}/visits",
        {
            "starts_at": MORNING.isoformat(),
            "ends_at": (MORNING + timedelta(hours=1)).isoformat(),
            "worker_id": world.people["booked_worker"].id,
        },
    )
    assert answer.status_code == 201, answer.get_json()
    assert (
        "Booked Worker is on leave on Thursday 26 November 2026." in answer.get_json()["warnings"]
    )


# What the team's planners see ---------------------------------------------------------------------


def test_planners_see_their_bookable_members_availability_and_leave_only(session, world):
    for actor in ("booked_worker", "not_bookable", "worker_elsewhere"):
        availability.set_availability(
            session, world.people[actor], [Window(0, time(9), time(12))], now=NOW
        )
        _leave(session, world, actor)
    for planner in PLANNERS:
        found = availability.team_availability(session, world.s(session, planner), now=NOW)
        by_name = {m.person.display_name: m for m in found}
        assert set(by_name) == {"Booked Worker", "Other Bookable"}
        assert [(w.weekday, w.starts) for w in by_name["Booked Worker"].windows] == [(0, time(9))]
        assert [lv.first_day for lv in by_name["Booked Worker"].leave] == [TOMORROW]
        assert by_name["Other Bookable"].windows == [] and by_name["Other Bookable"].leave == []


@pytest.mark.parametrize(
    "actor, refusal",
    [
        ("plan_holder", Forbidden),
        ("booked_worker", Forbidden),
        ("not_bookable", Forbidden),
        ("facilitator", Forbidden),
        ("stranger", NotFound),
        ("worker_elsewhere", NotFound),
    ],
)
def test_others_cannot_see_the_teams_availability_or_pause_it(session, world, actor, refusal):
    s = world.s(session, actor)
    with pytest.raises(refusal):
        availability.team_availability(session, s, now=NOW)
    with pytest.raises(refusal):
        availability.pause_team(
            session, s, first_day=TOMORROW, last_day=TOMORROW, reason="hospital", now=NOW
        )
    assert session.scalars(select(Pause)).all() == []


# A hospital stay -----------------------------------------------------------------------------------


def _budget_world(session, world):
    """An hourly rate of £12 for both workers (independent: no on-costs) and a large budget."""
    for actor in ("booked_worker", "other_bookable"):
        session.add(
            PayRate(
                user_id=world.people[actor].id,
                team_id=world.team.id,
                hourly_pence=1200,
                effective_from=date(2026, 1, 1),
            )
        )
    session.add(
        Budget(
            team_id=world.team.id,
            amount_pence=100_000,
            period="month",
            source="direct_payment",
            starts_on=date(2026, 11, 1),
            updated_at=NOW,
        )
    )
    session.flush()


@pytest.mark.parametrize("planner", PLANNERS)
def test_a_pause_cancels_exactly_the_visits_in_its_days_and_charges_nothing(
    session, world, planner
):
    _budget_world(session, world)
    day_before = plan(session, world, MORNING - timedelta(days=1, hours=-5))  # Wed 25th, 14:00
    first = plan(session, world, MORNING)  # Thu 26th 09:00 (23 hours away: short notice)
    open_one = plan(session, world, MORNING + timedelta(hours=12), worker=None)  # Thu 21:00
    second = plan(session, world, AFTERNOON, worker="other_bookable")  # Fri 27th 14:00
    after = plan(session, world, AFTERNOON + timedelta(days=1))  # Sat 28th, outside
    figures = budgets.team_budget(session, world.s(session, "leader"), NOW)
    assert figures is not None and figures.committed == 4 * 1200 and figures.spent == 0

    pause, count = availability.pause_team(
        session,
        world.s(session, planner),
        first_day=TOMORROW,
        last_day=TOMORROW + timedelta(days=1),
        reason="hospital",
        now=NOW,
    )
    assert count == 3
    session.expire_all()
    status = {
        v: session.get(Visit, v.id).status for v in (day_before, first, open_one, second, after)
    }
    assert status == {
        day_before: "offered",
        first: "cancelled",
        open_one: "cancelled",
        second: "cancelled",
        after: "offered",
    }
    figures = budgets.team_budget(session, world.s(session, "leader"), NOW)
    assert figures is not None and figures.spent == 0  # the short-notice cancellation is free
    assert figures.committed == 2 * 1200  # the 25th and the 28th
    assert (pause.first_day, pause.last_day, pause.reason) == (
        TOMORROW,
        date(2026, 11, 27),
        "hospital",
    )
    event = audited(
        session,
        "visits.paused",
        actor=world.people[planner],
        object_type="pause",
        object_id=pause.id,
    )
    assert event.changes == {"cancelled_visits": 3}
    for person in ("booked_worker", "other_bookable"):
        assert [m.subject for m in mails_to(session, world.people[person].email)][
            -1
        ] == "A visit has been cancelled"


def test_planning_a_visit_in_a_pause_warns_and_does_not_block(session, world):
    availability.pause_team(
        session,
        world.s(session, "leader"),
        first_day=TOMORROW,
        last_day=TOMORROW,
        reason="hospital",
        now=NOW,
    )
    planned = plan(session, world, MORNING)
    assert planned.status == "offered"
    again = visits.plan_visit(
        session,
        world.s(session, "rota_holder"),
        starts_at=MORNING + timedelta(hours=3),
        ends_at=MORNING + timedelta(hours=4),
        now=NOW,
    )
    assert again.warnings == [
        "The team's visits are paused on Thursday 26 November 2026 (a hospital stay)."
    ]
    outside = visits.plan_visit(
        session,
        world.s(session, "rota_holder"),
        starts_at=AFTERNOON,
        ends_at=AFTERNOON + timedelta(hours=1),
        now=NOW,
    )
    assert outside.warnings == []


def test_a_pause_needs_days_to_come_and_a_known_reason(session, world):
    s = world.s(session, "leader")
    for kwargs, key in (
        (
            {
                "first_day": NOW.date() - timedelta(days=1),
                "last_day": TOMORROW,
                "reason": "hospital",
            },
            "first_day",
        ),
        ({"first_day": TOMORROW, "last_day": NOW.date(), "reason": "hospital"}, "last_day"),
        ({"first_day": TOMORROW, "last_day": TOMORROW, "reason": "holiday"}, "reason"),
    ):
        with pytest.raises(Invalid) as refused:
            availability.pause_team(session, s, now=NOW, **kwargs)
        assert key in refused.value.errors


def test_ending_a_pause_early_keeps_short_notice_visits_free(session, world):
    _budget_world(session, world)
    soon = plan(session, world, MORNING)  # 23 hours away
    plan(session, world, AFTERNOON + timedelta(days=2))  # Sun 29th, a week away from short notice
    s = world.s(session, "rota_holder")
    pause, count = availability.pause_team(
        session, s, first_day=NOW.date(), last_day=date(2026, 12, 3), reason="other", now=NOW
    )
    assert count == 2
    with pytest.raises(Invalid) as refused:
        availability.end_pause_early(session, s, pause, last_day=NOW.date(), now=NOW)
    assert "short notice" in refused.value.errors["last_day"][0]
    availability.end_pause_early(session, s, pause, last_day=TOMORROW, now=NOW)
    assert pause.last_day == TOMORROW
    audited(
        session,
        "pause.ended_early",
        actor=world.people["rota_holder"],
        object_type="pause",
        object_id=pause.id,
    )
    figures = budgets.team_budget(session, world.s(session, "leader"), NOW)
    assert (
        figures is not None
        and figures.spent == 0
        and soon.id not in {v.id for v, _ in figures.spent_lines}
    )
    with pytest.raises(Invalid):  # not later than it already ends
        availability.end_pause_early(session, s, pause, last_day=date(2026, 12, 1), now=NOW)


# Pages ---------------------------------------------------------------------------------------------


def _week_form(**times):
    form = {
        f"day{d}_{slot}_{end}": "" for d in range(7) for slot in (1, 2) for end in ("from", "to")
    }
    form.update(times)
    return form


def test_my_availability_page_saves_the_week_and_refuses_overlaps(
    session, make_client, clock, world
):
    worker = world.people["booked_worker"]
    client = make_client(worker)
    page = client.get("/rota/my-availability")
    assert page.status_code == 200
    assert element(page.get_data(as_text=True), "h1").text == "My availability and leave"
    answer = post_form(
        client,
        "/rota/my-availability/week",
        _week_form(day0_1_from="09:00", day0_1_to="12:00", day0_2_from="18:00", day0_2_to="20:00"),
        page="/rota/my-availability",
    )
    assert answer.status_code == 302
    session.expire_all()
    assert [(w.weekday, w.starts) for w in availability.my_availability(session, worker)] == [
        (0, time(9)),
        (0, time(18)),
    ]
    refused = post_form(
        client,
        "/rota/my-availability/week",
        _week_form(day2_1_from="09:00", day2_1_to="12:00", day2_2_from="11:00", day2_2_to="13:00"),
        page="/rota/my-availability",
    )
    assert refused.status_code == 422
    assert "overlap" in field_errors(refused.get_data(as_text=True), "day2_1_from")
    half = post_form(
        client,
        "/rota/my-availability/week",
        _week_form(day4_1_from="09:00"),
        page="/rota/my-availability",
    )
    assert half.status_code == 422
    assert "both times" in field_errors(half.get_data(as_text=True), "day4_1_to")
    session.expire_all()
    assert len(availability.my_availability(session, worker)) == 2


def test_my_leave_page_adds_and_removes_with_a_confirm_page(session, make_client, clock, world):
    worker = world.people["booked_worker"]
    client = make_client(worker)
    added = post_form(
        client,
        "/rota/my-availability/leave",
        {"first_day": "2026-12-01", "last_day": "2026-12-02"},
        page="/rota/my-availability",
    )
    assert added.status_code == 302
    leave_id = session.scalars(select(Leave.id).where(Leave.user_id == worker.id)).one()
    page = client.get("/rota/my-availability").get_data(as_text=True)
    assert "Tuesday 1 December" in page
    confirm = client.get(f"/rota/my-availability/leave/{leave_id}/remove")
    assert confirm.status_code == 200 and "Remove this leave?" in confirm.get_data(as_text=True)
    removed = post_form(
        client,
        f"/rota/my-availability/leave/{leave_id}/remove",
        {},
        page=f"/rota/my-availability/leave/{leave_id}/remove",
    )
    assert removed.status_code == 302
    session.expire_all()
    assert session.get(Leave, leave_id) is None


def test_nobody_sees_or_removes_another_persons_leave_page(session, make_client, clock, world):
    leave = _leave(session, world, first=date(2026, 12, 1), last=date(2026, 12, 1))
    session.commit()
    other = make_client(world.people["leader"])
    assert other.get(f"/rota/my-availability/leave/{leave.id}/remove").status_code == 404


def test_the_team_availability_page_is_for_planners(session, make_client, clock, world):
    availability.set_availability(
        session, world.people["booked_worker"], [Window(0, time(9), time(12))], now=NOW
    )
    session.commit()
    page = make_client(world.people["rota_holder"]).get(f"/rota/teams/{world.team.id}/availability")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Booked Worker" in text and "09:00 to 12:00" in text and "Not Bookable" not in text
    assert (
        make_client(world.people["booked_worker"])
        .get(f"/rota/teams/{world.team.id}/availability")
        .status_code
        == 403
    )
    assert (
        make_client(world.people["stranger"])
        .get(f"/rota/teams/{world.team.id}/availability")
        .status_code
        == 404
    )


def test_the_pause_page_confirms_how_many_visits_then_pauses(session, make_client, clock, world):
    plan(session, world, MORNING)
    plan(session, world, AFTERNOON, worker=None)
    session.commit()
    client = make_client(world.people["leader"])
    path = f"/rota/teams/{world.team.id}/pause"
    form = {"reason": "hospital", "first_day": "2026-11-26", "last_day": "2026-11-30"}
    confirm = post_form(client, path, form)
    assert confirm.status_code == 200
    text = confirm.get_data(as_text=True)
    assert "2 visits will be cancelled" in text and "Booked Worker will be told" in text
    assert session.scalars(select(Pause)).all() == []
    done = post_form(client, path, {**form, "confirmed": "yes"})
    assert done.status_code == 302
    session.expire_all()
    assert (
        session.scalars(select(Visit.status).where(Visit.team_id == world.team.id)).all()
        == ["cancelled"] * 2
    )
    refused = post_form(client, path, {**form, "first_day": "2026-11-20"})
    assert refused.status_code == 422 and "past" in field_errors(
        refused.get_data(as_text=True), "first_day"
    )
    assert make_client(world.people["booked_worker"]).get(path).status_code == 403
    assert make_client(world.people["worker_elsewhere"]).get(path).status_code == 404


def test_the_home_page_shows_my_availability_and_leave(make_client, clock, world):
    page = make_client(world.people["booked_worker"]).get("/").get_data(as_text=True)
    assert "My availability and leave" in page and "/rota/my-availability" in page


# API -----------------------------------------------------------------------------------------------


def test_the_api_sets_and_reads_my_availability(session, client, clock, world):
    call = _api(session, client, world, "booked_worker")
    body = {"windows": [{"weekday": 0, "starts": "09:00", "ends": "12:00"}]}
    answer = call("PUT", "/api/v1/me/availability", body)
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json() == body
    assert call("GET", "/api/v1/me/availability").get_json() == body
    overlap = call(
        "PUT",
        "/api/v1/me/availability",
        {
            "windows": [
                {"weekday": 1, "starts": "09:00", "ends": "12:00"},
                {"weekday": 1, "starts": "10:00", "ends": "11:00"},
            ]
        },
    )
    assert "overlap" in problem(overlap, 422)["errors"]["day_1"][0]
    assert call("GET", "/api/v1/me/availability").get_json() == body


def test_the_api_adds_lists_and_removes_my_leave(session, client, clock, world):
    call = _api(session, client, world, "booked_worker")
    added = call("POST", "/api/v1/me/leave", {"first_day": "2026-12-01", "last_day": "2026-12-02"})
    assert added.status_code == 201, added.get_json()
    leave_id = added.get_json()["id"]
    assert call("GET", "/api/v1/me/leave").get_json() == [
        {"id": leave_id, "first_day": "2026-12-01", "last_day": "2026-12-02"}
    ]
    other = _api(session, client, world, "other_bookable")
    problem(other("DELETE", f"/api/v1/me/leave/{leave_id}"), 404)
    assert call("DELETE", f"/api/v1/me/leave/{leave_id}").status_code == 204
    assert call("GET", "/api/v1/me/leave").get_json() == []


@pytest.mark.parametrize(
    "actor, status",
    [
        ("leader", 201),
        ("representative", 201),
        ("rota_holder", 201),
        ("plan_holder", 403),
        ("booked_worker", 403),
        ("facilitator", 403),
        ("stranger", 404),
        ("worker_elsewhere", 404),
    ],
)
def test_the_api_pauses_a_team_for_its_planners_only(session, client, clock, world, actor, status):
    plan(session, world, MORNING)
    session.commit()
    call = _api(session, client, world, actor)
    answer = call(
        "POST",
        f"/api/v1/teams/{world.team.id}/pauses",
        {"first_day": "2026-11-26", "last_day": "2026-11-26", "reason": "hospital"},
    )
    assert answer.status_code == status, answer.get_json()
    if status == 201:
        assert answer.get_json()["cancelled_visits"] == 1
        assert answer.get_json()["reason"] == "hospital"
