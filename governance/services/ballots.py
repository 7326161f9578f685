"""Ballots: one per member per proposal, changeable until the close; proxies; ballots the
secretary records for members who are not online, countersigned by a second officer.

Every ballot and change appends an entry to the proposal's ballot log. The proposal's row is
locked first (`FOR UPDATE`; `BEGIN IMMEDIATE` on SQLite), so ballots on one proposal queue up
and the chain never forks; the unique (proposal, seq) and (proposal, member) stand behind it.
For a secret vote no audit event names the voter and the time: the log is the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from coop import pauses
from coop.db import upsert
from coop.errors import Conflict, Forbidden, Invalid, NotFound
from coop.models import User
from coop.services import audit
from governance import policy
from governance.models import (
    CHOICES,
    Ballot,
    LogEntry,
    Member,
    Proposal,
    Proxy,
    Voter,
)
from governance.services import ballot_log
from governance.services.register import standing


@dataclass(frozen=True)
class Receipt:
    """Proof that a ballot is in the log: its entry and digest, never its choice."""

    proposal_id: int
    seq: int
    receipt: str
    hash: str
    replaced: bool = False


def check_choice(choice: str) -> None:
    if choice not in CHOICES:
        raise Invalid(
            "Please choose for, against or abstain.",
            errors={"choice": ["Please choose for, against or abstain."]},
        )


def lock_open(session: Session, proposal_id: int, now: datetime) -> Proposal:
    """The proposal, locked for the rest of the transaction; Conflict unless voting is open."""
    proposal = session.scalar(
        select(Proposal)
        .where(Proposal.id == proposal_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if proposal is None:
        raise NotFound("There is no such proposal.")
    if proposal.status != "open" or not (proposal.opens_at <= now < proposal.closes_at):
        raise Conflict("Voting on this proposal is closed: ballots can no longer be changed.")
    return proposal


def voter_of(session: Session, proposal_id: int, member_id: int) -> tuple[Member, Voter] | None:
    """The member and their place in the electorate, if they may vote: in the electorate fixed
    at the opening, and still a current member."""
    row = session.execute(
        select(Member, Voter)
        .join(Voter, Voter.member_id == Member.id)
        .where(Voter.proposal_id == proposal_id, Member.id == member_id, Member.status == "member")
    ).first()
    return None if row is None else (row[0], row[1])


def append_ballot(
    session: Session,
    proposal: Proposal,
    voter: Voter,
    *,
    choice: str,
    cast_by: str,
    by: User,
    countersigned_by: int | None,
    key: str,
    now: datetime,
) -> Receipt:
    """Append the ballot to the log and make it the member's ballot. The caller holds the
    proposal's lock."""
    current = session.scalar(
        select(Ballot)
        .where(Ballot.proposal_id == proposal.id, Ballot.member_id == voter.member_id)
        .execution_options(populate_existing=True)
    )
    last = ballot_log.head(session, proposal.id)
    seq = (last.seq if last else 0) + 1
    previous = last.hash if last else ballot_log.GENESIS
    pauses.pause_point("governance.ballot.before_append")
    entry = LogEntry(
        proposal_id=proposal.id,
        seq=seq,
        replaces_seq=current.log_seq if current else None,
        receipt=ballot_log.receipt_digest(key, proposal.id, voter.member_id, seq),
        member_class=voter.member_class,
        choice=choice,
        cast_by=cast_by,
        at=now,
        hash="",
    )
    entry.hash = ballot_log.hash_of(key, entry, previous)
    session.add(entry)
    session.flush()
    values = {
        "proposal_id": proposal.id,
        "member_id": voter.member_id,
        "member_class": voter.member_class,
        "choice": choice,
        "cast_by": cast_by,
        "cast_by_user_id": by.id,
        "countersigned_by_id": countersigned_by,
        "log_seq": seq,
    }
    upsert(session, Ballot, values, key=("proposal_id", "member_id"))
    if not proposal.secret:
        audit.record(
            session,
            by,
            "ballot.cast",
            "proposal",
            proposal.id,
            now=now,
            changes={"seq": seq, "cast_by": cast_by},
        )
    return Receipt(proposal.id, seq, entry.receipt, entry.hash)


def cast_ballot(
    session: Session,
    actor: User,
    proposal_id: int,
    *,
    choice: str,
    key: str,
    now: datetime,
    for_member_id: int | None = None,
) -> Receipt:
    """Cast or change a ballot: the actor's own, or as proxy for `for_member_id`.

    A member's own ballot always wins: it replaces a proxy's, and a proxy cannot vote for a
    member who has already voted. Raises NotFound (no such proposal or one the actor may not
    see), Forbidden (not in the electorate, not a current member, not their proxy), Conflict
    (voting closed; the member already voted themselves), Invalid (a bad choice). Audits
    `ballot.cast` for an open vote only.
    """
    check_choice(choice)
    st = standing(session, actor, now)
    visible = session.get(Proposal, proposal_id)
    if visible is None or not policy.can_see_proposal(st, visible):
        raise NotFound("There is no such proposal.")
    proposal = lock_open(session, proposal_id, now)
    own = st.member
    if for_member_id is None or (own is not None and own.id == for_member_id):
        found = voter_of(session, proposal_id, own.id) if own is not None else None
        if found is None:
            raise Forbidden("Only members who could vote when voting opened can vote on this.")
        return append_ballot(
            session,
            proposal,
            found[1],
            choice=choice,
            cast_by="own",
            by=actor,
            countersigned_by=None,
            key=key,
            now=now,
        )
    proxy = session.scalar(
        select(Proxy).where(
            Proxy.proposal_id == proposal_id,
            Proxy.giver_id == for_member_id,
            Proxy.holder_id == actor.id,
        )
    )
    if proxy is None:
        raise Forbidden("You are not this member's proxy for this vote.")
    found = voter_of(session, proposal_id, for_member_id)
    if found is None:
        raise Forbidden("That member cannot vote on this.")
    existing = session.scalar(
        select(Ballot.cast_by).where(
            Ballot.proposal_id == proposal_id, Ballot.member_id == for_member_id
        )
    )
    if existing is not None and existing != "proxy":
        raise Conflict("This member has already voted themselves, so their proxy cannot.")
    return append_ballot(
        session,
        proposal,
        found[1],
        choice=choice,
        cast_by="proxy",
        by=actor,
        countersigned_by=None,
        key=key,
        now=now,
    )


def my_receipt(
    session: Session, actor: User, proposal_id: int, *, key: str, now: datetime
) -> Receipt | None:
    """The actor's receipt for their current ballot on a proposal they may see, or None."""
    st = standing(session, actor, now)
    proposal = session.get(Proposal, proposal_id)
    if proposal is None or not policy.can_see_proposal(st, proposal):
        raise NotFound("There is no such proposal.")
    if st.member is None:
        return None
    ballot = session.scalar(
        select(Ballot)
        .where(Ballot.proposal_id == proposal_id, Ballot.member_id == st.member.id)
        .execution_options(populate_existing=True)
    )
    if ballot is None:
        return None
    entry = session.scalar(
        select(LogEntry).where(LogEntry.proposal_id == proposal_id, LogEntry.seq == ballot.log_seq)
    )
    if entry is None:
        return None
    return Receipt(proposal_id, entry.seq, entry.receipt, entry.hash)


def has_voted(session: Session, member: Member | None, proposal_id: int) -> str | None:
    """How the member's current ballot was cast ("own", "proxy", "recorded"), or None."""
    if member is None:
        return None
    return session.scalar(
        select(Ballot.cast_by).where(
            Ballot.proposal_id == proposal_id, Ballot.member_id == member.id
        )
    )


def can_vote_on(session: Session, member: Member | None, proposal: Proposal) -> bool:
    return (
        member is not None
        and proposal.status == "open"
        and (voter_of(session, proposal.id, member.id) is not None)
    )
