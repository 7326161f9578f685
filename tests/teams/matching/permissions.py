"""The matching permission table: for each action, which kinds of actor (tests/teams/matching/
world.py) may take it. Every actor not listed is refused: a 404 where they may not see the
team or the thing (`hidden_from` must be among those), a 403 where they can see it but may not
act, and a 409 where the state machine says it is the other side's turn.

The table is data only. Each runner maps an action's name to one call of its own: the services
(test_permissions.py, which also asks the policy predicates), the JSON API
(test_api_permissions.py), and the pages. Actions work on the world's things by stage
(world.STAGES): "answer_for_team" answers the interest at stage "worker_asked", and so on; the
docstring of each row says which."""

from __future__ import annotations

from dataclasses import dataclass

from tests.teams.matching.world import ACTORS


@dataclass(frozen=True)
class Rule:
    allowed: frozenset[str]
    hidden_from: frozenset[str] = frozenset()
    about: str = ""


#: People outside the team and its conversations: they never learn that the team, its openings
#: or its conversations exist.
OUTSIDERS = frozenset({"unvetted_worker", "worker_elsewhere", "stranger"})
#: Not in the team: the team's own pages are not there for them.
NOT_IN_TEAM = OUTSIDERS | {"vetted_worker"}
SPEAKERS = frozenset({"leader", "representative", "introducer"})
DECIDERS = frozenset({"leader", "representative"})
FACILITATOR = frozenset({"facilitator"})
WORKER = frozenset({"vetted_worker"})


def _rule(
    allowed: frozenset[str], hidden_from: frozenset[str] = frozenset(), about: str = ""
) -> Rule:
    return Rule(frozenset(allowed), frozenset(hidden_from), about)


RULES: dict[str, Rule] = {
    # A team's openings
    "view_team_openings": _rule(SPEAKERS | FACILITATOR, NOT_IN_TEAM, "the team's openings"),
    "create_opening": _rule(DECIDERS, NOT_IN_TEAM, "a new opening on the team"),
    "edit_opening": _rule(DECIDERS, NOT_IN_TEAM, "opening 'fresh'"),
    "close_opening": _rule(DECIDERS, NOT_IN_TEAM, "opening 'fresh'"),
    "view_suggestions_for_opening": _rule(SPEAKERS | FACILITATOR, NOT_IN_TEAM, "opening 'fresh'"),
    "view_interests_in_opening": _rule(
        SPEAKERS | FACILITATOR, NOT_IN_TEAM, "who is in touch about opening 'mutual'"
    ),
    "express_interest_for_team": _rule(
        SPEAKERS, NOT_IN_TEAM, "the team would like to meet the vetted worker (opening 'fresh')"
    ),
    # The worker's side
    "express_interest_as_worker": _rule(
        WORKER, OUTSIDERS, "the actor would like to meet about opening 'fresh'"
    ),
    "browse_openings_as_worker": _rule(WORKER, about="the open openings"),
    "view_opening_as_worker": _rule(
        WORKER | SPEAKERS | FACILITATOR, OUTSIDERS, "opening 'fresh', as a worker sees it"
    ),
    "view_my_suggestions": _rule(WORKER, about="openings suggested to the actor"),
    "keep_own_profile": _rule(frozenset(ACTORS), about="the actor's own worker profile"),
    "view_worker_profile": _rule(
        WORKER | SPEAKERS | FACILITATOR,
        frozenset(ACTORS) - WORKER - SPEAKERS - FACILITATOR,
        "the vetted worker's profile (in touch with the team)",
    ),
    # The consent state machine
    "answer_for_team": _rule(DECIDERS, OUTSIDERS, "interest 'worker_asked': yes"),
    "answer_as_worker": _rule(WORKER, OUTSIDERS, "interest 'team_asked': yes"),
    "view_interest": _rule(
        SPEAKERS | WORKER, OUTSIDERS | {"facilitator", "plain_member"}, "interest 'mutual'"
    ),
    "propose_trial": _rule(DECIDERS | WORKER, OUTSIDERS, "interest 'mutual'"),
    "agree_trial_the_team_proposed": _rule(WORKER, OUTSIDERS, "trial of 'trial_by_team'"),
    "agree_trial_the_worker_proposed": _rule(DECIDERS, OUTSIDERS, "trial of 'trial_by_worker'"),
    "decide_after_trial": _rule(DECIDERS | WORKER, OUTSIDERS, "trial of 'trial_over': carry on"),
    "stop": _rule(DECIDERS | WORKER, OUTSIDERS, "interest 'mutual'"),
    # The co-op's side
    "record_check": _rule(FACILITATOR, about="a check for the unvetted worker"),
    "pause_worker": _rule(FACILITATOR, about="the vetted worker"),
    "read_notes": _rule(FACILITATOR, frozenset(ACTORS) - FACILITATOR, "the co-op's notes"),
    "view_figures": _rule(FACILITATOR, about="the matching figures"),
    "view_equality_monitor": _rule(FACILITATOR, about="the equality monitor"),
    "keep_lists": _rule(FACILITATOR, about="a new skill on the co-op's list"),
}

#: The table as the teams one is shaped: action -> who may take it.
ALLOWED: dict[str, frozenset[str]] = {action: rule.allowed for action, rule in RULES.items()}

assert all(rule.allowed <= set(ACTORS) for rule in RULES.values())
assert all(not (rule.allowed & rule.hidden_from) for rule in RULES.values())
