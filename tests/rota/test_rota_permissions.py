"""The rota's permission table: every action, for every kind of actor, through the pages and
through the JSON API. Everyone not allowed is refused: a 404 where they may not see the team
(so ids leak nothing), a 403 where they can see it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from rota.services import swaps, visits
from tests import factories
from tests.conftest import csrf_token
from tests.rota.test_visits import ACTORS, AFTERNOON, MORNING, RotaWorld, build, plan

PLANNERS = {"leader", "representative", "rota_holder"}
MEMBERS = {
    "leader",
    "representative",
    "rota_holder",
    "plan_holder",
    "booked_worker",
    "other_bookable",
    "not_bookable",
}
OUTSIDERS = {"worker_elsewhere", "stranger"}  # may not see the team: always a 404

ALLOWED: dict[str, set[str]] = {
    "view_week": MEMBERS | {"facilitator"},
    "view_visit": MEMBERS | {"facilitator"},
    "plan": PLANNERS,
    "accept": {"booked_worker"},
    "decline": {"booked_worker"},
    "join": {"booked_worker", "other_bookable"},
    "change": PLANNERS,
    "cancel": PLANNERS,
    "pattern": PLANNERS,
    "swap_ask": {"booked_worker"},
    "swap_accept": {"other_bookable"},
    "swap_approve": PLANNERS,
}
LATER = MORNING + timedelta(days=7)


@dataclass
class Scene:
    world: RotaWorld
    offered: int  # offered to the booked worker
    open: int
    accepted: int  # the booked worker's, accepted
    asked: int  # a swap of another accepted visit, asked of the other bookable member
    agreed: int  # a swap the other bookable member said yes to


def _scene(session: Any) -> Scene:
    world = build(session)
    w = world.s(session, "booked_worker")
    offered = plan(session, world)
    open_visit = plan(session, world, worker=None, start=AFTERNOON)
    accepted, for_asked, for_agreed = (
        plan(session, world, start=MORNING + timedelta(days=d)) for d in (3, 4, 5)
    )
    for v in (accepted, for_asked, for_agreed):
        visits.answer_visit(session, w, v, yes=True, now=world_now())
    other = world.people["other_bookable"].id
    asked = swaps.ask_swap(session, w, for_asked, to_user_id=other, now=world_now())
    agreed = swaps.ask_swap(session, w, for_agreed, to_user_id=other, now=world_now())
    swaps.answer_swap(
        session, world.s(session, "other_bookable"), agreed, yes=True, now=world_now()
    )
    session.commit()
    return Scene(world, offered.id, open_visit.id, accepted.id, asked.id, agreed.id)


def world_now() -> Any:
    from tests.conftest import NOW

    return NOW


def _page_request(scene: Scene, action: str) -> tuple[str, str, dict[str, str]]:
    w, t = scene.world, scene.world.team.id
    day = LATER.date().isoformat()
    form = {"day": day, "start": "09:00", "minutes": "60", "worker_id": "", "kind": "visit"}
    return {
        "view_week": ("GET", f"/rota/teams/{t}/week", {}),
        "view_visit": ("GET", f"/rota/visits/{scene.offered}", {}),
        "plan": ("POST", f"/rota/teams/{t}/visits/new", form),
        "accept": ("POST", f"/rota/visits/{scene.offered}/answer", {"answer": "yes"}),
        "decline": ("POST", f"/rota/visits/{scene.offered}/answer", {"answer": "no"}),
        "join": ("POST", f"/rota/visits/{scene.open}/join", {}),
        "change": (
            "POST",
            f"/rota/visits/{scene.offered}/change",
            {**form, "which": "this", "day": MORNING.date().isoformat()},
        ),
        "cancel": ("POST", f"/rota/visits/{scene.offered}/cancel", {}),
        "pattern": (
            "POST",
            f"/rota/teams/{t}/patterns/new",
            {
                "frequency": "weekly",
                "weekdays": "1",
                "start": "09:00",
                "minutes": "60",
                "starts_on": day,
                "worker_id": "",
            },
        ),
        "swap_ask": (
            "POST",
            f"/rota/visits/{scene.accepted}/swaps",
            {"to_user_id": str(w.people["other_bookable"].id)},
        ),
        "swap_accept": ("POST", f"/rota/swaps/{scene.asked}/answer", {"answer": "yes"}),
        "swap_approve": ("POST", f"/rota/swaps/{scene.agreed}/approve", {"answer": "yes"}),
    }[action]


def _api_request(scene: Scene, action: str) -> tuple[str, str, dict[str, Any] | None]:
    w, t = scene.world, scene.world.team.id
    start = LATER.isoformat()
    return {
        "view_week": ("GET", f"/api/v1/teams/{t}/visits", None),
        "view_visit": ("GET", f"/api/v1/visits/{scene.offered}", None),
        "plan": (
            "POST",
            f"/api/v1/teams/{t}/visits",
            {
                "starts_at": start,
                "ends_at": (LATER + timedelta(hours=1)).isoformat(),
                "worker_id": None,
            },
        ),
        "accept": ("POST", f"/api/v1/visits/{scene.offered}/accept", None),
        "decline": ("POST", f"/api/v1/visits/{scene.offered}/decline", None),
        "join": ("POST", f"/api/v1/visits/{scene.open}/join", None),
        "change": ("PATCH", f"/api/v1/visits/{scene.offered}", {"notes": "Bring the post in"}),
        "cancel": ("DELETE", f"/api/v1/visits/{scene.offered}", None),
        "pattern": (
            "POST",
            f"/api/v1/teams/{t}/patterns",
            {
                "frequency": "weekly",
                "weekdays": [1],
                "local_start": "09:00",
                "minutes": 60,
                "starts_on": LATER.date().isoformat(),
            },
        ),
        "swap_ask": (
            "POST",
            f"/api/v1/visits/{scene.accepted}/swaps",
            {"to_user_id": w.people["other_bookable"].id},
        ),
        "swap_accept": ("POST", f"/api/v1/swaps/{scene.asked}/accept", None),
        "swap_approve": ("POST", f"/api/v1/swaps/{scene.agreed}/approve", {}),
    }[action]


def _outcomes(
    session: Any, actors: tuple[str, ...], attempt: Callable[[str], int]
) -> dict[str, int]:
    found = {}
    for actor in actors:
        nested = session.begin_nested()
        session.connection()  # the SAVEPOINT now, before the requests, not when first needed
        try:
            found[actor] = attempt(actor)
        finally:
            nested.rollback()
    return found


def _judge(action: str, outcomes: dict[str, int], ok: set[int]) -> None:
    allowed = {a for a, status in outcomes.items() if status in ok}
    assert allowed == ALLOWED[action], outcomes
    for actor, status in outcomes.items():
        if actor in OUTSIDERS:
            assert status == 404, (actor, outcomes)
        elif actor not in ALLOWED[action]:
            assert status == 403, (actor, outcomes)


@pytest.mark.parametrize("action", sorted(ALLOWED))
def test_pages(session, make_client, clock, action):
    scene = _scene(session)
    method, path, data = _page_request(scene, action)

    def attempt(actor: str) -> int:
        client: FlaskClient = make_client(scene.world.people[actor])
        if method == "GET":
            return client.get(path).status_code
        token = csrf_token(client, "/")
        return client.post(path, data={"csrf_token": token, **data}).status_code

    _judge(action, _outcomes(session, ACTORS, attempt), {200, 302})


@pytest.mark.parametrize("action", sorted(ALLOWED))
def test_api(session, client, clock, action):
    scene = _scene(session)
    tokens = {a: factories.api_token(session, scene.world.people[a])[1] for a in ACTORS}
    session.commit()
    method, path, body = _api_request(scene, action)

    def attempt(actor: str) -> int:
        headers = {"Authorization": f"Bearer {tokens[actor]}"}
        answer = client.open(path, method=method, json=body, headers=headers)
        if answer.status_code >= 400:
            assert answer.mimetype == "application/problem+json", answer.get_data(as_text=True)
        return answer.status_code

    _judge(action, _outcomes(session, ACTORS, attempt), {200, 201, 204})


def test_a_visit_id_that_does_not_exist_or_is_out_of_range_is_a_404(session, make_client, clock):
    scene = _scene(session)
    leader = make_client(scene.world.people["leader"])
    for path in ("/rota/visits/999999999", f"/rota/visits/{2**63}", "/api/v1/visits/999999999"):
        assert leader.get(path).status_code == 404, path
