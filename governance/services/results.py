"""What a result and a ballot log show, to whom (DOMAIN.md, "Secrecy, receipts and the log").

- The voter sees their receipt (never their choice).
- Members see, for a secret vote, the log's sequence numbers, receipt digests and hashes only;
  for an open vote, the whole log with names.
- The scrutineers (the secretary and the other officers) see the whole log.
- A secret vote's result shows counts only as `counting.shown_counts` allows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from coop.errors import NotFound
from governance import policy
from governance.models import Ballot, LogEntry, Member, Proposal
from governance.services import ballot_log
from governance.services.counting import shown_counts
from governance.services.register import standing

TALLY_FIGURES = (
    "investor_weight",
    "weighted_for",
    "weighted_total",
    "for_share",
    "for_share_percent",
    "turnout",
)


def result_view(
    session: Session, actor: Any, proposal_id: int, *, key: str, now: datetime
) -> dict[str, Any]:
    """A closed proposal's result as the actor may see it. `full` False means only the outcome
    and the scrutineers' check show. Raises NotFound (no such proposal, not visible, not
    closed)."""
    proposal = session.get(Proposal, proposal_id)
    st = standing(session, actor, now)
    if proposal is None or not policy.can_see_result(st, proposal):
        raise NotFound("There is no result for that proposal.")
    result = proposal.result
    if result is None:
        raise NotFound("There is no result for that proposal.")
    shown = shown_counts(result.counts, secret=proposal.secret)
    check = ballot_log.verify(session, proposal_id, key=key)
    view: dict[str, Any] = {
        "proposal_id": proposal.id,
        "outcome": result.outcome,
        "reason": result.tally.get("reason"),
        "full": shown["full"],
        "counts": shown["counts"],
        "threshold": result.threshold,
        "electorate": result.electorate if shown["full"] else None,
        "entry_count": result.entry_count,
        "head_hash": result.head_hash,
        "verified": check.ok,
        "closed_at": result.closed_at,
    }
    for name in TALLY_FIGURES:
        view[name] = result.tally.get(name) if shown["full"] else None
    return view


def _owners(session: Session, proposal_id: int) -> dict[int, int]:
    """For each log entry, the member whose ballot it was: each member's current ballot names
    the last entry of a chain of replacements."""
    entries = {e.seq: e for e in ballot_log.entries(session, proposal_id)}
    owners: dict[int, int] = {}
    for ballot in session.scalars(select(Ballot).where(Ballot.proposal_id == proposal_id)):
        seq: int | None = ballot.log_seq
        while seq is not None and seq in entries and seq not in owners:
            owners[seq] = ballot.member_id
            seq = entries[seq].replaces_seq
    return owners


def log_view(session: Session, actor: Any, proposal_id: int, *, now: datetime) -> dict[str, Any]:
    """The ballot log as the actor may see it: `full` with every field (and names for an open
    vote), or for a secret vote seq, receipt and hash only. Raises NotFound."""
    proposal = session.get(Proposal, proposal_id)
    st = standing(session, actor, now)
    if proposal is None or not policy.can_see_proposal(st, proposal) or proposal.status == "draft":
        raise NotFound("There is no ballot log for that proposal.")
    full = policy.can_see_full_log(st, proposal)
    entries: list[LogEntry] = ballot_log.entries(session, proposal_id)
    names: dict[int, str] = {}
    if full and not proposal.secret:
        owners = _owners(session, proposal_id)
        people = {
            m.id: m.name
            for m in session.scalars(select(Member).where(Member.id.in_(set(owners.values()))))
        }
        names = {seq: people.get(member_id, "") for seq, member_id in owners.items()}
    rows: list[dict[str, Any]] = []
    for e in entries:
        row: dict[str, Any] = {"seq": e.seq, "receipt": e.receipt, "hash": e.hash}
        if full:
            row.update(
                replaces=e.replaces_seq,
                member_class=e.member_class,
                choice=e.choice,
                cast_by=e.cast_by,
                at=e.at,
            )
            if not proposal.secret:
                row["name"] = names.get(e.seq)
        rows.append(row)
    return {"proposal": proposal, "full": full, "entries": rows}
