"""The teams permission table (tests/teams/permissions.py) through the JSON API, for every kind
of actor: allowed actions succeed, the rest are refused, and a team someone may not see is a
404 that tells them nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests import factories
from tests.conftest import NOW
from tests.teams.permissions import ALLOWED
from tests.teams.world import ACTORS, World, build

OK = {200, 201, 204}


def _facts(world: World) -> dict[str, Any]:
    """Plain values read once, so that the loop below never touches the test's ORM session
    (which would open a savepoint of its own inside each actor's)."""
    assert world.note is not None
    return {
        "team": world.team.id,
        "team_name": world.team.name,
        "note": world.note.id,
        "token": world.invite_token,
        "m": {name: mm.id for name, mm in world.memberships.items()},
    }


def _call(client: Any, f: dict[str, Any], actor: str, action: str, headers: dict[str, str]) -> bool:
    team, m = f["team"], f["m"]
    base = f"/api/v1/teams/{team}"
    review = "2027-06-30"
    calls: dict[str, tuple[str, str, dict[str, Any] | None, dict[str, str]]] = {
        "view_team": ("get", base, None, {}),
        "invite": (
            "post",
            f"{base}/members",
            {"name": "New", "email": "new.person@example.org", "kind": "neighbour"},
            {},
        ),
        "accept_invitation_sent_to_someone_else": (
            "post",
            f"/api/v1/invitations/{f['token']}/accept",
            None,
            {},
        ),
        "propose": (
            "post",
            f"{base}/proposals",
            {
                "name": "Friend",
                "email": "friend@example.org",
                "kind": "volunteer",
                "reason": "Lives nearby",
            },
            {},
        ),
        "offer_hat": (
            "post",
            f"{base}/members/{m['plain_member']}/hats",
            {"hat": "introducer", "scope": "Any", "review_on": review},
            {},
        ),
        "offer_representative_hat": (
            "post",
            f"{base}/members/{m['plain_member']}/hats",
            {
                "hat": "representative",
                "scope": "Any",
                "review_on": review,
                "legal_basis": "own_choice",
            },
            {},
        ),
        "accept_hat_offered_to_plain_member": (
            "post",
            f"{base}/members/{m['plain_member']}/hats/medication_holder/accept",
            None,
            {},
        ),
        "take_back_rota_hat": (
            "delete",
            f"{base}/members/{m['rota_holder']}/hats/rota_holder",
            None,
            {},
        ),
        "put_down_rota_hat": (
            "delete",
            f"{base}/members/{m['rota_holder']}/hats/rota_holder",
            None,
            {},
        ),
        "view_plan": ("get", f"{base}/plan", None, {}),
        "edit_plan": (
            "put",
            f"{base}/plan",
            {"sections": {"about_me": "new"}},
            {"If-Match": '"1"'},
        ),
        "view_private_note": ("get", f"{base}/notes", None, {}),
        "view_access_page": ("get", f"{base}/access-log", None, {}),
    }
    method, path, body, extra = calls[action]
    answer = getattr(client, method)(path, json=body, headers={**headers, **extra})
    # (An invitation link is its own key: whoever holds it is told why it is not theirs.)
    if (
        actor in ("worker_elsewhere", "stranger")
        and action != "accept_invitation_sent_to_someone_else"
    ):
        assert answer.status_code == 404, (action, actor, answer.status_code)
        assert answer.content_type == "application/problem+json"
        assert f["team_name"] not in answer.get_data(as_text=True)
    if answer.status_code not in OK:
        assert answer.status_code in (403, 404, 409, 422), (
            action,
            actor,
            answer.status_code,
            answer.get_json(),
        )
        return False
    if action == "view_private_note":
        return f["note"] in [n["id"] for n in answer.get_json()]
    if action in ("take_back_rota_hat", "put_down_rota_hat"):
        # One DELETE: the wearer puts the hat down, the leader takes it back.
        wanted = "taken_back" if action == "take_back_rota_hat" else "put_down"
        return bool(answer.get_json()["status"] == wanted)
    return True


@pytest.fixture
def world(session) -> World:
    built = build(session, NOW)
    session.commit()
    return built


@pytest.mark.parametrize("action", sorted(ALLOWED))
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
            if _call(
                app.test_client(),
                facts,
                actor,
                action,
                {"Authorization": f"Bearer {tokens[actor]}"},
            ):
                allowed.add(actor)
        finally:
            nested.rollback()
    assert allowed == ALLOWED[action]
