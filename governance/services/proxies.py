"""Proxies: a member appoints any person to vote for them on one vote. Nobody holds more than
5 proxies for one vote; a proxy's vote counts in the giver's class; the member's own ballot
always wins (see `ballots.cast_ballot`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coop.errors import Conflict, Forbidden, Invalid, NotFound
from coop.models import User
from coop.services import audit
from governance import policy
from governance.models import Member, Proposal, Proxy
from governance.services import ballots
from governance.services.register import standing

MAX_PROXIES = 5


def appoint_proxy(
    session: Session, actor: User, proposal_id: int, *, holder_id: int, now: datetime
) -> Proxy:
    """A member appoints any person as their proxy for one vote (or changes who). Nobody holds
    more than 5 proxies for one vote. Raises NotFound, Forbidden (not a voter), Conflict (the
    holder already has 5; voting closed), Invalid (no such person, or themselves). Audits
    `proxy.appointed`."""
    st = standing(session, actor, now)
    visible = session.get(Proposal, proposal_id)
    if visible is None or not policy.can_see_proposal(st, visible):
        raise NotFound("There is no such proposal.")
    # Locked, so that two appointments at once cannot both be the fifth.
    proposal = session.scalars(
        select(Proposal).where(Proposal.id == proposal_id).with_for_update()
    ).one()
    if proposal.status not in ("draft", "open") or proposal.closes_at <= now:
        raise Conflict("Voting on this proposal has closed.")
    member = st.member
    if member is None or member.status != "member":
        raise Forbidden("Only members can appoint a proxy.")
    if proposal.status == "open" and ballots.voter_of(session, proposal_id, member.id) is None:
        raise Forbidden("You were not a member when voting opened, so you cannot vote on this.")
    holder = session.get(User, holder_id)
    if holder is None or not holder.active:
        raise Invalid(
            "There is no such person.", errors={"holder_id": ["There is no such person."]}
        )
    if holder.id == actor.id:
        raise Invalid(
            "You cannot be your own proxy.", errors={"holder_id": ["Choose someone else."]}
        )
    held = (
        session.scalar(
            select(func.count())
            .select_from(Proxy)
            .where(
                Proxy.proposal_id == proposal_id,
                Proxy.holder_id == holder.id,
                Proxy.giver_id != member.id,
            )
        )
        or 0
    )
    if held >= MAX_PROXIES:
        raise Conflict(f"{holder.display_name} already holds {MAX_PROXIES} proxies for this vote.")
    proxy = session.scalar(
        select(Proxy).where(Proxy.proposal_id == proposal_id, Proxy.giver_id == member.id)
    )
    if proxy is None:
        proxy = Proxy(
            proposal_id=proposal_id, giver_id=member.id, holder_id=holder.id, appointed_at=now
        )
        session.add(proxy)
    else:
        proxy.holder_id, proxy.appointed_at = holder.id, now
    session.flush()
    audit.record(
        session,
        actor,
        "proxy.appointed",
        "proxy",
        proxy.id,
        now=now,
        changes={"holder_id": holder.id},
    )
    return proxy


def proxies_held(session: Session, actor: User, proposal_id: int) -> list[Proxy]:
    return list(
        session.scalars(
            select(Proxy).where(Proxy.proposal_id == proposal_id, Proxy.holder_id == actor.id)
        )
    )


def my_proxy(session: Session, member: Member | None, proposal_id: int) -> Proxy | None:
    if member is None:
        return None
    return session.scalar(
        select(Proxy).where(Proxy.proposal_id == proposal_id, Proxy.giver_id == member.id)
    )
