"""The equality monitor's arithmetic, as DOMAIN.md ("Matching by mutual consent", "Equality
monitor") lays it down: decline rates by disclosed characteristic, a 95% Wilson interval, the flag
rule, and the small-count rule that keeps anyone's answer from being worked out.

Pure and standard library only: the caller reads the decisions log and the equality answers and
hands them in, so the page, the CSV and the tests all count the same way."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from teams.matching.vocabulary import EQUALITY_QUESTIONS, NOT_SAID, PREFER_NOT_TO_SAY

#: The smallest count the monitor shows; anything under it is hidden (DOMAIN.md).
MIN_SHOWN = 5
#: A group is flagged at 5/4 (1.25) times the overall rate or more, if its interval's lower
#: bound is also above the overall rate.
FLAG_RATIO_NUM, FLAG_RATIO_DEN = 5, 4
#: The normal quantile for a two-sided 95% interval.
Z_95 = 1.959963984540054
NOT_SAID_LABEL = "Not said"


@dataclass(frozen=True)
class Decision:
    """One side's decision on a person, from `interested` on.

    `subject_id` is the person decided on: a worker when a team decides, a supported person when
    a worker decides. `declined` is a "no" or "stop"; `lawful` marks a decline recorded as a
    lawful stated requirement, which the monitor counts apart."""

    subject_id: int
    declined: bool
    lawful: bool = False

    def __post_init__(self) -> None:
        # A lawful requirement explains a "no"; a "yes" marked lawful is a bug upstream, and
        # counting it either way would skew a rate silently.
        if self.lawful and not self.declined:
            raise ValueError("only a decline can be recorded as a lawful requirement")


@dataclass(frozen=True)
class GroupRow:
    """One answer group's figures; None means hidden by the small-count rule."""

    code: str
    label: str
    decisions: int | None
    declines: int | None
    lawful: int | None
    rate: float | None
    low: float | None
    high: float | None
    flagged: bool


@dataclass(frozen=True)
class CharacteristicTable:
    """One characteristic's decline rates: the overall figures, then one row per answer group in
    the vocabulary's order, with "Not said" last."""

    characteristic: str
    question: str
    overall_decisions: int | None
    overall_declines: int | None
    overall_lawful: int | None
    overall_rate: float | None
    rows: tuple[GroupRow, ...]


def wilson_interval(k: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval for k successes in n trials (95% with the default z).

    Promises 0 <= low <= k/n <= high <= 1. Raises ValueError unless n > 0 and 0 <= k <= n."""
    if n <= 0 or not 0 <= k <= n:
        raise ValueError("the Wilson interval needs n > 0 and 0 <= k <= n")
    p = k / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    # Rounding can push an end a hair past 0 or 1 when k is 0 or n.
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass
class _Group:
    code: str
    label: str
    n: int = 0  # decisions, lawful declines left out
    k: int = 0  # declines, lawful declines left out
    lawful: int = 0
    # Who was decided on: a group's figures also need 5 people behind them, or a rate could be
    # one person's story.
    people: set[int] = field(default_factory=set)
    shown: bool = False
    lawful_shown: bool = False


def _big_enough(n: int, k: int, people: int) -> bool:
    # The "yes" count n - k follows from n and k, so it must clear the bar too.
    return min(n, k, n - k, people) >= MIN_SHOWN


def _protect_decisions(groups: list[_Group], n: int, k: int, people: int) -> bool:
    """Hide whole groups until no hidden group's n, k or yes count follows by subtraction.

    A shown overall with hidden groups leaves their sum known: it must cover at least two groups
    (so no one group's figures are pinned down) and be at least 5 in each of n, k and n - k (so
    it never says "the hidden groups had no declines" or "declined every time"). Returns whether
    the overall figures stay shown; they are hidden only when no group is left to hide."""
    while True:
        hidden = [g for g in groups if not g.shown]
        shown = [g for g in groups if g.shown]
        rest_n = n - sum(g.n for g in shown)
        rest_k = k - sum(g.k for g in shown)
        rest_yes = rest_n - rest_k
        rest_people = people - sum(len(g.people) for g in shown)
        if not hidden or (
            len(hidden) >= 2 and min(rest_n, rest_k, rest_yes, rest_people) >= MIN_SHOWN
        ):
            return True
        if not shown:
            return False
        # Give up the least information: the smallest value in the partition that falls short.
        if len(hidden) < 2 or rest_n < MIN_SHOWN:
            victim = min(shown, key=lambda g: g.n)
        elif rest_k < MIN_SHOWN:
            victim = min(shown, key=lambda g: g.k)
        elif rest_people < MIN_SHOWN:
            victim = min(shown, key=lambda g: len(g.people))
        else:
            victim = min(shown, key=lambda g: g.n - g.k)
        victim.shown = victim.lawful_shown = False


def _protect_lawful(groups: list[_Group], lawful: int) -> bool:
    """The same rule for the lawful declines, hiding only lawful counts. Returns whether the
    overall lawful count stays shown."""
    while True:
        hidden = [g for g in groups if not g.lawful_shown]
        shown = [g for g in groups if g.lawful_shown]
        rest = lawful - sum(g.lawful for g in shown)
        if not hidden or (len(hidden) >= 2 and rest >= MIN_SHOWN):
            return True
        if not shown:
            return False
        min(shown, key=lambda g: g.lawful).lawful_shown = False


def _row(group: _Group, overall_n: int, overall_k: int) -> GroupRow:
    if not group.shown:
        # A hidden group is never flagged: a flag would say something about figures not shown.
        lawful = group.lawful if group.lawful_shown else None
        return GroupRow(group.code, group.label, None, None, lawful, None, None, None, False)
    low, high = wilson_interval(group.k, group.n)
    # rate >= 1.25 * overall, in integers so a rate exactly on the line is not lost to rounding.
    at_ratio = FLAG_RATIO_DEN * group.k * overall_n >= FLAG_RATIO_NUM * overall_k * group.n
    flagged = at_ratio and low > overall_k / overall_n
    return GroupRow(
        code=group.code,
        label=group.label,
        decisions=group.n,
        declines=group.k,
        lawful=group.lawful if group.lawful_shown else None,
        rate=group.k / group.n,
        low=low,
        high=high,
        flagged=flagged,
    )


def decline_table(
    characteristic: str, decisions: Iterable[Decision], answers: Mapping[int, str]
) -> CharacteristicTable:
    """The decline rates for one characteristic, small counts hidden.

    `answers` maps a subject's id to their answer code. Someone with no answer, "prefer not to
    say" or a code the vocabulary does not know counts in "Not said"; a raw answer never reaches
    the result. Lawful declines are counted apart and left out of every rate. A group shows its
    figures only when its decisions, declines, yeses and people are each at least 5, and more groups (or,
    failing that, the overall) are hidden until no hidden figure follows by subtraction. A group is
    flagged when shown, its rate is at least 1.25 times the overall and its interval's lower bound
    is above the overall rate. Raises KeyError for a characteristic the vocabulary lacks."""
    question, choices = EQUALITY_QUESTIONS[characteristic]
    groups = [_Group(code, label) for code, label in choices if code != PREFER_NOT_TO_SAY]
    groups.append(_Group(NOT_SAID, NOT_SAID_LABEL))
    by_code = {g.code: g for g in groups}
    not_said = by_code[NOT_SAID]
    for decision in decisions:
        # "Prefer not to say" is not among the groups, so it falls to "Not said" with unknown codes.
        group = by_code.get(answers.get(decision.subject_id, NOT_SAID), not_said)
        group.people.add(decision.subject_id)
        if decision.lawful:
            group.lawful += 1
        else:
            group.n += 1
            group.k += int(decision.declined)
    n = sum(g.n for g in groups)
    k = sum(g.k for g in groups)
    lawful = sum(g.lawful for g in groups)
    people = sum(len(g.people) for g in groups)
    for g in groups:
        g.shown = _big_enough(g.n, g.k, len(g.people))
        g.lawful_shown = g.shown and g.lawful >= MIN_SHOWN
    overall_shown = _big_enough(n, k, people) and _protect_decisions(groups, n, k, people)
    if not overall_shown:
        for g in groups:
            g.shown = g.lawful_shown = False
    lawful_shown = lawful >= MIN_SHOWN and _protect_lawful(groups, lawful)
    return CharacteristicTable(
        characteristic=characteristic,
        question=question,
        overall_decisions=n if overall_shown else None,
        overall_declines=k if overall_shown else None,
        overall_lawful=lawful if lawful_shown else None,
        overall_rate=k / n if overall_shown else None,
        rows=tuple(_row(g, n, k) for g in groups),
    )


def monitor(
    decisions_on_workers: Iterable[Decision],
    worker_answers: Mapping[int, Mapping[str, str]],
    decisions_on_supported: Iterable[Decision],
    supported_answers: Mapping[int, Mapping[str, str]],
) -> dict[str, list[CharacteristicTable]]:
    """The whole monitor: {"workers": [...], "supported": [...]}, one table per characteristic in
    the vocabulary's order. `*_answers` map a person's id to {characteristic: answer code}.

    Teams' decisions on workers are counted by the workers' answers; workers' decisions on
    supported people by the supported people's answers. The caller picks the period (the last
    12 months) when it reads the decisions log."""
    sides = {
        "workers": (tuple(decisions_on_workers), worker_answers),
        "supported": (tuple(decisions_on_supported), supported_answers),
    }
    return {
        side: [
            decline_table(
                characteristic,
                decisions,
                {
                    sid: given[characteristic]
                    for sid, given in answers.items()
                    if characteristic in given
                },
            )
            for characteristic in EQUALITY_QUESTIONS
        ]
        for side, (decisions, answers) in sides.items()
    }
