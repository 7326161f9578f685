"""Who may do what in the co-op's democracy: plain predicates shared by pages, the API and
templates. Each takes a `Standing`, what the register says about the acting person, which
`governance.services.register.standing` works out once per request."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from coop.models import User
    from governance.models import Member, Proposal


@dataclass(frozen=True)
class Standing:
    """The acting person as the register sees them. `member` is their own entry in any state;
    `proxy_for` holds the ids of proposals on which someone made them their proxy."""

    user: User | None
    member: Member | None = None
    is_secretary: bool = False
    is_officer: bool = False
    proxy_for: frozenset[int] = field(default_factory=frozenset)


def is_signed_in(st: Standing) -> bool:
    return st.user is not None


def is_current_member(st: Standing) -> bool:
    return st.member is not None and st.member.status == "member"


def is_scrutineer(st: Standing) -> bool:
    """The secretary and the co-op's other officers check the ballot log and the count."""
    return st.is_secretary or st.is_officer


def can_manage_register(st: Standing) -> bool:
    return st.is_secretary


def can_see_member_names(st: Standing) -> bool:
    return is_current_member(st) or st.is_secretary


def can_apply(st: Standing) -> bool:
    return st.user is not None and (st.member is None or st.member.status == "left")


def can_leave(st: Standing) -> bool:
    return is_current_member(st)


def can_manage_proposals(st: Standing) -> bool:
    return st.is_secretary


def can_see_officers(st: Standing) -> bool:
    return is_current_member(st) or is_scrutineer(st)


def can_see_proposals(st: Standing) -> bool:
    return is_current_member(st) or is_scrutineer(st) or bool(st.proxy_for)


def can_see_proposal(st: Standing, proposal: Proposal) -> bool:
    if is_scrutineer(st):
        return True
    if proposal.status == "draft":
        return False
    return is_current_member(st) or proposal.id in st.proxy_for


def can_see_full_log(st: Standing, proposal: Proposal) -> bool:
    """Choices in the log: the scrutineers always, everyone who may see an open vote."""
    return can_see_proposal(st, proposal) and (is_scrutineer(st) or not proposal.secret)


def can_see_result(st: Standing, proposal: Proposal) -> bool:
    return can_see_proposal(st, proposal) and proposal.result is not None


def can_countersign(st: Standing) -> bool:
    """A second officer countersigns what the secretary recorded."""
    return st.is_officer


def can_manage_meetings(st: Standing) -> bool:
    return st.is_secretary


def can_see_meetings(st: Standing) -> bool:
    """Members see meetings, agendas and published minutes; non-members nothing."""
    return is_current_member(st) or st.is_secretary


def can_manage_elections(st: Standing) -> bool:
    return st.is_secretary


def can_see_elections(st: Standing) -> bool:
    return is_current_member(st) or st.is_secretary


def can_vote_in_elections(st: Standing) -> bool:
    return is_current_member(st)
