"""The figures the co-op reports, checked against sums done by hand on small records."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from teams.matching.figures import (
    HIDDEN_REASON,
    Figure,
    FunnelRow,
    TrialOutcome,
    WorkerSpan,
    figures_csv,
    funnel,
    matching_success,
    time_to_match,
    waiting_longest,
    worker_turnover,
)

T0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
START = datetime(2025, 11, 25, tzinfo=UTC)
END = datetime(2026, 11, 25, tzinfo=UTC)


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def trials(carried_on: int, stopped: int, running: int = 0) -> list[TrialOutcome]:
    return (
        [TrialOutcome(day(1), carried_on=True)] * carried_on
        + [TrialOutcome(day(1), carried_on=False)] * stopped
        + [TrialOutcome(None, carried_on=False)] * running
    )


def test_matching_success_counts_only_trials_that_ended() -> None:
    # 6 carried on + 2 stopped = 8 ended; 6 / 8 = 0.75. The 3 running ones are not counted.
    figure = matching_success(trials(6, 2, running=3))
    assert figure == Figure("Matching success", 6, 8, 0.75, "share", None)


def test_matching_success_is_hidden_under_five_ended_trials() -> None:
    # 4 ended (3 + 1) is hidden; 5 ended (3 + 2): 3 / 5 = 0.6 is shown.
    assert matching_success(trials(3, 1, running=10)) == Figure(
        "Matching success", None, None, None, "share", HIDDEN_REASON
    )
    assert matching_success(trials(3, 2)).value == 0.6


def test_time_to_match_is_the_median_of_five_spans() -> None:
    # Spans 1, 2.5, 3, 10, 40 days: the middle one is 3.
    spans = [1, 10, 2.5, 40, 3]
    figure = time_to_match([(day(0), day(d)) for d in spans])
    assert (figure.numerator, figure.denominator, figure.value) == (5, 5, 3.0)
    assert figure.unit == "days"


def test_time_to_match_of_six_spans_is_the_mean_of_the_middle_two() -> None:
    # Spans 0.5 (12 hours), 1, 2, 4, 8, 30 days: median (2 + 4) / 2 = 3.
    figure = time_to_match([(day(5), day(5 + d)) for d in (30, 2, 0.5, 8, 4, 1)])
    assert figure.value == 3.0 and figure.denominator == 6


def test_time_to_match_is_hidden_under_five_matches() -> None:
    figure = time_to_match([(day(0), day(d)) for d in (1, 2, 3, 4)])
    assert figure.value is None and figure.numerator is None
    assert figure.hidden_reason == HIDDEN_REASON


def test_a_match_before_its_opening_is_refused() -> None:
    with pytest.raises(ValueError, match="before its opening"):
        time_to_match([(day(2), day(1))])


def steady_workers(count: int, first_id: int = 100) -> list[WorkerSpan]:
    """Workers in one team since before the period, still there."""
    return [WorkerSpan(first_id + i, START - timedelta(days=30), None) for i in range(count)]


def test_worker_turnover_counts_only_workers_who_left_altogether() -> None:
    in_period = START + timedelta(days=100)
    spans = [
        *steady_workers(8),
        # 1: left one team in the period, still in another: not a leaver, active at both ends.
        WorkerSpan(1, START - timedelta(days=50), in_period),
        WorkerSpan(1, START - timedelta(days=10), None),
        # 2: left, then rejoined a month later: not a leaver, active at both ends.
        WorkerSpan(2, START - timedelta(days=50), in_period),
        WorkerSpan(2, in_period + timedelta(days=30), None),
        # 3: left two teams in the period, the later on day 150: a leaver, active at the start.
        WorkerSpan(3, START - timedelta(days=50), in_period),
        WorkerSpan(3, START - timedelta(days=40), START + timedelta(days=150)),
        # 4: last membership ended before the period: not counted anywhere.
        WorkerSpan(4, START - timedelta(days=400), START - timedelta(days=1)),
        # 5: joined and left within the period: a leaver, active at neither end.
        WorkerSpan(5, START + timedelta(days=10), START + timedelta(days=20)),
    ]
    # Active at the start: the 8 steady workers and 1, 2, 3 = 11. Active at the end: the 8 and
    # 1, 2 = 10. Average (11 + 10) / 2 = 10.5. Leavers: 3 and 5 = 2; 2 / 10.5 = 0.190476.
    # The denominator shows 10.5 rounded half up, 11.
    figure = worker_turnover(spans, START, END)
    assert (figure.numerator, figure.denominator) == (2, 11)
    assert figure.value == pytest.approx(2 / 10.5)


def test_worker_turnover_is_hidden_under_an_average_of_five() -> None:
    leaver = WorkerSpan(1, START - timedelta(days=5), START + timedelta(days=5))
    # 4 steady + 1 leaver: (5 + 4) / 2 = 4.5, hidden.
    hidden = worker_turnover([*steady_workers(4), leaver], START, END)
    assert hidden.value is None and hidden.denominator is None
    assert hidden.hidden_reason == HIDDEN_REASON
    # 5 steady + 1 leaver: (6 + 5) / 2 = 5.5, shown as 1 over 6 (5.5 rounded half up), 1 / 5.5.
    shown = worker_turnover([*steady_workers(5), leaver], START, END)
    assert (shown.numerator, shown.denominator) == (1, 6)
    assert shown.value == pytest.approx(1 / 5.5)
    # Exactly 5 steady workers and no leavers: 0 / 5 is shown.
    assert worker_turnover(steady_workers(5), START, END).value == 0.0


def test_leaving_exactly_at_the_end_of_the_period_counts_in_the_next() -> None:
    # Half-open periods: left_at == END is not active at END, but belongs to [END, ...).
    spans = [*steady_workers(6), WorkerSpan(1, START - timedelta(days=5), END)]
    assert worker_turnover(spans, START, END).numerator == 0
    assert worker_turnover(spans, END, END + timedelta(days=365)).numerator == 1


def test_worker_turnover_refuses_an_empty_period() -> None:
    with pytest.raises(ValueError, match="period"):
        worker_turnover([], END, START)


def test_funnel_counts_pairs_that_got_at_least_that_far() -> None:
    reached = ["interested"] * 4 + ["mutual"] * 3 + ["trial"] * 2 + ["matched"] * 5
    # interested: 4 + 3 + 2 + 5 = 14; mutual: 3 + 2 + 5 = 10; trial: 2 + 5 = 7; matched: 5.
    assert funnel(FunnelRow(r) for r in reached) == [
        ("interested", 14),
        ("mutual", 10),
        ("trial", 7),
        ("matched", 5),
    ]
    # One fewer matched: 4 is hidden, 5 trials (1 + 4) still shown.
    reached = ["trial", *["matched"] * 4]
    assert funnel(FunnelRow(r) for r in reached) == [
        ("interested", 5),
        ("mutual", 5),
        ("trial", 5),
        ("matched", None),
    ]


def test_a_funnel_row_must_name_a_stage() -> None:
    with pytest.raises(ValueError, match="reaches one of"):
        FunnelRow("member")


def test_waiting_longest_lists_the_oldest_openings_first() -> None:
    now = day(100)
    openings = [(7, day(90)), (3, day(10)), (9, day(10)), (1, day(50.5)), (4, day(99.9))]
    # 3 and 9 opened at the same moment (90 days ago): lower id first. 1: 49.5 days -> 49.
    assert waiting_longest(openings, now, limit=3) == [(3, 90), (9, 90), (1, 49)]
    assert waiting_longest(openings, now)[-1] == (4, 0)
    assert waiting_longest([(2, day(101))], now) == [(2, 0)]


def test_figures_csv_leaves_hidden_cells_empty() -> None:
    figures = [
        matching_success(trials(6, 2)),
        time_to_match([(day(0), day(d)) for d in (1, 2)]),
    ]
    text = figures_csv(figures, [("interested", 14), ("matched", None)], [(3, 90)])
    assert text.startswith("figure,numerator,denominator,value\r\n")
    assert list(csv.reader(io.StringIO(text))) == [
        ["figure", "numerator", "denominator", "value"],
        ["Matching success", "6", "8", "0.7500"],
        ["Time to match (median days)", "", "", ""],
        ["Reached interested", "", "", "14"],
        ["Reached matched", "", "", ""],
        ["Opening 3 days waiting", "", "", "90"],
    ]
