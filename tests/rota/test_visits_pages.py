"""The rota's pages: warnings shown after saving and never blocking, a double booking kept on
the form, the week's links, and "My visits"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from rota.models import Visit
from rota.services import visits
from tests.conftest import NOW, element, elements, post_form
from tests.rota.test_visits import AFTERNOON, MORNING, RotaWorld, build, plan


@pytest.fixture
def world(session) -> RotaWorld:
    made = build(session)
    session.commit()
    return made


def _form(**extra):
    return {
        "day": "2026-11-26",
        "start": "09:00",
        "minutes": "60",
        "kind": "visit",
        "worker_id": "",
        **extra,
    }


def test_a_warning_is_shown_after_saving_and_does_not_block(
    session, make_client, clock, world, monkeypatch
):
    checks = visits.warning_checks()
    monkeypatch.setattr(
        visits,
        "warning_checks",
        lambda: {**checks, "zz_test": lambda *_: ["That is a long day for them."]},
    )
    leader = make_client(world.people["leader"])
    path = f"/rota/teams/{world.team.id}/visits/new"
    answer = post_form(leader, path, _form(worker_id=str(world.people["booked_worker"].id)))
    assert answer.status_code == 302 and "start=2026-11-26" in answer.headers["Location"]
    page = leader.get(answer.headers["Location"]).get_data(as_text=True)
    assert "That is a long day for them." in page
    assert len(list(session.scalars(select(Visit).where(Visit.team_id == world.team.id)))) == 1


def test_a_double_booking_keeps_what_was_typed_and_says_when_only(
    session, make_client, clock, world
):
    plan(session, world)
    session.commit()
    leader = make_client(world.people["leader"])
    path = f"/rota/teams/{world.team.id}/visits/new"
    answer = post_form(
        leader,
        path,
        _form(start="09:30", notes="Shopping", worker_id=str(world.people["booked_worker"].id)),
    )
    assert answer.status_code == 409
    summary = element(answer, "div", class_="error-summary").text
    assert "already booked Thu 26 Nov 2026, 09:00 to 10:00" in summary
    assert element(answer, "textarea", id="notes").text == "Shopping"


def test_the_week_has_its_days_and_links_to_the_weeks_around_it(session, make_client, clock, world):
    plan(session, world)
    session.commit()
    page = make_client(world.people["plan_holder"]).get(
        f"/rota/teams/{world.team.id}/week?start=2026-11-26"
    )
    assert page.status_code == 200
    headings = [h.text for h in elements(page, "h2")]
    assert headings[0] == "Monday 23 November" and len(headings) == 7
    assert element(page, "a", rel="prev").attrs["href"].endswith("start=2026-11-16")
    assert element(page, "a", rel="next").attrs["href"].endswith("start=2026-11-30")
    assert "Offered to Booked Worker, waiting for their answer" in page.get_data(as_text=True)
    assert "Plan one" not in page.get_data(as_text=True)  # the plan holder does not plan visits
    assert (
        make_client(world.people["leader"])
        .get(f"/rota/teams/{world.team.id}/week?start=nonsense")
        .status_code
        == 404
    )


def test_my_visits_groups_by_day_and_offers_open_visits(session, make_client, clock, world):
    plan(session, world)
    open_visit = plan(session, world, worker=None, start=AFTERNOON)
    plan(session, world, start=NOW + timedelta(days=20))  # beyond the fortnight
    session.commit()
    page = make_client(world.people["booked_worker"]).get("/rota/my-visits")
    assert [h.text for h in elements(page, "h2")][:3] == [
        "Thursday 26 November",
        "Open visits you could take",
        "Your teams' rotas",
    ]
    assert element(page, "form", action=f"/rota/visits/{open_visit.id}/join")


def test_joining_from_my_visits_and_cancelling_with_a_confirm_page(
    session, make_client, clock, world
):
    open_visit = plan(session, world, worker=None, start=MORNING)
    session.commit()
    worker = make_client(world.people["other_bookable"])
    assert (
        post_form(
            worker, f"/rota/visits/{open_visit.id}/join", {}, page="/rota/my-visits"
        ).status_code
        == 302
    )
    leader = make_client(world.people["leader"])
    confirm = leader.get(f"/rota/visits/{open_visit.id}/cancel")
    assert "Other Bookable will be told." in confirm.get_data(as_text=True)
    assert post_form(leader, f"/rota/visits/{open_visit.id}/cancel", {}).status_code == 302
    session.expire_all()
    assert session.get(Visit, open_visit.id).status == "cancelled"


def test_a_new_pattern_from_the_form(session, make_client, clock, world):
    leader = make_client(world.people["leader"])
    path = f"/rota/teams/{world.team.id}/patterns/new"
    answer = post_form(
        leader,
        path,
        {
            "frequency": "weekly",
            "weekdays": ["0", "3"],
            "start": "09:00",
            "minutes": "30",
            "starts_on": "2026-11-30",
            "ends_on": "2026-12-13",
            "worker_id": "",
        },
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)
    made = list(
        session.scalars(
            select(Visit).where(Visit.team_id == world.team.id).order_by(Visit.starts_at)
        )
    )
    assert [(v.starts_at.day, v.status) for v in made] == [
        (30, "open"),
        (3, "open"),
        (7, "open"),
        (10, "open"),
    ]
    refused = post_form(
        leader,
        path,
        {"frequency": "weekly", "start": "09:00", "minutes": "30", "starts_on": "2026-11-30"},
    )
    assert refused.status_code == 422 and "Please choose at least one day" in refused.get_data(
        as_text=True
    )
