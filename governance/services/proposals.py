"""Proposals (resolutions): drafting, opening (the electorate is fixed then), closing at the
closing time with the result stored, and registration with the FCA for special resolutions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from coop.errors import Conflict, Invalid, NotFound, require
from coop.models import User
from coop.services import audit
from governance import policy
from governance.models import KINDS, Ballot, Member, Proposal, Result, Voter
from governance.services import ballot_log
from governance.services.counting import counts_by_class, rules_for, tally_for
from governance.services.register import standing
from governance.tally import RULES_BY_KIND

NEEDS_REGISTRATION = frozenset(k for k in KINDS if k.startswith("special-"))


def visible_proposals(session: Session, actor: Any, *, now: datetime) -> list[Proposal]:
    """The proposals the actor may see, newest closing time first."""
    st = standing(session, actor, now)
    require(policy.can_see_proposals(st), hidden=True)
    found = session.scalars(
        select(Proposal).order_by(Proposal.closes_at.desc(), Proposal.id.desc())
    )
    return [p for p in found if policy.can_see_proposal(st, p)]


def get_proposal(session: Session, actor: Any, proposal_id: int, *, now: datetime) -> Proposal:
    """One proposal; NotFound when it does not exist or the actor may not see it."""
    proposal = session.get(Proposal, proposal_id)
    if proposal is None or not policy.can_see_proposal(standing(session, actor, now), proposal):
        raise NotFound("There is no such proposal.")
    return proposal


def create_proposal(
    session: Session,
    actor: User,
    *,
    title: str,
    kind: str,
    opens_at: datetime,
    closes_at: datetime,
    body: str = "",
    secret: bool = True,
    now: datetime,
) -> Proposal:
    """The secretary drafts a proposal. Raises NotFound (not the secretary), Invalid.
    Audits `proposal.created`."""
    require(policy.can_manage_proposals(standing(session, actor, now)), hidden=True)
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    if not title or len(title) > 200:
        errors["title"] = ["Please give a title of up to 200 characters."]
    if kind not in KINDS:
        errors["kind"] = ["Please choose the kind of resolution."]
    for name, moment in (("opens_at", opens_at), ("closes_at", closes_at)):
        if moment.tzinfo is None or moment.utcoffset() is None:
            errors[name] = ["Please give a time with its time zone."]
    if not errors and closes_at <= opens_at:
        errors["closes_at"] = ["Voting must close after it opens."]
    if not errors and closes_at <= now:
        errors["closes_at"] = ["The closing time has already passed."]
    if errors:
        raise Invalid("Please check the proposal.", errors=errors)
    proposal = Proposal(
        title=title,
        body=(body or "").strip(),
        kind=kind,
        secret=bool(secret),
        opens_at=opens_at,
        closes_at=closes_at,
        created_at=now,
        created_by_id=actor.id,
    )
    session.add(proposal)
    session.flush()
    audit.record(
        session, actor, "proposal.created", "proposal", proposal.id, now=now, changes={"kind": kind}
    )
    return proposal


def open_proposal(session: Session, actor: User, proposal_id: int, *, now: datetime) -> Proposal:
    """The secretary opens voting: the electorate (every current member, with their class) is
    fixed now. Raises NotFound, Conflict (not a draft, or opened at the same moment), Invalid
    (no members, or the closing time has passed). Audits `proposal.opened`."""
    require(policy.can_manage_proposals(standing(session, actor, now)), hidden=True)
    proposal = session.get(Proposal, proposal_id)
    if proposal is None:
        raise NotFound("There is no such proposal.")
    if proposal.closes_at <= now:
        raise Invalid("The closing time has passed: change it before opening the vote.")
    opened = session.execute(
        update(Proposal)
        .where(Proposal.id == proposal_id, Proposal.status == "draft")
        .values(status="open", opens_at=now)
        .execution_options(synchronize_session=False)
    )
    if opened.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("This proposal is not a draft: voting has already opened.")
    members = list(session.scalars(select(Member).where(Member.status == "member")))
    if not members:
        raise Invalid("There are no members to vote.")
    session.add_all(
        Voter(proposal_id=proposal_id, member_id=m.id, member_class=m.member_class) for m in members
    )
    session.execute(
        update(Proposal)
        .where(Proposal.id == proposal_id)
        .values(electorate_size=len(members))
        .execution_options(synchronize_session=False)
    )
    session.flush()
    session.refresh(proposal)
    audit.record(
        session,
        actor,
        "proposal.opened",
        "proposal",
        proposal.id,
        now=now,
        changes={"electorate": len(members)},
    )
    return proposal


def close_proposal(session: Session, proposal_id: int, *, now: datetime) -> bool:
    """Close a vote whose closing time has come and store its result, with the log's head
    hash and entry count. Does nothing (returns False) when it is not open or not yet due, so
    two ticks at once close it once. Special resolutions that pass await registration.
    Audits `proposal.closed` (by nobody: the timed job)."""
    locked = session.scalar(select(Proposal).where(Proposal.id == proposal_id).with_for_update())
    if locked is None or locked.status != "open" or locked.closes_at > now:
        return False
    session.refresh(locked)
    ballots = list(
        session.scalars(
            select(Ballot)
            .where(Ballot.proposal_id == proposal_id)
            .execution_options(populate_existing=True)
        )
    )
    counts = counts_by_class((b.member_class, b.choice) for b in ballots)
    outcome = tally_for(locked, counts)
    last = ballot_log.head(session, proposal_id)
    status = (
        "awaiting-registration"
        if outcome.outcome == "passed" and locked.kind in NEEDS_REGISTRATION
        else "closed"
    )
    closed = session.execute(
        update(Proposal)
        .where(Proposal.id == proposal_id, Proposal.status == "open")
        .values(status=status, closed_at=now)
        .execution_options(synchronize_session=False)
    )
    if closed.rowcount != 1:  # type: ignore[attr-defined]
        return False
    rules = rules_for(locked)
    session.add(
        Result(
            proposal_id=proposal_id,
            outcome=outcome.outcome,
            tally=outcome.to_json(),
            counts=counts,
            threshold=str(rules.threshold),
            electorate=locked.electorate_size or 0,
            head_hash=last.hash if last else None,
            entry_count=last.seq if last else 0,
            closed_at=now,
        )
    )
    session.flush()
    session.refresh(locked)
    audit.record(
        session,
        None,
        "proposal.closed",
        "proposal",
        proposal_id,
        now=now,
        changes={"status": status, "entries": last.seq if last else 0},
    )
    return True


def close_due(session: Session, now: datetime) -> int:
    """The timed job: close every open vote whose closing time has come. Idempotent."""
    due = list(
        session.scalars(
            select(Proposal.id).where(Proposal.status == "open", Proposal.closes_at <= now)
        )
    )
    return sum(1 for proposal_id in due if close_proposal(session, proposal_id, now=now))


CONFIRMED_AT_A_SECOND_MEETING = ("special-amalgamation", "special-conversion")


def mark_registered(session: Session, actor: User, proposal_id: int, *, now: datetime) -> Proposal:
    """The secretary records that the FCA registered a special resolution or rule change. An
    amalgamation or a conversion must first have been confirmed at a second meeting. Raises
    NotFound, Conflict (not awaiting registration, or not yet confirmed). Audits
    `proposal.registered`."""
    require(policy.can_manage_proposals(standing(session, actor, now)), hidden=True)
    proposal = session.get(Proposal, proposal_id)
    if proposal is not None and proposal.kind in CONFIRMED_AT_A_SECOND_MEETING:
        from governance.models import Meeting

        confirmations = session.scalars(
            select(Meeting).where(Meeting.confirms_proposal_id == proposal_id)
        )
        if not any(m.confirmed for m in confirmations):
            raise Conflict(
                "This resolution must first be confirmed by over half of the votes at a second "
                "meeting, 14 days to a month after it passed. Record that meeting's vote first."
            )
    done = session.execute(
        update(Proposal)
        .where(Proposal.id == proposal_id, Proposal.status == "awaiting-registration")
        .values(status="registered", registered_at=now)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        if session.get(Proposal, proposal_id) is None:
            raise NotFound("There is no such proposal.")
        raise Conflict("This proposal is not awaiting registration.")
    proposal = session.get_one(Proposal, proposal_id)
    session.refresh(proposal)
    audit.record(session, actor, "proposal.registered", "proposal", proposal_id, now=now)
    return proposal


def threshold_words(kind: str) -> str:
    """The kind's threshold in plain words, e.g. "more than 1/2 of the votes"."""
    rules = RULES_BY_KIND[kind]
    rule = "more than" if rules["threshold_rule"] == "more-than" else "at least"
    of = "all members" if rules.get("denominator") == "electorate" else "the votes"
    return f"{rule} {rules['threshold']} of {of}"
