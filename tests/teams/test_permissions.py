"""Every teams action, for every kind of actor, through the service layer (the pages and the
API share it; their own table tests are in test_pages_permissions.py and test_api.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy.orm import Session

from coop.errors import Forbidden, NotFound
from teams.services import hats, members, records
from teams.services.standing import find_team
from tests.conftest import NOW
from tests.teams.permissions import ALLOWED
from tests.teams.world import ACTORS, World, build

REVIEW = date(2027, 6, 30)


def _act(session: Session, world: World, actor: str, action: str) -> None:
    user = world.people[actor]
    s = find_team(session, user, world.team.id, NOW)
    m = world.memberships
    run: dict[str, Callable[[], object]] = {
        "view_team": lambda: members.members(session, s.team),
        "invite": lambda: members.invite(
            session,
            s,
            name="New",
            email="new.person@example.org",
            kind="neighbour",
            base_url="",
            now=NOW,
        ),
        "accept_invitation_sent_to_someone_else": lambda: members.accept_invitation(
            session, user, world.invite_token, now=NOW
        ),
        "propose": lambda: members.propose(
            session,
            s,
            name="Friend",
            email="friend@example.org",
            kind="volunteer",
            reason="Lives nearby and is kind",
            now=NOW,
        ),
        "offer_hat": lambda: hats.offer_hat(
            session,
            s,
            m["plain_member"].id,
            hat="introducer",
            scope_text="Any",
            review_on=REVIEW,
            now=NOW,
        ),
        "offer_representative_hat": lambda: hats.offer_hat(
            session,
            s,
            m["plain_member"].id,
            hat="representative",
            scope_text="Any",
            review_on=REVIEW,
            legal_basis="own_choice",
            now=NOW,
        ),
        "accept_hat_offered_to_plain_member": lambda: hats.answer_hat(
            session, s, m["plain_member"].id, "medication_holder", yes=True, now=NOW
        ),
        "take_back_rota_hat": lambda: hats.take_back_hat(
            session, s, m["rota_holder"].id, "rota_holder", now=NOW
        ),
        "put_down_rota_hat": lambda: hats.put_down_hat(
            session, s, m["rota_holder"].id, "rota_holder", now=NOW
        ),
        "view_plan": lambda: records.read_plan(session, s, NOW),
        "edit_plan": lambda: records.save_plan(
            session, s, {"about_me": "new"}, base_version=1, now=NOW
        ),
        "view_private_note": lambda: _see_note(session, s, world),
        "view_access_page": lambda: records.access_log(session, s, NOW),
    }
    run[action]()


def _see_note(session: Session, s, world: World) -> None:
    assert world.note is not None
    if world.note.id not in [n.id for n in records.visible_notes(session, s)]:
        raise NotFound("not visible")
    records.find_note(session, s, world.note.id)


@pytest.fixture
def world(session: Session) -> World:
    return build(session, NOW)


@pytest.mark.parametrize("action", sorted(ALLOWED))
def test_each_action_is_allowed_for_exactly_the_right_people(session, world, action):
    outcomes = {}
    for actor in ACTORS:
        nested = session.begin_nested()
        try:
            _act(session, world, actor, action)
            outcomes[actor] = "allowed"
        except (NotFound, Forbidden) as exc:
            outcomes[actor] = type(exc).__name__
        finally:
            nested.rollback()
    allowed = {actor for actor, outcome in outcomes.items() if outcome == "allowed"}
    assert allowed == ALLOWED[action], outcomes
    for actor in ("worker_elsewhere", "stranger"):
        assert outcomes[actor] == "NotFound", f"{actor} must not learn the team exists"


def test_the_invited_person_can_accept_their_own_invitation(session, world):
    joined = members.accept_invitation(session, world.invitee, world.invite_token, now=NOW)
    assert joined.status == "active" and joined.user_id == world.invitee.id
