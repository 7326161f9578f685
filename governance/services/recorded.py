"""Ballots members gave by phone, on paper or at a meeting: written down by the secretary,
cast once a second officer countersigns, marked as recorded and confirmed to the member, who
can still change them while voting is open."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from coop.errors import Conflict, Forbidden, Invalid, NotFound
from coop.models import User
from coop.services import audit, mail
from governance import policy
from governance.models import RECORDED_METHODS, Proposal, RecordedBallot
from governance.services import ballots
from governance.services.ballots import Receipt
from governance.services.register import standing


def record_ballot(
    session: Session,
    actor: User,
    proposal_id: int,
    *,
    member_id: int,
    choice: str,
    method: str,
    now: datetime,
) -> RecordedBallot:
    """The secretary writes down a ballot a member gave by phone, on paper or at a meeting.
    It counts once a second officer countersigns it. Raises NotFound, Conflict (voting
    closed), Invalid. Audits `ballot.recorded` for an open vote only."""
    st = standing(session, actor, now)
    if not policy.can_manage_proposals(st):
        raise NotFound("We could not find that page.")
    ballots.check_choice(choice)
    if method not in RECORDED_METHODS:
        raise Invalid(
            "Please say how the member gave their ballot.",
            errors={"method": ["Please choose phone, paper or meeting."]},
        )
    proposal = ballots.lock_open(session, proposal_id, now)
    if ballots.voter_of(session, proposal_id, member_id) is None:
        raise Invalid(
            "That member cannot vote on this.", errors={"member_id": ["Not in the electorate."]}
        )
    recorded = RecordedBallot(
        proposal_id=proposal_id,
        member_id=member_id,
        choice=choice,
        method=method,
        recorded_by_id=actor.id,
        recorded_at=now,
    )
    session.add(recorded)
    session.flush()
    if not proposal.secret:
        audit.record(session, actor, "ballot.recorded", "recorded_ballot", recorded.id, now=now)
    return recorded


def awaiting_countersignature(
    session: Session, actor: User, *, now: datetime
) -> list[RecordedBallot]:
    """Recorded ballots on open votes that this officer may countersign."""
    if not policy.can_countersign(standing(session, actor, now)):
        return []
    return list(
        session.scalars(
            select(RecordedBallot)
            .join(Proposal, Proposal.id == RecordedBallot.proposal_id)
            .where(
                RecordedBallot.countersigned_at.is_(None),
                RecordedBallot.recorded_by_id != actor.id,
                Proposal.status == "open",
            )
            .order_by(RecordedBallot.id)
        )
    )


def countersign(
    session: Session, actor: User, recorded_id: int, *, key: str, base_url: str, now: datetime
) -> Receipt:
    """A second officer (not the one who recorded it) countersigns a recorded ballot, which is
    then cast, marked as recorded, and confirmed to the member by e-mail when they have one
    (without the choice). Raises NotFound, Forbidden (the recorder), Conflict (already
    countersigned, voting closed)."""
    if not policy.can_countersign(standing(session, actor, now)):
        raise NotFound("We could not find that page.")
    recorded = session.get(RecordedBallot, recorded_id)
    if recorded is None:
        raise NotFound("There is no such recorded ballot.")
    if recorded.recorded_by_id == actor.id:
        raise Forbidden("A second officer must countersign a ballot you recorded.")
    proposal = ballots.lock_open(session, recorded.proposal_id, now)
    session.refresh(recorded)
    if recorded.countersigned_at is not None:
        raise Conflict("This ballot has already been countersigned.")
    found = ballots.voter_of(session, proposal.id, recorded.member_id)
    if found is None:
        raise Conflict("That member can no longer vote on this.")
    recorded.countersigned_by_id, recorded.countersigned_at = actor.id, now
    receipt = ballots.append_ballot(
        session,
        proposal,
        found[1],
        choice=recorded.choice,
        cast_by="recorded",
        by=actor,
        countersigned_by=actor.id,
        key=key,
        now=now,
    )
    member = found[0]
    if member.email:
        mail.queue_mail(
            session,
            to=member.email,
            subject=f"Your ballot on “{proposal.title}” has been recorded",
            body=(
                f"Hello {member.name},\n\nThe co-op's secretary recorded the ballot you gave "
                f"({recorded.method}) on “{proposal.title}”, and a second officer countersigned it.\n\n"
                f"Your receipt: entry {receipt.seq}, {receipt.receipt}\n\n"
                "If this was not you, or you want to change your ballot, vote again before "
                f"voting closes: {base_url}/coop/proposals/{proposal.id}\n"
            ),
            now=now,
        )
    if not proposal.secret:
        audit.record(
            session, actor, "ballot.countersigned", "recorded_ballot", recorded.id, now=now
        )
    return receipt
