"""The facilitator figures read from real records made through the services, against values
worked out by hand."""

from __future__ import annotations

from datetime import timedelta

import pytest

from coop.errors import NotFound
from teams.matching import consent, reports
from tests import factories
from tests.conftest import NOW
from tests.teams.matching import people

TRIAL_START = NOW + timedelta(days=3)
TRIAL_END = TRIAL_START + timedelta(hours=2)
AFTER = TRIAL_END + timedelta(hours=1)  # NOW + 3 days 3 hours


def _through_trial(session, places, n, opened_days_ago, *, both_carry_on):
    opened = NOW - timedelta(days=opened_days_ago)
    _team, leader, opening = people.team_with_opening(
        session, places, leader_name=f"Leader {n}", now=opened
    )
    worker = people.worker(session, places, name=f"Worker {n}")
    interest = consent.express_interest(session, worker, opening_id=opening.id, now=NOW)
    consent.answer_interest(session, leader, interest.id, yes=True, now=NOW)
    start = TRIAL_START + timedelta(hours=3 * n)  # each worker's own trial, never clashing
    trial = consent.propose_trial(
        session, leader, interest.id, starts_at=start, ends_at=start + timedelta(hours=2), now=NOW
    )
    consent.agree_trial(session, worker, trial.id, now=NOW)
    when = AFTER + timedelta(hours=3 * n)
    consent.decide_after_trial(session, worker, trial.id, carry_on=True, now=when)
    if both_carry_on:
        consent.decide_after_trial(session, leader, trial.id, carry_on=True, now=when)
    else:
        consent.stop(session, leader, interest.id, now=when)
    return when - opened


def test_the_figures_equal_the_values_worked_out_by_hand(session):
    places = people.places(session)
    waits = [
        _through_trial(session, places, n, days, both_carry_on=n < 5)
        for n, days in enumerate((10, 12, 14, 20, 30, 8, 9))
    ]
    # Two more who only got as far as "interested" and "mutual".
    _, leader, opening = people.team_with_opening(session, places, leader_name="Leader 7")
    consent.express_interest(
        session, people.worker(session, places, name="Worker 7"), opening_id=opening.id, now=NOW
    )
    mutual = consent.express_interest(
        session, people.worker(session, places, name="Worker 8"), opening_id=opening.id, now=NOW
    )
    consent.answer_interest(session, leader, mutual.id, yes=True, now=NOW)

    figures = reports.matching_figures(session, places.facilitator, AFTER + timedelta(days=2))
    # Seven trials ended; the first five carried on: 5 / 7.
    assert (figures.success.numerator, figures.success.denominator) == (5, 7)
    assert figures.success.value == pytest.approx(5 / 7)
    # Matches waited 10, 12, 14, 20 and 30 days plus the time to the decision (3 days 3 hours
    # and 3n hours for the n-th): the median is the third, 14 days + 3 days 9 hours.
    assert figures.time_to_match.value == pytest.approx(14 + 3 + 9 / 24)
    assert figures.time_to_match.value == pytest.approx(
        sorted(w.total_seconds() for w in waits[:5])[2] / 86400
    )
    # Nine interests; eight reached mutual, seven a trial, five a match.
    assert figures.funnel == [("interested", 9), ("mutual", 8), ("trial", 7), ("matched", 5)]
    # Waiting: the open openings nobody was matched to: the two stopped ones (opened 8 and 9
    # days before NOW) and Leader 7's, opened at NOW; it is now NOW + 5 days 3 hours.
    assert [days for _, days in figures.waiting] == [14, 13, 5]
    csv = reports.matching_figures_csv(session, places.facilitator, AFTER)
    assert csv.splitlines()[0] == "figure,numerator,denominator,value"


def test_only_facilitators_see_the_figures_and_the_monitor(session):
    someone = factories.user(session)
    with pytest.raises(NotFound):
        reports.matching_figures(session, someone, NOW)
    with pytest.raises(NotFound):
        reports.equality_monitor(session, someone, NOW)
