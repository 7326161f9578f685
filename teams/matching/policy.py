"""Who may do what in matching: pure predicates shared by the pages, the API and the templates,
and tested as a table.

The team's side speaks through its leader (or their representative); an introducer may say "I'd
like to meet" for the team, and the leader says the final yes. The worker speaks for themselves.
Facilitators keep the co-op's lists, record checks, pause a worker from suggestions, read the
private notes and see the figures and the equality monitor; they never speak for either side.
"""

from __future__ import annotations

from coop.models import User
from teams.policy import Standing


def _active(user: User | None) -> bool:
    return user is not None and user.is_active


def _facilitator(user: User | None) -> bool:
    return _active(user) and user.has_role("facilitator")  # type: ignore[union-attr]


def can_keep_lists(user: User | None) -> bool:
    """The co-op's neighbourhoods and skills."""
    return _facilitator(user)


def can_record_checks(user: User | None) -> bool:
    return _facilitator(user)


def can_pause_worker(user: User | None) -> bool:
    return _facilitator(user)


def can_read_match_notes(user: User | None) -> bool:
    return _facilitator(user)


def can_view_matching_figures(user: User | None) -> bool:
    return _facilitator(user)


def can_view_equality_monitor(user: User | None) -> bool:
    return _facilitator(user)


def can_keep_profile(user: User | None) -> bool:
    """Anyone signed in may keep a worker profile: it is how a worker offers to join teams."""
    return _active(user)


def can_answer_equality_questions(user: User | None) -> bool:
    return _active(user)


def can_browse_openings(user: User | None, *, vetted: bool) -> bool:
    """Openings are seen only by vetted workers (their identity and references are checked)."""
    return _active(user) and vetted


def can_view_team_openings(s: Standing) -> bool:
    return s.leads or "introducer" in s.hats or "facilitator" in s.roles


def can_manage_openings(s: Standing) -> bool:
    return s.team.status == "active" and s.leads


def can_speak_for_team(s: Standing) -> bool:
    """Say "I'd like to meet" to a worker on the team's behalf."""
    return s.team.status == "active" and (s.leads or "introducer" in s.hats)


def can_decide_for_team(s: Standing) -> bool:
    """Say yes or no, agree a trial, carry on or stop: the leader's word."""
    return s.team.status == "active" and s.leads


def can_view_worker_profile(user: User | None, worker_id: int, *, related: bool) -> bool:
    """A worker's own profile, for them, facilitators, and the people who speak for a team the
    worker is in touch with (`related`)."""
    if not _active(user):
        return False
    return user.id == worker_id or _facilitator(user) or related  # type: ignore[union-attr]
