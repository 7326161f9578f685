"""The figures the co-op reports, as DOMAIN.md ("Figures the co-op reports") lays them down:
matching success, time to match, worker turnover, the matching funnel and the openings waiting
longest, with a CSV of them for facilitators.

Pure and standard library only: the caller reads the records and hands in plain values, so the
page, the CSV and the tests all count the same way. Each figure shows its numerator and
denominator, and none is shown for a group under 5."""

from __future__ import annotations

import csv
import io
import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

#: The smallest group a figure is shown for.
MIN_SHOWN = 5
HIDDEN_REASON = "Fewer than 5 to count, so not shown"
#: The matching states in the order a pair reaches them.
FUNNEL_STAGES = ("interested", "mutual", "trial", "matched")
SECONDS_PER_DAY = 86400

Unit = Literal["share", "days"]


@dataclass(frozen=True)
class Figure:
    """One reported figure. numerator, denominator and value are None when hidden, and then
    hidden_reason says why in plain words."""

    label: str
    numerator: int | None
    denominator: int | None
    value: float | None  # a share (0 to 1) or a number of days, as `unit` says
    unit: Unit
    hidden_reason: str | None


@dataclass(frozen=True)
class TrialOutcome:
    """A trial: when it ended (None while it runs) and whether both sides said "carry on"."""

    ended_at: datetime | None
    carried_on: bool


@dataclass(frozen=True)
class WorkerSpan:
    """One membership of a worker in a team over [joined_at, left_at); left_at None while it lasts."""

    worker_id: int
    joined_at: datetime
    left_at: datetime | None

    def __post_init__(self) -> None:
        if self.left_at is not None and self.left_at < self.joined_at:
            raise ValueError("a membership cannot end before it starts")

    def active_at(self, moment: datetime) -> bool:
        return self.joined_at <= moment and (self.left_at is None or self.left_at > moment)


@dataclass(frozen=True)
class FunnelRow:
    """How far one opening-and-worker pair got: one of FUNNEL_STAGES."""

    reached: str

    def __post_init__(self) -> None:
        if self.reached not in FUNNEL_STAGES:
            raise ValueError(f"a pair reaches one of {', '.join(FUNNEL_STAGES)}")


def _figure(label: str, numerator: int, denominator: int, value: float, unit: Unit) -> Figure:
    """The figure, or the same figure hidden when its group (the denominator) is under 5."""
    if denominator < MIN_SHOWN:
        return Figure(label, None, None, None, unit, HIDDEN_REASON)
    return Figure(label, numerator, denominator, value, unit, None)


def matching_success(trials: Iterable[TrialOutcome]) -> Figure:
    """The share of trials that ended with both sides carrying on, over the trials that ended.

    Trials still running are left out. Hidden when fewer than 5 trials have ended."""
    ended = [t for t in trials if t.ended_at is not None]
    carried_on = sum(t.carried_on for t in ended)
    value = carried_on / len(ended) if ended else 0.0
    return _figure("Matching success", carried_on, len(ended), value, "share")


def time_to_match(matches: Iterable[tuple[datetime, datetime]]) -> Figure:
    """The median number of days (fractional: seconds / 86400) from an opening's creation to a
    match it produced, over (opening created_at, matched_at) pairs.

    Numerator and denominator are both the number of matches (a median has no fraction behind
    it, but the page still says how many it is over). Hidden when there are fewer than 5 matches.
    Raises ValueError for a match dated before its opening."""
    days = []
    for opened, matched in matches:
        if matched < opened:
            raise ValueError("a match cannot come before its opening")
        days.append((matched - opened).total_seconds() / SECONDS_PER_DAY)
    value = statistics.median(days) if days else 0.0
    return _figure("Time to match (median days)", len(days), len(days), value, "days")


def worker_turnover(spans: Iterable[WorkerSpan], start: datetime, end: datetime) -> Figure:
    """Worker turnover over [start, end): leavers over the average number of workers.

    A leaver is a worker who holds no membership active at `end` and whose last membership
    ended within [start, end); leaving one team while staying in another, or leaving and
    rejoining, is not leaving. A membership is active at t when joined_at <= t < left_at.
    Memberships that begin after `end` are outside the period and ignored. The average number of
    workers is (workers active at `start` + workers active at `end`) / 2, the usual
    two-point average. The value is leavers / that average, exactly; the denominator shown is the
    average rounded half up, since a count of people is whole. Hidden when the average is under 5.
    Raises ValueError unless start < end."""
    if not start < end:
        raise ValueError("the period must start before it ends")
    by_worker: dict[int, list[WorkerSpan]] = defaultdict(list)
    for span in spans:
        if span.joined_at <= end:
            by_worker[span.worker_id].append(span)
    leavers = 0
    for worker_spans in by_worker.values():
        if any(s.active_at(end) for s in worker_spans):
            continue
        # None active at `end` and none begun after it, so every one has ended by `end`.
        last_left = max(s.left_at for s in worker_spans if s.left_at is not None)
        leavers += start <= last_left < end
    at_start = sum(any(s.active_at(start) for s in ws) for ws in by_worker.values())
    at_end = sum(any(s.active_at(end) for s in ws) for ws in by_worker.values())
    average = (at_start + at_end) / 2
    # Hidden on the exact average, so 4.5 workers is under 5 even though it would round to 5.
    if average < MIN_SHOWN:
        return Figure("Worker turnover", None, None, None, "share", HIDDEN_REASON)
    return _figure(
        "Worker turnover", leavers, math.floor(average + 0.5), leavers / average, "share"
    )


def funnel(interests: Iterable[FunnelRow]) -> list[tuple[str, int | None]]:
    """How many pairs reached at least each stage, in FUNNEL_STAGES order; a count under 5 is
    None. A pair that reached "trial" also counts as having been "interested" and "mutual"."""
    furthest = [FUNNEL_STAGES.index(row.reached) for row in interests]
    counts = [sum(f >= stage for f in furthest) for stage in range(len(FUNNEL_STAGES))]
    return [
        (name, count if count >= MIN_SHOWN else None)
        for name, count in zip(FUNNEL_STAGES, counts, strict=True)
    ]


def waiting_longest(
    openings: Iterable[tuple[int, datetime]], now: datetime, limit: int = 5
) -> list[tuple[int, int]]:
    """The `limit` open openings waiting longest, as (opening id, whole days waiting), oldest
    first and, at the same moment, the lower id first. Days are whole days since creation,
    never below 0 (an opening stamped a moment ahead of `now` has waited 0 days).
    Raises ValueError for a negative limit."""
    if limit < 0:
        raise ValueError("the limit cannot be negative")
    oldest = sorted(openings, key=lambda opening: (opening[1], opening[0]))[:limit]
    return [(opening_id, max(0, (now - created).days)) for opening_id, created in oldest]


def _cell(value: float | None, unit: Unit) -> str:
    # Shares to 4 places and days to 1 are as exact as anyone reading them needs.
    if value is None:
        return ""
    return f"{value:.4f}" if unit == "share" else f"{value:.1f}"


def figures_csv(
    figures: Sequence[Figure],
    funnel_rows: Sequence[tuple[str, int | None]],
    waiting: Sequence[tuple[int, int]],
) -> str:
    """The figures as CSV text with the header "figure,numerator,denominator,value" and the
    csv module's "\\r\\n" line ends. A hidden figure's cells are empty; funnel rows give the count
    as the value ("Reached interested"), and waiting rows the days ("Opening 12 days waiting")."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["figure", "numerator", "denominator", "value"])
    for figure in figures:
        numerator = "" if figure.numerator is None else str(figure.numerator)
        denominator = "" if figure.denominator is None else str(figure.denominator)
        writer.writerow([figure.label, numerator, denominator, _cell(figure.value, figure.unit)])
    for stage, count in funnel_rows:
        writer.writerow([f"Reached {stage}", "", "", "" if count is None else str(count)])
    for opening_id, days in waiting:
        writer.writerow([f"Opening {opening_id} days waiting", "", "", str(days)])
    return out.getvalue()
