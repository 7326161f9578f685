"""The tally of a resolution, exactly as DOMAIN.md ("The tally") lays it down.

Pure and standard library only, so the meeting pages, `governance verify` and `governance tally`
all count the same way."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from fractions import Fraction
from typing import Any, Literal, NoReturn, TypeGuard, get_args

CapMode = Literal["ceiling", "fixed", "none"]
ThresholdRule = Literal["more-than", "at-least"]
Denominator = Literal["votes", "electorate"]
Outcome = Literal["passed", "failed", "no-valid-vote"]

INVESTOR = "investor"
CLASSES = ("supported", "advocate", "worker", INVESTOR, "non-investor")
CHOICES = ("for", "against", "abstain")

_FRACTION_RULES = ("cap", "threshold", "min_turnout")
# Stricter than Fraction() itself, which would also take " 1/10", "1e-1" and "1_0"; the length
# limit keeps us under the digits Python will turn into a number.
_FRACTION_TEXT = re.compile(r"-?[0-9]{1,1000}(?:/[0-9]{1,1000}|\.[0-9]{1,1000})?")

# The rules each kind of resolution fixes (DOMAIN.md, "Resolutions"). A caller must add
# `electorate` (the number of members who may vote) for special-conversion and
# special-dissolution: Rules.from_mapping refuses them without it. The confirming second
# meeting of an amalgamation or conversion is a resolution of its own, tallied separately.
# The 2014 Act counts special resolutions among "the members voting", so abstentions do not.
_SPECIAL = {"cap_mode": "none", "threshold_rule": "at-least", "abstentions_count": False}
RULES_BY_KIND: dict[str, dict[str, Any]] = {
    "ordinary": {
        "cap": "1/10",
        "cap_mode": "ceiling",
        "threshold": "1/2",
        "threshold_rule": "more-than",
        "abstentions_count": True,
    },
    "extraordinary": {
        "cap": "1/10",
        "cap_mode": "ceiling",
        "threshold": "3/4",
        "threshold_rule": "more-than",
        "abstentions_count": True,
    },
    "special-amalgamation": {**_SPECIAL, "threshold": "2/3"},
    "special-conversion": {**_SPECIAL, "threshold": "3/4", "min_turnout": "1/2"},
    "special-dissolution": {**_SPECIAL, "threshold": "3/4", "denominator": "electorate"},
}


class TallyError(ValueError):
    """Bad input to the tally; the message is one plain-English line naming what is wrong."""


@dataclass(frozen=True)
class Rules:
    """How one resolution is counted. Construction checks every field and raises TallyError."""

    cap: Fraction = Fraction(1, 10)
    cap_mode: CapMode = "ceiling"
    threshold: Fraction = Fraction(1, 2)
    threshold_rule: ThresholdRule = "more-than"
    abstentions_count: bool = True
    denominator: Denominator = "votes"
    electorate: int | None = None
    min_turnout: Fraction | None = None

    def __post_init__(self) -> None:
        # The cap is checked even where cap_mode is "none": DOMAIN.md says so.
        for name, value in (("cap", self.cap), ("threshold", self.threshold)):
            if not (isinstance(value, Fraction) and 0 < value < 1):
                _refuse(f"{name} must lie strictly between 0 and 1", value)
        for name, words in (
            ("cap_mode", CapMode),
            ("threshold_rule", ThresholdRule),
            ("denominator", Denominator),
        ):
            value, allowed = getattr(self, name), get_args(words)
            if value not in allowed:
                _refuse(f"{name} must be {', '.join(allowed[:-1])} or {allowed[-1]}", value)
        if not isinstance(self.abstentions_count, bool):
            _refuse("abstentions_count must be true or false", self.abstentions_count)
        # An electorate of 0 would make turnout and an electorate-based share 0/0.
        if self.electorate is not None and not (_is_whole(self.electorate) and self.electorate > 0):
            _refuse("electorate must be a whole number of 1 or more", self.electorate)
        turnout = self.min_turnout
        if turnout is not None and not (isinstance(turnout, Fraction) and 0 < turnout <= 1):
            _refuse("min_turnout must lie above 0 and at most 1", turnout)
        if self.electorate is None and (turnout is not None or self.denominator == "electorate"):
            needs = "min_turnout" if turnout is not None else "denominator electorate"
            raise TallyError(f"{needs} needs the electorate (the number of members who may vote)")

    @classmethod
    def from_mapping(cls, data: object) -> Rules:
        """Rules from a JSON-shaped mapping; a missing key takes its default.

        Fractions must be strings ("1/10" or "0.1"); null is accepted for `electorate` and
        `min_turnout` (their default). Raises TallyError for an unknown key, a float or any value
        of the wrong type or out of range.
        """
        if not isinstance(data, Mapping):
            _refuse("rules must be an object", data)
        known = {field.name for field in fields(cls)}
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key not in known:
                raise TallyError(f"unknown rule {key!r}")
            if key in _FRACTION_RULES and not (value is None and key == "min_turnout"):
                value = _fraction(key, value)
            values[key] = value
        return cls(**values)


@dataclass(frozen=True)
class TallyResult:
    """What a tally found: T is `weighted_total`, F `weighted_for`, F/T `for_share`.

    With no valid vote nothing is weighed, so every figure but `turnout` is None. `turnout` (all
    cast ballots over the electorate) is given whenever the electorate is known.
    """

    outcome: Outcome
    reason: Literal["turnout"] | None = None
    investor_weight: Fraction | None = None
    weighted_for: Fraction | None = None
    weighted_total: Fraction | None = None
    for_share: Fraction | None = None
    turnout: Fraction | None = None

    @property
    def for_share_percent(self) -> str | None:
        """The share for, as a percentage with two decimals rounded half-up; for display only."""
        if self.for_share is None:
            return None
        hundredths = math.floor(self.for_share * 10_000 + Fraction(1, 2))
        return f"{hundredths // 100}.{hundredths % 100:02d}"

    def to_json(self) -> dict[str, str | None]:
        """The result as DOMAIN.md prints it: fractions as "21/40" (whole ones as "1"), or None."""
        return {
            "outcome": self.outcome,
            "reason": self.reason,
            "investor_weight": _text(self.investor_weight),
            "weighted_for": _text(self.weighted_for),
            "weighted_total": _text(self.weighted_total),
            "for_share": _text(self.for_share),
            "turnout": _text(self.turnout),
            "for_share_percent": self.for_share_percent,
        }


def parse_counts(data: object) -> dict[str, dict[str, int]]:
    """Ballot counts per class and choice, with every choice filled in (a missing one is 0).

    Raises TallyError for an unknown class or choice, or a count that is not a whole number of 0
    or more (booleans and floats are not counts).
    """
    if not isinstance(data, Mapping):
        _refuse("counts must be an object of classes", data)
    counts: dict[str, dict[str, int]] = {}
    for member_class, choices in data.items():
        if member_class not in CLASSES:
            raise TallyError(f"unknown class {member_class!r}")
        if not isinstance(choices, Mapping):
            _refuse(f"counts for {member_class} must be an object of choices", choices)
        row = dict.fromkeys(CHOICES, 0)
        for choice, count in choices.items():
            if choice not in CHOICES:
                raise TallyError(f"unknown choice {choice!r} for {member_class}")
            if not (_is_whole(count) and count >= 0):
                _refuse(
                    f"count for {member_class}/{choice} must be a whole number of 0 or more", count
                )
            row[choice] = count
        counts[member_class] = row
    return counts


def tally(counts: Mapping[str, Mapping[str, int]], rules: Rules) -> TallyResult:
    """Count a resolution by DOMAIN.md's steps 1 to 5.

    Raises TallyError when the counts are malformed (see parse_counts) or the electorate is
    smaller than the number of ballots cast.
    """
    rows = parse_counts(counts)
    cast = sum(sum(row.values()) for row in rows.values())
    electorate = rules.electorate
    if electorate is not None and electorate < cast:
        _refuse(f"electorate must be at least the number of ballots cast ({cast})", electorate)
    turnout = None if electorate is None else Fraction(cast, electorate)

    n_other = n_investor = for_other = for_investor = 0
    for member_class, row in rows.items():
        counted = row["for"] + row["against"] + (row["abstain"] if rules.abstentions_count else 0)
        if member_class == INVESTOR:
            n_investor, for_investor = n_investor + counted, for_investor + row["for"]
        else:
            n_other, for_other = n_other + counted, for_other + row["for"]

    # Investors alone never decide.
    if rules.denominator == "votes" and n_other == 0:
        return TallyResult("no-valid-vote", turnout=turnout)

    weight = _investor_weight(n_other, n_investor, rules)
    counted_weight = Fraction(0) if weight is None else weight
    weighted_for = for_other + counted_weight * for_investor
    if rules.denominator == "electorate" and electorate is not None:
        weighted_total = Fraction(electorate)
    else:
        weighted_total = n_other + counted_weight * n_investor
    share = weighted_for / weighted_total

    reason: Literal["turnout"] | None = None
    if rules.min_turnout is not None and turnout is not None and turnout < rules.min_turnout:
        outcome: Outcome = "failed"
        reason = "turnout"
    elif rules.threshold_rule == "more-than":
        outcome = "passed" if share > rules.threshold else "failed"
    else:
        outcome = "passed" if share >= rules.threshold else "failed"
    return TallyResult(outcome, reason, weight, weighted_for, weighted_total, share, turnout)


def tally_document(data: object) -> dict[str, str | None]:
    """Tally the CLI's document, ``{"rules": {...}, "counts": {...}}`` (rules optional).

    Returns TallyResult.to_json(). Raises TallyError for any other top-level key, missing counts,
    or anything Rules.from_mapping, parse_counts or tally refuse.
    """
    if not isinstance(data, Mapping):
        _refuse("the document must be an object", data)
    unknown = [key for key in data if key not in ("rules", "counts")]
    if unknown:
        raise TallyError(f"unknown key {unknown[0]!r} in the document (only rules and counts)")
    if "counts" not in data:
        raise TallyError("the document has no counts")
    rules = Rules.from_mapping(data.get("rules", {}))
    return tally(parse_counts(data["counts"]), rules).to_json()


def _investor_weight(n_other: int, n_investor: int, rules: Rules) -> Fraction | None:
    if n_investor == 0:
        return None
    if rules.cap_mode == "none":
        return Fraction(1)
    if rules.cap_mode == "ceiling" and Fraction(n_investor, n_other + n_investor) <= rules.cap:
        return Fraction(1)
    # Scaled so investors hold exactly `cap` of nO + w*nI.
    return rules.cap * n_other / ((1 - rules.cap) * n_investor)


def _fraction(name: str, value: object) -> Fraction:
    if isinstance(value, Fraction):
        return value
    if not (isinstance(value, str) and _FRACTION_TEXT.fullmatch(value)):
        _refuse(f'{name} must be a fraction written as a string like "1/10" or "0.1"', value)
    try:
        return Fraction(value)
    except ZeroDivisionError:
        raise TallyError(f"{name} has a zero denominator: {value!r}") from None


def _is_whole(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _refuse(what: str, value: object) -> NoReturn:
    raise TallyError(f"{what}, not {_shown(value)}")


def _shown(value: object) -> str:
    """A value as the person who wrote the JSON would recognise it."""
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, Fraction):
        return str(value)
    return repr(value)


def _text(value: Fraction | None) -> str | None:
    return None if value is None else str(value)
