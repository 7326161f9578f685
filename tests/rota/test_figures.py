"""Continuity and hours delivered on a hand-worked fixture. NOW is Wed 25 Nov 2026, 10:00 UTC:
the last 4 weeks run from Wed 28 Oct 10:00, and the 12 weeks before them from Wed 5 Aug 10:00.
A visit counts when it was delivered: arrival and leaving recorded, or its log confirmed."""

from __future__ import annotations

import html
from datetime import UTC, datetime

import pytest

from rota.services import figures
from tests.conftest import NOW
from tests.rota.money_world import MoneyWorld, add_team, add_visit, build

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
