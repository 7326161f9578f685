"""The matching JSON API: the whole state machine walked by two people with their own API tokens,
from "I'd like to meet" to joining the team; suggestions both ways; profiles; and what the API
never says (a note, a lawful requirement, an equality answer, or whose team it is too early)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from rota.models import Visit
from teams.matching import profiles
from teams.matching.models import MatchNote
from teams.models import Membership
from tests import factories
from tests.conftest import NOW, Clock, problem
from tests.teams.matching.world import World, build, profile_values

INTEREST_KEYS = {"id", "opening_id", "worker_id", "state", "started_by", "trial"}
SECRET_NOTE = "NOTE-FOR-THE-CO-OP-ONLY"


class Api:
    """A client that speaks for one person with their personal API token."""

    def __init__(self, app: Flask, secret: str) -> None:
        self.client = app.test_client()
        self.headers = {"Authorization": f"Bearer {secret}"}

    def __getattr__(self, method: str) -> Any:
        def call(path: str, **kwargs: Any) -> Any:
            return getattr(self.client, method)("/api/v1" + path, headers=self.headers, **kwargs)

        return call


@dataclass
class Scene:
    world: World
    app: Flask
    session: Session
    _apis: dict[str, Api] = field(default_factory=dict)

    def api(self, who: str, scope: str = "read-write") -> Api:
        key = f"{who}:{scope}"
        if key not in self._apis:
            _token, secret = factories.api_token(self.session, self.world.people[who], scope=scope)
            self.session.commit()
            self._apis[key] = Api(self.app, secret)
        return self._apis[key]

    def id(self, who: str) -> int:
        return self.world.people[who].id


@pytest.fixture
def scene(app: Flask, session: Session, clock: Clock) -> Scene:
    world = build(session, NOW)
    session.commit()
    return Scene(world, app, session)


def _ok(answer: Any, status: int = 200) -> Any:
    assert answer.status_code == status, (answer.status_code, answer.get_data(as_text=True))
    return answer.get_json()


def test_the_whole_way_from_id_like_to_meet_to_joining_the_team(scene, session, clock):
    worker, leader = scene.api("vetted_worker"), scene.api("leader")
    opening_id, team_id = scene.world.openings["fresh"].id, scene.world.team.id

    suggested = _ok(worker.get("/workers/me/suggestions"))
    assert opening_id in [s["opening_id"] for s in suggested]
    before = _ok(worker.get(f"/openings/{opening_id}"))
    assert before["team"] is None and "Leader" not in str(before)

    interest = _ok(worker.post("/interests", json={"opening_id": opening_id}), 201)
    assert interest.keys() == INTEREST_KEYS
    assert (interest["state"], interest["started_by"], interest["trial"]) == (
        "interested",
        "worker",
        None,
    )
    in_touch = _ok(leader.get(f"/interests?opening_id={opening_id}"))
    assert [i["id"] for i in in_touch] == [interest["id"]]
    assert _ok(leader.get(f"/workers/{scene.id('vetted_worker')}"))["name"] == "Vetted Worker"

    mutual = _ok(leader.post(f"/interests/{interest['id']}/answer", json={"answer": "yes"}))
    assert mutual["state"] == "mutual"
    after = _ok(worker.get(f"/openings/{opening_id}"))
    assert after["team"] == {"id": team_id, "name": "Leader's team", "leader_name": "Leader"}

    proposed = _ok(
        leader.post(
            f"/interests/{interest['id']}/trial",
            json={"starts_at": "2026-11-26T10:00:00+00:00", "ends_at": "2026-11-26T11:30:00+00:00"},
        )
    )
    trial = proposed["trial"]
    assert trial["status"] == "proposed" and trial["starts_at"] == "2026-11-26T10:00:00+00:00"

    agreed = _ok(worker.post(f"/trials/{trial['id']}/agree"))
    assert agreed["state"] == "trial" and agreed["trial"]["status"] == "agreed"
    session.expire_all()
    visit = session.scalars(
        select(Visit).where(Visit.team_id == team_id, Visit.kind == "trial", Visit.starts_at > NOW)
    ).one()
    assert (visit.worker_id, visit.status) == (scene.id("vetted_worker"), "accepted")
    assert visit.starts_at == NOW.replace(day=26)
    assert visit.ends_at - visit.starts_at == timedelta(minutes=90)

    early = leader.post(f"/trials/{trial['id']}/decision", json={"decision": "carry_on"})
    assert "once the trial visit is over" in problem(early, 409)["detail"]

    clock.advance(days=2)
    half = _ok(leader.post(f"/trials/{trial['id']}/decision", json={"decision": "carry_on"}))
    assert half["state"] == "trial"
    joined = _ok(worker.post(f"/trials/{trial['id']}/decision", json={"decision": "carry_on"}))
    assert joined["state"] == "member" and joined["trial"]["status"] == "ended"
    session.expire_all()
    membership = session.scalars(
        select(Membership).where(
            Membership.team_id == team_id, Membership.user_id == scene.id("vetted_worker")
        )
    ).one()
    assert (membership.status, membership.kind, membership.bookable) == ("active", "worker", True)
    mine = _ok(worker.get("/interests"))
    assert {i["id"]: i["state"] for i in mine}[interest["id"]] == "member"


def test_the_team_can_start_and_the_worker_can_answer(scene):
    introducer, worker = scene.api("introducer"), scene.api("vetted_worker")
    body = {"opening_id": scene.world.openings["fresh"].id, "worker_id": scene.id("vetted_worker")}
    started = _ok(introducer.post("/interests", json=body), 201)
    # The introducer suggests the worker to the leader; the worker is not told until she agrees.
    assert (started["started_by"], started["state"]) == ("team", "suggested")
    problem(worker.post(f"/interests/{started['id']}/answer", json={"answer": "yes"}), 404)
    problem(introducer.post(f"/interests/{started['id']}/answer", json={"answer": "yes"}), 403)
    taken_up = _ok(
        scene.api("leader").post(f"/interests/{started['id']}/answer", json={"answer": "yes"})
    )
    assert taken_up["state"] == "interested"
    problem(
        scene.api("leader").post(f"/interests/{started['id']}/answer", json={"answer": "yes"}), 409
    )
    answered = _ok(worker.post(f"/interests/{started['id']}/answer", json={"answer": "yes"}))
    assert answered["state"] == "mutual"


def test_a_time_without_an_offset_is_refused(scene):
    interest_id = scene.world.interests["mutual"].id
    answer = scene.api("leader").post(
        f"/interests/{interest_id}/trial",
        json={"starts_at": "2026-11-27T10:00:00", "ends_at": "2026-11-27T12:00:00+00:00"},
    )
    assert "starts_at" in problem(answer, 422)["errors"]


def test_an_interest_never_carries_a_note_or_a_lawful_requirement(scene, session):
    worker, leader = scene.api("vetted_worker"), scene.api("leader")
    asked = scene.world.interests["worker_asked"].id
    said_no = leader.post(
        f"/interests/{asked}/answer",
        json={"answer": "no", "note": SECRET_NOTE, "lawful_requirement": "shared_language"},
    )
    # A lawful stated requirement is the team's to record, not the worker's.
    refused = worker.post(
        f"/interests/{scene.world.interests['mutual'].id}/stop",
        json={"note": SECRET_NOTE + "-2", "lawful_requirement": "other_lawful"},
    )
    assert "lawful_requirement" in problem(refused, 422)["errors"]
    stopped = worker.post(
        f"/interests/{scene.world.interests['mutual'].id}/stop",
        json={"note": SECRET_NOTE + "-2"},
    )
    assert _ok(said_no)["state"] == "declined" and _ok(stopped)["state"] == "stopped"
    lists = [
        worker.get("/interests"),
        leader.get(f"/interests?opening_id={scene.world.openings['worker_asked'].id}"),
        leader.get(f"/interests/{asked}"),
        worker.get(f"/interests/{asked}"),
    ]
    for answer in [said_no, stopped, *lists]:
        text = _ok(answer).__repr__() + answer.get_data(as_text=True)
        for secret in (SECRET_NOTE, "shared_language", "other_lawful", "note", "lawful"):
            assert secret not in text
    for item in _ok(lists[0]):
        assert item.keys() == INTEREST_KEYS
    session.expire_all()
    assert len(session.scalars(select(MatchNote)).all()) == 2  # kept for the co-op only


def test_suggestions_for_a_team_name_the_worker_with_reasons(scene):
    found = _ok(
        scene.api("leader").get(f"/openings/{scene.world.openings['fresh'].id}/suggestions")
    )
    assert [s["worker_id"] for s in found] == [scene.id("vetted_worker")]  # checks filter the rest
    (one,) = found
    assert one.keys() == {"worker_id", "name", "score", "miles", "reasons"}
    assert one["name"] == "Vetted Worker" and one["miles"] == 0.6
    assert "speaks Urdu" in one["reasons"]


def test_suggestions_for_a_worker_give_the_title_and_neighbourhood_only(scene):
    found = _ok(scene.api("vetted_worker").get("/workers/me/suggestions"))
    fresh = next(s for s in found if s["opening_id"] == scene.world.openings["fresh"].id)
    assert fresh.keys() == {"opening_id", "name", "neighbourhood", "score", "miles", "reasons"}
    assert (fresh["name"], fresh["neighbourhood"]) == ("Opening: fresh", "Southside")
    assert "Leader" not in str(found)


def test_a_worker_keeps_their_profile_and_bad_values_are_refused_by_field(scene):
    api = scene.api("stranger")
    problem(api.get("/workers/me"), 404)
    bad = {**profile_values(scene.world.places, scene.world.skills), "travel_miles": 500}
    assert "travel_miles" in problem(api.put("/workers/me", json=bad), 422)["errors"]
    good = {**bad, "travel_miles": 4, "languages": ["Welsh", " welsh "]}
    saved = _ok(api.put("/workers/me", json=good))
    assert (saved["id"], saved["travel_miles"], saved["languages"]) == (
        scene.id("stranger"),
        4,
        ["welsh"],
    )
    assert _ok(api.get("/workers/me")) == saved


def test_equality_answers_never_appear(scene, session):
    person = scene.world.people["vetted_worker"]
    profiles.save_equality_answers(session, person, {"religion": "buddhist"}, now=NOW)
    session.commit()
    for who, path in (
        ("vetted_worker", "/workers/me"),
        ("leader", f"/workers/{person.id}"),
        ("facilitator", f"/workers/{person.id}"),
    ):
        text = _ok(scene.api(who).get(path)).__repr__()
        assert "buddhist" not in text and "religion" not in text


def test_a_read_only_token_cannot_write(scene):
    api = scene.api("vetted_worker", scope="read")
    assert _ok(api.get("/interests"))
    opening_id = scene.world.openings["fresh"].id
    problem(api.post("/interests", json={"opening_id": opening_id}), 403)


def test_an_id_outside_64_bits_is_not_there(scene):
    api = scene.api("leader")
    problem(api.get(f"/interests?opening_id={2**63}"), 404)
    problem(api.post("/interests", json={"opening_id": 2**63}), 422)
    problem(api.get(f"/openings/{2**63}"), 404)


def test_the_openapi_document_lists_the_matching_paths(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in (
        "/api/v1/workers/me",
        "/api/v1/workers/{worker_id}",
        "/api/v1/teams/{team_id}/openings",
        "/api/v1/openings/{opening_id}",
        "/api/v1/openings/{opening_id}/suggestions",
        "/api/v1/workers/me/suggestions",
        "/api/v1/interests",
        "/api/v1/interests/{interest_id}/answer",
        "/api/v1/interests/{interest_id}/trial",
        "/api/v1/interests/{interest_id}/stop",
        "/api/v1/trials/{trial_id}/agree",
        "/api/v1/trials/{trial_id}/decision",
    ):
        assert path in paths, path
    assert set(paths["/api/v1/workers/me"]) >= {"get", "put"}
    assert set(paths["/api/v1/teams/{team_id}/openings"]) >= {"get", "post"}
