"""The visits JSON API: shapes, RFC 3339 times with an offset, warnings in the answer, the 409
problem with the clash's times only, swaps and patterns, and `GET /api/v1/me/visits`."""

from __future__ import annotations

from datetime import timedelta

import pytest

from rota.services import visits
from teams.services import members
from tests import factories
from tests.conftest import NOW, problem
from tests.rota.test_visits import AFTERNOON, MORNING, RotaWorld, build, plan


@pytest.fixture
def world(session) -> RotaWorld:
    made = build(session)
    session.commit()
    return made


def _api(session, client, world, actor):
    token = factories.api_token(session, world.people[actor])[1]
    session.commit()

    def call(method: str, path: str, body=None):
        return client.open(
            path, method=method, json=body, headers={"Authorization": f"Bearer {token}"}
        )

    return call


def _body(start=MORNING, **extra):
    return {
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=1)).isoformat(),
        **extra,
    }


def test_planning_answers_the_visit_with_its_warnings(session, client, clock, world, monkeypatch):
    checks = visits.warning_checks()
    monkeypatch.setattr(
        visits, "warning_checks", lambda: {**checks, "zz_test": lambda *_: ["Mind the stairs."]}
    )
    call = _api(session, client, world, "rota_holder")
    answer = call(
        "POST",
        f"/api/v1/teams/{world.team.id}/visits",
        _body(worker_id=world.people["booked_worker"].id, notes="Lunch"),
    )
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert {
        k: body[k] for k in ("team_id", "worker_id", "status", "kind", "notes", "warnings")
    } == {
        "team_id": world.team.id,
        "worker_id": world.people["booked_worker"].id,
        "status": "offered",
        "kind": "visit",
        "notes": "Lunch",
        "warnings": ["Mind the stairs."],
    }
    assert body["starts_at"] == "2026-11-26T09:00:00+00:00"
    listed = call(
        "GET",
        f"/api/v1/teams/{world.team.id}/visits?from=2026-11-26T00:00:00%2B00:00&to=2026-11-27T00:00:00Z",
    )
    assert [v["id"] for v in listed.get_json()] == [body["id"]]


def test_a_time_without_an_offset_is_a_422(session, client, clock, world):
    call = _api(session, client, world, "leader")
    answer = call(
        "POST",
        f"/api/v1/teams/{world.team.id}/visits",
        {"starts_at": "2026-11-26T09:00:00", "ends_at": "2026-11-26T10:00:00"},
    )
    assert "starts_at" in problem(answer, 422)["errors"]
    assert (
        "from"
        in problem(call("GET", f"/api/v1/teams/{world.team.id}/visits?from=2026-11-26T09:00"), 422)[
            "errors"
        ]
    )


def test_a_double_booking_is_a_409_with_times_only(session, client, clock, world):
    lead = world.s(session, "other_leader", world.other_team)
    _m, token = members.invite(
        session,
        lead,
        name="W",
        email=world.people["booked_worker"].email or "",
        kind="worker",
        employment="independent",
        base_url="",
        now=NOW,
    )
    members.accept_invitation(session, world.people["booked_worker"], token, now=NOW)
    plan(session, world, team=world.other_team).notes = "Other team's private notes"
    session.commit()
    call = _api(session, client, world, "leader")
    body = problem(
        call(
            "POST",
            f"/api/v1/teams/{world.team.id}/visits",
            _body(MORNING + timedelta(minutes=30), worker_id=world.people["booked_worker"].id),
        ),
        409,
    )
    assert body["detail"] == (
        "Booked Worker is already booked Thu 26 Nov 2026, 09:00 to 10:00, so they cannot be booked "
        "for this visit too."
    )


def test_patch_changes_just_what_is_sent_and_delete_cancels(session, client, clock, world):
    visit = plan(session, world)
    session.commit()
    call = _api(session, client, world, "leader")
    answer = call("PATCH", f"/api/v1/visits/{visit.id}", {"notes": "Bring milk"})
    assert (
        answer.status_code == 200
        and answer.get_json()["worker_id"] == world.people["booked_worker"].id
    )
    answer = call("PATCH", f"/api/v1/visits/{visit.id}", {"worker_id": None})
    assert (answer.get_json()["status"], answer.get_json()["worker_id"]) == ("open", None)
    assert call("DELETE", f"/api/v1/visits/{visit.id}").status_code == 204
    assert call("GET", f"/api/v1/visits/{visit.id}").get_json()["status"] == "cancelled"


def test_a_swap_through_the_api(session, client, clock, world):
    visit = plan(session, world)
    session.commit()
    worker = _api(session, client, world, "booked_worker")
    assert worker("POST", f"/api/v1/visits/{visit.id}/accept").get_json()["status"] == "accepted"
    asked = worker(
        "POST",
        f"/api/v1/visits/{visit.id}/swaps",
        {"to_user_id": world.people["other_bookable"].id},
    )
    assert asked.status_code == 201 and asked.get_json()["status"] == "asked"
    swap_id = asked.get_json()["id"]
    other = _api(session, client, world, "other_bookable")
    assert other("POST", f"/api/v1/swaps/{swap_id}/accept").get_json()["status"] == "accepted"
    holder = _api(session, client, world, "rota_holder")
    assert holder("POST", f"/api/v1/swaps/{swap_id}/approve").get_json()["status"] == "approved"
    assert (
        other("GET", f"/api/v1/visits/{visit.id}").get_json()["worker_id"]
        == world.people["other_bookable"].id
    )
    problem(holder("POST", f"/api/v1/swaps/{swap_id}/approve"), 409)


def test_patterns_and_my_visits(session, client, clock, world):
    call = _api(session, client, world, "leader")
    answer = call(
        "POST",
        f"/api/v1/teams/{world.team.id}/patterns",
        {
            "frequency": "weekly",
            "weekdays": [3],
            "local_start": "09:00",
            "minutes": 60,
            "starts_on": "2026-11-26",
            "ends_on": "2026-12-10",
            "worker_id": world.people["booked_worker"].id,
        },
    )
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["warnings"] == [] and answer.get_json()["local_start"] == "09:00"
    assert [p["id"] for p in call("GET", f"/api/v1/teams/{world.team.id}/patterns").get_json()] == [
        answer.get_json()["id"]
    ]
    plan(session, world, worker=None, start=AFTERNOON)
    session.commit()
    mine = _api(session, client, world, "booked_worker")(
        "GET", "/api/v1/me/visits?from=2026-11-25T00:00:00Z"
    )
    assert [(v["starts_at"][:10], v["status"]) for v in mine.get_json()] == [
        ("2026-11-26", "offered"),
        ("2026-11-27", "open"),
        ("2026-12-03", "offered"),
    ]


def test_staff_outside_the_team_see_times_but_not_what_a_visit_is_for(
    session, client, clock, world
):
    visit = plan(session, world)
    visit.notes = "Help with a bath"
    session.commit()
    shown = _api(session, client, world, "facilitator")(
        "GET", f"/api/v1/visits/{visit.id}"
    ).get_json()
    assert shown["notes"] == "" and shown["starts_at"]
