"""Counting a proposal's ballots with `governance.tally`, and what a result may show.

Secret-ballot rules (DOMAIN.md): a class's counts show only when at least 3 of its members
voted, the rest merged as `non-investor`; when fewer than 3 investors voted, only the outcome
and the scrutineers' confirmation show, since the weights would reveal their counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from governance.models import MEMBER_CLASSES, Proposal
from governance.tally import CHOICES, RULES_BY_KIND, Rules, TallyResult, tally

MIN_SHOWN = 3
NON_INVESTOR = "non-investor"


def counts_by_class(ballots: Iterable[tuple[str, str]]) -> dict[str, dict[str, int]]:
    """(class, choice) pairs counted into {class: {choice: n}}, every class and choice present."""
    counts = {c: dict.fromkeys(CHOICES, 0) for c in MEMBER_CLASSES}
    for member_class, choice in ballots:
        counts[member_class][choice] += 1
    return counts


def rules_for(proposal: Proposal) -> Rules:
    """The kind's tally rules, with the electorate fixed when voting opened (so turnout shows)."""
    rules = dict(RULES_BY_KIND[proposal.kind])
    if proposal.electorate_size:
        rules["electorate"] = proposal.electorate_size
    return Rules.from_mapping(rules)


def tally_for(proposal: Proposal, counts: Mapping[str, Mapping[str, int]]) -> TallyResult:
    return tally(counts, rules_for(proposal))


def voted(row: Mapping[str, int]) -> int:
    return sum(row.values())


def shown_counts(counts: Mapping[str, Mapping[str, int]], *, secret: bool) -> dict[str, Any]:
    """What a result may show: `{"counts": {...} or None, "full": bool}`.

    For an open vote everything shows. For a secret one, a non-investor class with fewer than
    3 voters is merged into `non-investor` (and then every non-investor class is, so nothing
    can be worked out by subtraction); with fewer than 3 investors, or fewer than 3
    non-investors once merged, no counts or weights show at all (`full` is False).
    """
    rows = {c: dict(counts.get(c, dict.fromkeys(CHOICES, 0))) for c in MEMBER_CLASSES}
    if not secret:
        return {"counts": rows, "full": True}
    if voted(rows["investor"]) < MIN_SHOWN:
        return {"counts": None, "full": False}
    others = [c for c in MEMBER_CLASSES if c != "investor"]
    if all(voted(rows[c]) >= MIN_SHOWN for c in others):
        return {"counts": rows, "full": True}
    merged = {ch: sum(rows[c][ch] for c in others) for ch in CHOICES}
    if voted(merged) < MIN_SHOWN:
        return {"counts": None, "full": False}
    return {"counts": {NON_INVESTOR: merged, "investor": rows["investor"]}, "full": True}
