"""The matching permission table (permissions.py) through the JSON API, for every kind of actor
and every action the API has: allowed actions succeed, the rest are refused (403, 404 or 409 as
the service says), and whatever someone may not see is a 404 that tells them nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests import factories
from tests.conftest import NOW, adopt, build_once
from tests.teams.matching.permissions import ALLOWED, RULES
from tests.teams.matching.world import ACTORS, World, build, profile_values

OK = {200, 201, 204}
Call = tuple[str, str, dict[str, Any] | None]


def _facts(world: World) -> dict[str, Any]:
    """Plain values read once, so that the loop below never touches the test's ORM session."""
    return {
        "team": world.team.id,
        "team_name": world.team.name,
        "leader_name": world.people["leader"].display_name,
        "opening": {stage: o.id for stage, o in world.openings.items()},
        "interest": {stage: i.id for stage, i in world.interests.items()},
        "trial": {stage: t.id for stage, t in world.trials.items()},
        "worker": world.people["vetted_worker"].id,
        "opening_values": world.opening_values("Changed"),
        "profile": profile_values(world.places, world.skills),
    }


def _calls(f: dict[str, Any]) -> dict[str, Call]:
    team, opening, interest, trial = f["team"], f["opening"], f["interest"], f["trial"]
    fresh = opening["fresh"]
    start = NOW.replace(hour=14) + timedelta(days=4)
    return {
        "view_team_openings": ("get", f"/teams/{team}/openings", None),
        "create_opening": ("post", f"/teams/{team}/openings", f["opening_values"]),
        "edit_opening": ("put", f"/teams/{team}/openings/{fresh}", f["opening_values"]),
        "close_opening": ("post", f"/teams/{team}/openings/{fresh}/close", {"filled": False}),
        "view_suggestions_for_opening": ("get", f"/openings/{fresh}/suggestions", None),
        "view_interests_in_opening": ("get", f"/interests?opening_id={opening['mutual']}", None),
        "express_interest_for_team": (
            "post",
            "/interests",
            {"opening_id": fresh, "worker_id": f["worker"]},
        ),
        "express_interest_as_worker": ("post", "/interests", {"opening_id": fresh}),
        "browse_openings_as_worker": ("get", "/openings", None),
        "view_opening_as_worker": ("get", f"/openings/{fresh}", None),
        "view_my_suggestions": ("get", "/workers/me/suggestions", None),
        "keep_own_profile": ("put", "/workers/me", f["profile"]),
        "view_worker_profile": ("get", f"/workers/{f['worker']}", None),
        "answer_for_team": (
            "post",
            f"/interests/{interest['worker_asked']}/answer",
            {"answer": "yes"},
        ),
        "answer_as_worker": (
            "post",
            f"/interests/{interest['team_asked']}/answer",
            {"answer": "yes"},
        ),
        "view_interest": ("get", f"/interests/{interest['mutual']}", None),
        "propose_trial": (
            "post",
            f"/interests/{interest['mutual']}/trial",
            {"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=2)).isoformat()},
        ),
        "agree_trial_the_team_proposed": ("post", f"/trials/{trial['trial_by_team']}/agree", None),
        "agree_trial_the_worker_proposed": (
            "post",
            f"/trials/{trial['trial_by_worker']}/agree",
            None,
        ),
        "decide_after_trial": (
            "post",
            f"/trials/{trial['trial_over']}/decision",
            {"decision": "carry_on"},
        ),
        "stop": ("post", f"/interests/{interest['mutual']}/stop", {}),
    }


def _api_actions() -> list[str]:
    """The actions the API has; the rest (the co-op's side) are pages only."""
    stub: dict[str, Any] = {
        "team": 1,
        "worker": 1,
        "opening_values": {},
        "profile": {},
        "opening": dict.fromkeys(("fresh", "mutual"), 1),
        "interest": dict.fromkeys(("worker_asked", "team_asked", "mutual"), 1),
        "trial": dict.fromkeys(("trial_by_team", "trial_by_worker", "trial_over"), 1),
    }
    return sorted(_calls(stub))


def _call(client: Any, f: dict[str, Any], actor: str, action: str, token: str) -> bool:
    method, path, body = _calls(f)[action]
    answer = getattr(client, method)(
        "/api/v1" + path, json=body, headers={"Authorization": f"Bearer {token}"}
    )
    text = answer.get_data(as_text=True)
    if actor in RULES[action].hidden_from:
        assert answer.status_code == 404, (action, actor, answer.status_code, text)
        assert answer.content_type == "application/problem+json"
        assert f["team_name"] not in text and f["leader_name"] not in text
    if answer.status_code not in OK:
        assert answer.status_code in (403, 404, 409), (action, actor, answer.status_code, text)
        return False
    return True


pytestmark = pytest.mark.shared_world


@pytest.fixture(scope="module")
def built(module_db) -> World:
    return build_once(module_db, build, NOW)


@pytest.fixture
def world(session, built) -> World:
    return adopt(session, built)


def test_the_api_covers_every_action_but_the_co_ops_own():
    co_op = {"record_check", "pause_worker", "read_notes", "view_figures"}
    co_op |= {"view_equality_monitor", "keep_lists"}
    assert set(_api_actions()) == set(RULES) - co_op


@pytest.mark.parametrize("action", _api_actions())
def test_each_api_action_is_allowed_for_exactly_the_right_people(app, db, session, world, action):
    tokens = {actor: factories.api_token(session, world.people[actor])[1] for actor in ACTORS}
    facts = _facts(world)
    session.commit()
    allowed = set()
    for actor in ACTORS:
        # Each actor starts from the same world: a savepoint on the shared connection itself.
        assert db.test_connection is not None
        nested = db.test_connection.begin_nested()
        try:
            if _call(app.test_client(), facts, actor, action, tokens[actor]):
                allowed.add(actor)
        finally:
            nested.rollback()
    assert allowed == ALLOWED[action]
