"""Continuity and hours delivered on a hand-worked fixture. NOW is Wed 25 Nov 2026, 10:00 UTC:
the last 4 weeks run from Wed 28 Oct 10:00, and the 12 weeks before them from Wed 5 Aug 10:00.
A visit counts when it was delivered: arrival and leaving recorded, or its log confirmed."""

from __future__ import annotations

import html
import random
from datetime import UTC, datetime, timedelta

import pytest

from coop.clock import local
from rota.models import LIVE_STATES, ExtraTimeApproval
from rota.services import figures, money
from tests.conftest import NOW
from tests.rota.money_world import MoneyWorld, add_team, add_visit, build
from tests.test_db import Statements

pytestmark = pytest.mark.usefixtures("app")


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def world(session) -> MoneyWorld:
    world = build(session)
    team_b = add_team(session, world, "Bob's team", "Bob Baker", {"emma": "employed"})
    team_c = add_team(session, world, "Cara's team", "Cara Cole", {"wendy": "independent"})
    confirmed = {"status": "done", "log": "confirmed"}
    # The 12 weeks before: Emma and Ivan visited team A; Rita's July visit is too long ago.
    add_visit(session, world, "emma", at(10, 1, 9), 60, **confirmed)
    add_visit(session, world, "ivan", at(9, 1, 9), 60, **confirmed)
    add_visit(session, world, "representative", at(7, 1, 9), 60, **confirmed)
    # The last 4 weeks.
    add_visit(session, world, "emma", at(10, 29, 9), 60, **confirmed)  # continuity
    add_visit(
        session,
        world,
        "emma",
        at(11, 5, 9),
        60,
        status="done",
        arrived=at(11, 5, 9),
        left=at(11, 5, 10, 10),
    )  # continuity; 70 minutes
    add_visit(session, world, "emma", at(11, 12, 9), 60, **confirmed)  # continuity
    add_visit(session, world, "ivan", at(11, 3, 10), 30, **confirmed)  # continuity
    add_visit(session, world, "representative", at(11, 4, 11), 45, **confirmed)  # new to A
    add_visit(session, world, "representative", at(11, 18, 11), 45, **confirmed)
    add_visit(session, world, "emma", at(11, 19, 14), 90, team=team_b, **confirmed)  # new to B
    for day in (2, 9, 16, 23, 24):
        add_visit(session, world, "wendy", at(11, day, 9), 60, team=team_c, **confirmed)  # new to C
    # Not delivered: cancelled (early, so not charged either), and a log not yet confirmed.
    add_visit(
        session, world, "ivan", at(11, 20, 9), 60, status="cancelled", cancelled_at=at(11, 1, 9)
    )
    add_visit(session, world, "ivan", at(11, 21, 9), 60, log="written")
    return world


def test_continuity_equals_the_hand_computed_share(session, world):
    # Delivered in the last 4 weeks: Emma 3 and Ivan 1 (team A, both seen there before), Rita 2
    # (A; her visit was in July), Emma 1 (team B, new there), Wendy 5 (team C): 12 visits.
    found = figures.continuity(session, NOW)
    assert (found.numerator, found.denominator, found.shown, found.percent) == (4, 12, True, "33%")


def test_continuity_is_not_shown_for_fewer_than_five_visits(session, world):
    # From 5 Nov 10:00 back 4 weeks: Emma's 29 Oct (continuity), Ivan's 3 Nov (continuity),
    # Rita's 4 Nov and Wendy's 2 Nov: 4 visits.
    found = figures.continuity(session, at(11, 5, 8))
    assert (found.numerator, found.denominator, found.shown) == (2, 4, False)


def test_hours_delivered_equal_hand_computed_minutes(session, world):
    november, october, september = figures.hours_delivered(session, NOW)
    # November: team A 70 + 60 + 30 + 45 + 45 = 250 over 5 visits; B 90 over 1; C 5 * 60 = 300
    # over 5. In all 640 minutes over 11 visits.
    assert november.month == "2026-11"
    assert (november.total.numerator, november.total.denominator, november.total.shown) == (
        640,
        11,
        True,
    )
    rows = {team.name: figure for team, figure in november.by_team}
    assert (rows["Margaret's team"].numerator, rows["Margaret's team"].denominator) == (250, 5)
    assert (rows["Bob's team"].numerator, rows["Bob's team"].denominator) == (90, 1)
    assert (rows["Cara's team"].numerator, rows["Cara's team"].denominator) == (300, 5)
    # B is under 5 so hidden; A is hidden too, or 640 - 300 - 250 would give B away.
    assert [name for name, f in rows.items() if f.shown] == ["Cara's team"]
    # October: A's 1 Oct and 29 Oct, 120 over 2; September: Ivan's 60 over 1. Neither shown.
    assert (
        october.month,
        october.total.numerator,
        october.total.denominator,
        october.total.shown,
    ) == (
        "2026-10",
        120,
        2,
        False,
    )
    assert (september.total.numerator, september.total.denominator, september.total.shown) == (
        60,
        1,
        False,
    )


@pytest.mark.parametrize(("actor", "sees"), [("facilitator", True), ("leader", False)])
def test_the_dashboard_panel_shows_the_figures_to_facilitators(
    session, world, make_client, clock, actor, sees
):
    session.commit()
    page = make_client(world.people[actor]).get("/dashboard")
    if not sees:
        assert page.status_code == 404
        return
    text = html.unescape(" ".join(page.get_data(as_text=True).split()))
    assert "Continuity and hours delivered" in text
    assert "33%: 4 of 12 visits" in text
    assert "In all: 10 h 40 min over 11 visits." in text
    assert "Cara's team: 5 h over 5 visits" in text
    assert "Bob's team" not in text and "Margaret's team: " not in text


def test_the_databases_minutes_are_the_pay_rules_minutes(session):
    """The figures' SQL holds to `money.minutes_paid` itself: a few hundred random visits (times
    a little early, late, short and long, some with extra time approved; logs confirmed or
    not; a few cancelled), counted by the database and by the pay rule, month by month and
    team by team. Times are to the millisecond, as SQLite keeps them."""
    world = build(session)
    team_b = add_team(session, world, "Bob's team", "Bob Baker", {"emma": "employed"})
    rng = random.Random(20261125)
    start = datetime(2026, 8, 20, 6, 0, tzinfo=UTC)
    visits = []
    for i in range(360):
        planned = rng.choice([15, 30, 45, 60, 90])
        begins = start + timedelta(hours=5 * i)  # apart, so nobody is booked twice at once
        shape = rng.random()
        if shape < 0.5:
            arrived = begins + timedelta(milliseconds=rng.randrange(-900_000, 900_000))
            left = arrived + timedelta(milliseconds=rng.randrange(-60_000, (planned + 40) * 60_000))
            extra = {"status": "done", "arrived": arrived, "left": left}
        elif shape < 0.8:
            extra = {"status": "done", "log": rng.choice(["confirmed", "written"])}
        elif shape < 0.9:
            extra = {"status": "cancelled", "cancelled_at": begins - timedelta(hours=2)}
        else:
            extra = {}
        worker, team = rng.choice([("emma", team_b), ("ivan", None), ("representative", None)])
        visit = add_visit(session, world, worker, begins, planned, team=team, **extra)
        if rng.random() < 0.3:
            session.add(
                ExtraTimeApproval(
                    visit_id=visit.id, approved_by_id=world.people["leader"].id, approved_at=NOW
                )
            )
        visits.append(visit)
    session.flush()

    paid = money.charges(session, visits)
    by_the_rule: dict[tuple[str, int], list[int]] = {}
    for visit in visits:
        if visit.id in paid and visit.status in LIVE_STATES:
            key = (f"{local(visit.starts_at):%Y-%m}", visit.team_id)
            by_the_rule.setdefault(key, []).append(paid[visit.id].minutes)
    counted = {
        (month.month, team.id): (figure.numerator, figure.denominator)
        for month in figures.hours_delivered(session, NOW, months=4)
        for team, figure in month.by_team
    }
    assert counted == {key: (sum(m), len(m)) for key, m in by_the_rule.items()}
    assert len(counted) == 8  # four months, two teams: every case above was counted somewhere


def test_the_figures_take_the_same_few_statements_however_many_visits_there_are(db, session):
    """One statement for continuity, and two a month for hours (the sums, then the teams'
    names): the database adds the visits up, so a busier co-op costs no more statements."""
    world = build(session)
    counts = []
    for visits in (5, 50):
        for i in range(visits):
            begins = datetime(2026, 11, 1, 6, tzinfo=UTC) + timedelta(
                hours=3 * (i + len(counts) * 60)
            )
            add_visit(session, world, "ivan", begins, 60, status="done", log="confirmed")
        session.flush()
        seen = Statements(db.engine)
        try:
            figures.continuity(session, NOW)
            figures.hours_delivered(session, NOW)
        finally:
            seen.remove()
        counts.append(len(seen.sql))
    assert counts == [1 + 2 * 3, 1 + 2 * 3]
