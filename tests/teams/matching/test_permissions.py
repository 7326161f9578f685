"""Every matching action, for every kind of actor, through the services (which the pages and the
API share), and again through the pure predicates of `teams.matching.policy`. The table is in
permissions.py; the API's own run of it is in test_api_permissions.py."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session

from coop.db import Database
from coop.errors import Conflict, Forbidden, NotFound
from teams.matching import (
    consent,
    conversations,
    openings,
    policy,
    profiles,
    suggestions,
    vetting,
    workers,
)
from teams.policy import Standing
from teams.services.standing import find_team, require, standing
from tests.conftest import NOW, adopt, build_once
from tests.teams.matching.permissions import ALLOWED, RULES
from tests.teams.matching.world import ACTORS, World, build, profile_values

Run = Callable[[], object]


def _services(session: Session, world: World, actor: str) -> dict[str, Run]:
    """Each action as one call of the services, as `actor`, at NOW."""
    user = world.people[actor]
    fresh = world.openings["fresh"]
    worker = world.people["vetted_worker"]

    def with_team(call: Callable[[Standing], object]) -> Run:
        """The team as the actor sees it first: a team they may not see is not there."""
        return lambda: call(find_team(session, user, world.team.id, NOW))

    return {
        "view_team_openings": with_team(lambda s: openings.team_openings(session, s)),
        "create_opening": with_team(
            lambda s: openings.create_opening(session, s, world.opening_values("New"), now=NOW)
        ),
        "edit_opening": with_team(
            lambda s: openings.update_opening(
                session, s, fresh.id, world.opening_values("Changed"), now=NOW
            )
        ),
        "close_opening": with_team(
            lambda s: openings.close_opening(session, s, fresh.id, filled=False, now=NOW)
        ),
        "view_suggestions_for_opening": with_team(
            lambda s: suggestions.for_opening(session, s, fresh.id, now=NOW)
        ),
        "view_interests_in_opening": lambda: conversations.opening_interests(
            session, user, world.openings["mutual"].id, NOW
        ),
        "express_interest_for_team": lambda: consent.express_interest(
            session, user, opening_id=fresh.id, worker_id=worker.id, now=NOW
        ),
        "express_interest_as_worker": lambda: consent.express_interest(
            session, user, opening_id=fresh.id, now=NOW
        ),
        "browse_openings_as_worker": lambda: openings.open_openings(session, user, NOW),
        "view_opening_as_worker": lambda: openings.opening_for_viewer(session, user, fresh.id, NOW),
        "view_my_suggestions": lambda: suggestions.for_worker(session, user, now=NOW),
        "keep_own_profile": lambda: profiles.save_profile(
            session, user, profile_values(world.places, world.skills), now=NOW
        ),
        "view_worker_profile": lambda: workers.worker_profile_for(session, user, worker.id, NOW),
        "answer_for_team": lambda: consent.answer_interest(
            session, user, world.interests["worker_asked"].id, yes=True, now=NOW
        ),
        "answer_as_worker": lambda: consent.answer_interest(
            session, user, world.interests["team_asked"].id, yes=True, now=NOW
        ),
        "view_interest": lambda: conversations.find_interest(
            session, user, world.interests["mutual"].id, NOW
        ),
        "propose_trial": lambda: consent.propose_trial(
            session,
            user,
            world.interests["mutual"].id,
            starts_at=NOW.replace(hour=14) + timedelta(days=4),
            ends_at=NOW.replace(hour=16) + timedelta(days=4),
            now=NOW,
        ),
        "agree_trial_the_team_proposed": lambda: consent.agree_trial(
            session, user, world.trial("trial_by_team").id, now=NOW
        ),
        "agree_trial_the_worker_proposed": lambda: consent.agree_trial(
            session, user, world.trial("trial_by_worker").id, now=NOW
        ),
        "decide_after_trial": lambda: consent.decide_after_trial(
            session, user, world.trial("trial_over").id, carry_on=True, now=NOW
        ),
        "stop": lambda: consent.stop(session, user, world.interests["mutual"].id, now=NOW),
        "record_check": lambda: vetting.record_check(
            session,
            user,
            world.people["unvetted_worker"].id,
            kind="identity",
            outcome="passed",
            number="PASSPORT-9",
            checked_on=date(2026, 11, 1),
            expires_on=None,
            now=NOW,
        ),
        "pause_worker": lambda: vetting.pause_worker(
            session, user, worker.id, note="Looking into a worry", now=NOW
        ),
        "read_notes": lambda: conversations.notes_for_co_op(session, user),
        # No service reads the figures or the monitor yet: the predicate is the whole rule.
        "view_figures": lambda: require(policy.can_view_matching_figures(user), hidden=True),
        "view_equality_monitor": lambda: require(
            policy.can_view_equality_monitor(user), hidden=True
        ),
        "keep_lists": lambda: profiles.add_skill(session, user, name="Gardening", now=NOW),
    }


def _predicates(session: Session, world: World, actor: str) -> dict[str, bool]:
    """Each action as the policy's predicates answer it, with the facts the services gather."""
    user = world.people[actor]
    s = standing(session, user, world.team, NOW)
    vetted = vetting.is_vetted(session, user, NOW)
    worker = world.people["vetted_worker"]

    def side(stage: str) -> str | None:
        return conversations.side_of(session, user, world.interests[stage], NOW)[0]

    def speaks(stage: str, turn: str | None = None) -> bool:
        """May say this side's word on the interest at `stage` (only `turn`'s side, if given)."""
        found = side(stage)
        if found is None or (turn is not None and found != turn):
            return False
        return found == "worker" or policy.can_decide_for_team(s)

    sees_openings = policy.can_view_team_openings(s)
    return {
        "view_team_openings": sees_openings,
        "create_opening": policy.can_manage_openings(s),
        "edit_opening": policy.can_manage_openings(s),
        "close_opening": policy.can_manage_openings(s),
        "view_suggestions_for_opening": sees_openings,
        "view_interests_in_opening": sees_openings,
        "express_interest_for_team": sees_openings and policy.can_speak_for_team(s),
        "express_interest_as_worker": policy.can_browse_openings(user, vetted=vetted),
        "browse_openings_as_worker": policy.can_browse_openings(user, vetted=vetted),
        "view_opening_as_worker": sees_openings or policy.can_browse_openings(user, vetted=vetted),
        "view_my_suggestions": policy.can_browse_openings(user, vetted=vetted),
        "keep_own_profile": policy.can_keep_profile(user),
        "view_worker_profile": policy.can_view_worker_profile(
            user, worker.id, related=workers.related_to_worker(session, user, worker.id, NOW)
        ),
        "answer_for_team": speaks("worker_asked", "team"),
        "answer_as_worker": speaks("team_asked", "worker"),
        "view_interest": side("mutual") is not None,
        "propose_trial": speaks("mutual"),
        "agree_trial_the_team_proposed": speaks("trial_by_team", "worker"),
        "agree_trial_the_worker_proposed": speaks("trial_by_worker", "team"),
        "decide_after_trial": speaks("trial_over"),
        "stop": speaks("mutual"),
        "record_check": policy.can_record_checks(user),
        "pause_worker": policy.can_pause_worker(user),
        "read_notes": policy.can_read_match_notes(user),
        "view_figures": policy.can_view_matching_figures(user),
        "view_equality_monitor": policy.can_view_equality_monitor(user),
        "keep_lists": policy.can_keep_lists(user),
    }


pytestmark = pytest.mark.shared_world


@pytest.fixture(scope="module")
def built(module_db: Database) -> World:
    return build_once(module_db, build, NOW)


@pytest.fixture
def world(session: Session, built: World) -> World:
    return adopt(session, built)


def test_every_action_has_a_service_call_and_a_predicate(session, world):
    assert set(_services(session, world, "leader")) == set(RULES)
    assert set(_predicates(session, world, "leader")) == set(RULES)


@pytest.mark.parametrize("action", sorted(RULES))
def test_each_action_is_allowed_for_exactly_the_right_people(session, world, action):
    outcomes = {}
    for actor in ACTORS:
        nested = session.begin_nested()
        try:
            _services(session, world, actor)[action]()
            outcomes[actor] = "allowed"
        except (NotFound, Forbidden, Conflict) as exc:
            outcomes[actor] = type(exc).__name__
        finally:
            nested.rollback()
            # Status changes are conditional UPDATEs that the identity map does not see undone.
            session.expire_all()
    allowed = {actor for actor, outcome in outcomes.items() if outcome == "allowed"}
    assert allowed == ALLOWED[action], outcomes
    for actor in RULES[action].hidden_from:
        assert outcomes[actor] == "NotFound", f"{actor} must not learn that it exists: {outcomes}"


@pytest.mark.parametrize("action", sorted(RULES))
def test_the_policy_predicates_agree_with_the_table(session, world, action):
    allowed = {actor for actor in ACTORS if _predicates(session, world, actor)[action]}
    assert allowed == ALLOWED[action]
