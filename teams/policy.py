"""Who may do what in a team: pure predicates over a `Standing` (someone's relation to one team
at one moment), shared by the pages, the API and the templates, and tested as a table.

The supported person leads. Their representative may do what they may, except remove the
leader's own access or give the representative hat. Facilitators see a team's members and hats
only, unless the leader grants them access for a time or they open the records in an emergency;
the registered manager may read records for regulatory duties. Someone who may not see a thing
is told it does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from coop.models import User
from teams.models import Hat, Membership, Note, Team


@dataclass(frozen=True)
class Standing:
    user: User | None
    team: Team
    membership: Membership | None = None  # the user's current (active, not yet left) one
    hats: frozenset[str] = frozenset()
    outside_access: str | None = None  # "granted" or "emergency", while it lasts

    @property
    def roles(self) -> frozenset[str]:
        return self.user.roles if self.user is not None and self.user.is_active else frozenset()

    @property
    def is_leader(self) -> bool:
        return self.user is not None and self.team.leader_id == self.user.id

    @property
    def is_member(self) -> bool:
        return self.membership is not None

    @property
    def is_representative(self) -> bool:
        return "representative" in self.hats

    @property
    def leads(self) -> bool:
        """The leader, or their representative acting with them."""
        return self.is_leader or self.is_representative


def _open(s: Standing) -> bool:
    return s.team.status == "active"


def can_view_team(s: Standing) -> bool:
    """Members and hats: the team's own members, facilitators and the registered manager."""
    return s.is_member or bool(s.roles & {"facilitator", "registered_manager"})


def can_view_history(s: Standing) -> bool:
    return can_view_team(s)


def can_invite(s: Standing) -> bool:
    return _open(s) and s.leads


def can_propose(s: Standing) -> bool:
    return _open(s) and "introducer" in s.hats


def can_decide_proposals(s: Standing) -> bool:
    return _open(s) and s.leads


def can_remove_member(s: Standing, membership: Membership) -> bool:
    """The leader or representative takes someone off the team; nobody removes the leader."""
    if not (_open(s) and s.leads) or membership.status not in ("invited", "active"):
        return False
    return membership.user_id != s.team.leader_id and membership.id != (
        s.membership.id if s.membership else None
    )


def can_leave(s: Standing) -> bool:
    return s.is_member and not s.is_leader


def can_offer_hat(s: Standing, hat: str) -> bool:
    if not _open(s):
        return False
    if hat == "representative":
        return s.is_leader
    return s.leads


def can_answer_hat(s: Standing, hat: Hat) -> bool:
    return (
        s.membership is not None
        and hat.membership_id == s.membership.id
        and hat.status == "offered"
    )


def can_take_back_hat(s: Standing, hat: Hat) -> bool:
    if hat.status not in ("offered", "active") or not _open(s):
        return False
    if hat.hat == "representative":
        return s.is_leader
    return s.leads


def can_put_down_hat(s: Standing, hat: Hat) -> bool:
    return (
        s.membership is not None and hat.membership_id == s.membership.id and hat.status == "active"
    )


def can_check_representative(s: Standing) -> bool:
    return "facilitator" in s.roles and not s.is_member


def can_set_contacts(s: Standing) -> bool:
    return _open(s) and s.leads


def can_set_record_access(s: Standing) -> bool:
    """Say which members may see the support plan and other private records."""
    return _open(s) and s.leads


def can_view_records(s: Standing) -> bool:
    """The support plan and its versions."""
    if s.leads or "plan_holder" in s.hats:
        return True
    if s.membership is not None and s.membership.sees_records:
        return True
    return s.outside_access is not None or "registered_manager" in s.roles


def reads_from_outside(s: Standing) -> bool:
    """A read by someone outside the team, which is logged for the leader to see."""
    return not s.is_member and can_view_records(s)


def can_edit_plan(s: Standing) -> bool:
    return _open(s) and (s.leads or "plan_holder" in s.hats)


def can_write_note(s: Standing) -> bool:
    return _open(s) and s.is_member and can_view_records(s)


def can_view_note(s: Standing, note: Note) -> bool:
    """The leader, their representative, the author and the members the leader named."""
    if not s.is_member:
        return False
    if s.leads or (s.user is not None and note.author_id == s.user.id):
        return True
    return any(r.membership_id == s.membership.id for r in note.readers)  # type: ignore[union-attr]


def can_view_access_log(s: Standing) -> bool:
    return s.leads


def can_grant_access(s: Standing) -> bool:
    return _open(s) and s.leads


def can_open_emergency_access(s: Standing) -> bool:
    return _open(s) and "facilitator" in s.roles and not s.is_member


def can_hold_access_events(user: User | None) -> bool:
    return user is not None and user.is_active and user.has_role("safeguarding_lead")


def can_create_team(user: User | None) -> bool:
    return user is not None and user.is_active and user.has_role("facilitator")
