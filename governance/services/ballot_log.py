"""The ballot log: an HMAC-SHA256 chain of every ballot and change, and its verification.

Each entry's hash covers the proposal, its sequence number, the entry it replaces, the
receipt digest, the voter's class, the choice, how it was cast, the time and the previous
entry's hash, keyed with `CARECOOP_BALLOT_HMAC_KEY` (configuration, never the database). So
nobody with the database alone can change, insert or remove an entry without the chain
showing it, and once the vote closes the head hash and count stored on the result show
removed last entries too.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from coop.errors import NotFound
from governance.models import Ballot, LogEntry, Proposal, Voter
from governance.services.counting import counts_by_class, tally_for
from governance.tally import TallyError

GENESIS = "0" * 64


def _key(key: str | bytes) -> bytes:
    if not key:
        raise ValueError("the ballot log needs CARECOOP_BALLOT_HMAC_KEY")
    return key.encode() if isinstance(key, str) else key


def receipt_digest(key: str | bytes, proposal_id: int, member_id: int, seq: int) -> str:
    """The voter's receipt for one entry: it names the entry and proves nothing about the choice.
    Only the key holder can tell whose it is."""
    message = f"receipt|{proposal_id}|{member_id}|{seq}".encode()
    return hmac.new(_key(key), message, hashlib.sha256).hexdigest()


def entry_hash(
    key: str | bytes,
    *,
    proposal_id: int,
    seq: int,
    replaces_seq: int | None,
    receipt: str,
    member_class: str,
    choice: str,
    cast_by: str,
    at: datetime,
    previous: str,
) -> str:
    # The time in UTC to the microsecond, as both databases give it back.
    when = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    fields = (
        str(proposal_id),
        str(seq),
        "" if replaces_seq is None else str(replaces_seq),
        receipt,
        member_class,
        choice,
        cast_by,
        when,
        previous,
    )
    return hmac.new(_key(key), "|".join(fields).encode(), hashlib.sha256).hexdigest()


def hash_of(key: str | bytes, entry: LogEntry, previous: str) -> str:
    return entry_hash(
        key,
        proposal_id=entry.proposal_id,
        seq=entry.seq,
        replaces_seq=entry.replaces_seq,
        receipt=entry.receipt,
        member_class=entry.member_class,
        choice=entry.choice,
        cast_by=entry.cast_by,
        at=entry.at,
        previous=previous,
    )


def entries(session: Session, proposal_id: int) -> list[LogEntry]:
    return list(
        session.scalars(
            select(LogEntry)
            .where(LogEntry.proposal_id == proposal_id)
            .order_by(LogEntry.seq)
            .execution_options(populate_existing=True)
        )
    )


def head(session: Session, proposal_id: int) -> LogEntry | None:
    return session.scalar(
        select(LogEntry)
        .where(LogEntry.proposal_id == proposal_id)
        .order_by(LogEntry.seq.desc())
        .limit(1)
    )


@dataclass
class Verification:
    """What `verify` found: `problems` empty means the log, the ballots and the stored result
    agree. `tally` is the result recomputed from the log."""

    proposal_id: int
    entry_count: int = 0
    head_hash: str | None = None
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    tally: dict[str, str | None] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(session: Session, proposal_id: int, *, key: str | bytes) -> Verification:
    """Recompute the chain and the tally of a proposal from its log, and check them against
    the ballots and (after the close) the stored result. Reads only; raises NotFound."""
    proposal = session.get(Proposal, proposal_id)
    if proposal is None:
        raise NotFound("There is no such proposal.")
    found = Verification(proposal_id)
    log = entries(session, proposal_id)
    previous = GENESIS
    live: dict[int, LogEntry] = {}
    replaced: set[int] = set()
    for expected_seq, entry in enumerate(log, start=1):
        if entry.seq != expected_seq:
            found.problems.append(f"entry {expected_seq} is missing (found {entry.seq} next)")
        if hash_of(key, entry, previous) != entry.hash:
            found.problems.append(f"entry {entry.seq} does not match its hash")
        if entry.replaces_seq is not None:
            if entry.replaces_seq not in live:
                found.problems.append(
                    f"entry {entry.seq} replaces entry {entry.replaces_seq}, "
                    "which is not a current ballot"
                )
            else:
                del live[entry.replaces_seq]
                replaced.add(entry.replaces_seq)
        live[entry.seq] = entry
        previous = entry.hash
    found.entry_count = len(log)
    found.head_hash = log[-1].hash if log else None

    # The ballots table must hold exactly one ballot per live entry, agreeing with it.
    ballots = list(
        session.scalars(
            select(Ballot)
            .where(Ballot.proposal_id == proposal_id)
            .execution_options(populate_existing=True)
        )
    )
    voters = {
        v.member_id: v.member_class
        for v in session.scalars(select(Voter).where(Voter.proposal_id == proposal_id))
    }
    by_seq = Counter(b.log_seq for b in ballots)
    for ballot in ballots:
        current = live.get(ballot.log_seq)
        if current is None:
            found.problems.append(f"a ballot names entry {ballot.log_seq}, not a current ballot")
            continue
        if by_seq[ballot.log_seq] > 1:
            found.problems.append(f"more than one ballot names entry {ballot.log_seq}")
        if (current.choice, current.member_class, current.cast_by) != (
            ballot.choice,
            ballot.member_class,
            ballot.cast_by,
        ):
            found.problems.append(f"a ballot does not match log entry {current.seq}")
        if receipt_digest(key, proposal_id, ballot.member_id, current.seq) != current.receipt:
            found.problems.append(
                f"log entry {current.seq} is not the receipt of its ballot's voter"
            )
        if voters.get(ballot.member_id) != ballot.member_class:
            found.problems.append(f"log entry {current.seq} is not from a member of the electorate")
    missing = set(live) - set(by_seq)
    for seq in sorted(missing):
        found.problems.append(f"log entry {seq} has no ballot")

    found.counts = counts_by_class((e.member_class, e.choice) for e in live.values())
    if proposal.electorate_size:
        try:
            found.tally = tally_for(proposal, found.counts).to_json()
        except TallyError as error:  # e.g. more current ballots than voters
            found.problems.append(f"the log cannot be counted: {error}")

    result = proposal.result
    if result is not None:
        if result.entry_count != found.entry_count:
            found.problems.append(
                f"the result was stored with {result.entry_count} log entries; "
                f"the log now has {found.entry_count}"
            )
        if result.head_hash != found.head_hash:
            found.problems.append("the log's last hash is not the one stored at the close")
        if result.counts != found.counts:
            found.problems.append("the stored counts are not the log's")
        if result.tally != found.tally:
            found.problems.append("the stored result is not the log's tally")
    return found
