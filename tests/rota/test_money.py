"""Pay and the personal budget, on one hand-worked month (November 2026, when the UK is on GMT,
so local and UTC times are the same): minutes paid, timesheets and invoices in pence, approval
(nobody approves their own) and the lock it puts on visits, the budget's spent / committed /
projected figures with the co-op's contribution and employer on-costs, and who may see what
through the pages and the API."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

import pytest
from sqlalchemy import select

from coop.errors import Conflict, Forbidden, Invalid, NotFound
from rota.models import ExtraTimeApproval, PayPeriod, Visit
from rota.services import budget as budgets
from rota.services import money, visits
from tests.conftest import NOW, adopt, audited, build_once, post_form
from tests.rota.money_world import MoneyWorld, add_visit, build, set_rate, set_setting

# Every test here needs the app (its settings registry, and the shared fixtures' teardown).
pytestmark = pytest.mark.usefixtures("app")


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


pytestmark = pytest.mark.shared_world


@pytest.fixture(scope="module")
def built(module_db) -> MoneyWorld:
    return build_once(module_db, build)


@pytest.fixture
def world(session, built) -> MoneyWorld:
    return adopt(session, built)


@pytest.fixture
def november(session, world) -> dict[str, Visit]:
    """The month every figure below is worked out from.

    Rates: Emma (employed) 1200p an hour; Ivan (independent) 1850p, then 2000p from 20 Nov;
    Rita (the representative, independent) 1500p. The co-op adds 10% (1000 bp); employed
    workers' on-costs are 25% (2500 bp). Budget: £2,000 a month less Margaret's own £250.
    """
    set_setting(session, "coop_contribution_bp", 1000)
    set_setting(session, "employer_oncost_bp", 2500)
    set_rate(session, world, "emma", 1200, date(2026, 1, 1))
    set_rate(session, world, "ivan", 1850, date(2026, 1, 1))
    set_rate(session, world, "ivan", 2000, date(2026, 11, 20))
    set_rate(session, world, "representative", 1500, date(2026, 1, 1))
    budgets.set_budget(
        session,
        world.s(session, "leader"),
        amount_pence=200_000,
        period="month",
        source="direct_payment",
        contribution_pence=25_000,
        starts_on=date(2026, 1, 1),
        now=NOW,
    )
    v = {
        # Arrived 09:05, left 10:20: 75 minutes, exactly the cap of 60 + 15.
        "emma_1": add_visit(
            session,
            world,
            "emma",
            at(2, 9),
            60,
            status="done",
            arrived=at(2, 9, 5),
            left=at(2, 10, 20),
        ),
        # Stayed two hours: capped at 75 minutes unless the leader approves more.
        "emma_2": add_visit(
            session, world, "emma", at(3, 9), 60, status="done", arrived=at(3, 9), left=at(3, 11)
        ),
        # No arrival record but the log is confirmed: the planned 45 minutes.
        "emma_3": add_visit(session, world, "emma", at(4, 9), 45, status="done", log="confirmed"),
        # Log written but not confirmed, no arrival: not paid yet, still committed.
        "emma_4": add_visit(session, world, "emma", at(5, 9), 60, log="written"),
        # 37 minutes of a planned 50.
        "ivan_1": add_visit(
            session,
            world,
            "ivan",
            at(6, 14),
            50,
            status="done",
            arrived=at(6, 14),
            left=at(6, 14, 37),
        ),
        "ivan_2": add_visit(session, world, "ivan", at(10, 14), 20, status="done", log="confirmed"),
        # 27 minutes at 1850p is 832.5p: rounds half-up to 833p.
        "ivan_3": add_visit(
            session,
            world,
            "ivan",
            at(12, 14),
            30,
            status="done",
            arrived=at(12, 14),
            left=at(12, 14, 27),
        ),
        # Cancelled 6 hours before: charged at the planned cost (new rate, 2000p).
        "ivan_late": add_visit(
            session, world, "ivan", at(24, 14), 60, status="cancelled", cancelled_at=at(24, 8)
        ),
        # Cancelled a week ahead: nothing.
        "ivan_early": add_visit(
            session, world, "ivan", at(21, 14), 60, status="cancelled", cancelled_at=at(15, 8)
        ),
        # In the hospital stay (below): cancelled 2 hours before, but without charge.
        "ivan_paused": add_visit(session, world, "ivan", at(22, 14), 60),
        # Planned, in the future.
        "emma_future": add_visit(session, world, "emma", at(27, 9), 120),
        "ivan_future": add_visit(session, world, "ivan", at(28, 10), 90, status="offered"),
        # Open (nobody yet): no rate, so not committed. December: another period.
        "open": add_visit(session, world, None, at(29, 9), 60),
        "ivan_december": add_visit(session, world, "ivan", at(2, 14, month=12), 60),
        # The representative's own paid visit, in October.
        "rita_october": add_visit(
            session,
            world,
            "representative",
            at(9, 10, month=10),
            60,
            status="done",
            log="confirmed",
        ),
    }
    _pause, cancelled = budgets.pause_visits(
        session,
        world.s(session, "leader"),
        first_day=date(2026, 11, 21),
        last_day=date(2026, 11, 23),
        now=at(22, 12),
    )
    assert cancelled == 1
    return v


# Arithmetic --------------------------------------------------------------------------------------


def test_money_is_exact_and_rounds_half_up_per_visit():
    assert money.round_half_up(Fraction(5, 2)) == 3  # 2.5p -> 3p (banker's rounding would give 2)
    assert money.round_half_up(Fraction(7, 2)) == 4
    assert money.round_half_up(Fraction(249, 100)) == 2
    assert money.pay_pence(27, 1850) == 833  # 27 * 1850 / 60 = 832.5
    # 60 min at 1200p with 10% + 25%: 1200 * 1.35 = 1620; independent: no on-costs, 1320.
    assert budgets.cost_pence(60, 1200, contribution_bp=1000, oncost_bp=2500, employed=True) == 1620
    assert (
        budgets.cost_pence(60, 1200, contribution_bp=1000, oncost_bp=2500, employed=False) == 1320
    )
    # 27 * 1850 / 60 * 1.1 = 915.75 -> 916
    assert budgets.cost_pence(27, 1850, contribution_bp=1000, oncost_bp=0, employed=False) == 916
    assert money.pounds(156_526) == "£1,565.26"


# The budget --------------------------------------------------------------------------------------


def test_budget_figures_equal_hand_computed_pence(session, world, november):
    figures = budgets.team_budget(session, world.s(session, "leader"), NOW)
    assert figures is not None
    assert (figures.first_day, figures.last_day) == (date(2026, 11, 1), date(2026, 11, 30))
    assert figures.available == 200_000 - 25_000  # 175000
    # Spent (cost = minutes * rate / 60 * (1 + c + o), rounded per visit):
    #   emma_1    75 min * 1200 / 60 = 1500 * 1.35 = 2025
    #   emma_2    75 min (capped)    = 1500 * 1.35 = 2025
    #   emma_3    45 min * 1200 / 60 =  900 * 1.35 = 1215
    #   ivan_1    37 min * 1850 / 60 = 1140.833 * 1.10 = 1254.916 -> 1255
    #   ivan_2    20 min * 1850 / 60 =  616.667 * 1.10 =  678.333 ->  678
    #   ivan_3    27 min * 1850 / 60 =  832.5   * 1.10 =  915.75  ->  916
    #   ivan_late 60 min * 2000 / 60 = 2000     * 1.10 = 2200
    assert figures.spent == 2025 + 2025 + 1215 + 1255 + 678 + 916 + 2200 == 10_314
    # Committed (planned minutes):
    #   emma_4       60 min * 1200 / 60 = 1200 * 1.35 = 1620
    #   emma_future 120 min * 1200 / 60 = 2400 * 1.35 = 3240
    #   ivan_future  90 min * 2000 / 60 = 3000 * 1.10 = 3300
    assert figures.committed == 1620 + 3240 + 3300 == 8160
    assert figures.projected == 175_000 - 10_314 - 8160 == 156_526
    charged = {v.id for v, _ in figures.spent_lines}
    assert november["ivan_paused"].id not in charged and november["ivan_early"].id not in charged
    assert session.get(Visit, november["ivan_paused"].id).status == "cancelled"


def test_a_year_and_four_week_budgets_run_from_their_start_day(session, world):
    budget = budgets.set_budget(
        session,
        world.s(session, "leader"),
        amount_pence=100,
        period="four_weeks",
        source="own_money",
        starts_on=date(2026, 11, 2),
        now=NOW,
    )
    assert budgets.period_around(budget, date(2026, 11, 29)) == (
        date(2026, 11, 2),
        date(2026, 11, 30),
    )
    assert budgets.period_around(budget, date(2026, 11, 30)) == (
        date(2026, 11, 30),
        date(2026, 12, 28),
    )
    budget.period = "year"
    assert budgets.period_around(budget, date(2027, 3, 1)) == (date(2026, 11, 2), date(2027, 11, 2))
    assert audited(
        session,
        "budget.set",
        actor=world.people["leader"],
        object_type="budget",
        object_id=budget.id,
    ).changes["fields"]


def test_only_the_leader_or_representative_sets_the_budget(session, world):
    with pytest.raises(Forbidden):
        budgets.set_budget(
            session,
            world.s(session, "rota_holder"),
            amount_pence=1,
            period="month",
            source="own_money",
            starts_on=date(2026, 11, 1),
            now=NOW,
        )
    with pytest.raises(Invalid):
        budgets.set_budget(
            session,
            world.s(session, "representative"),
            amount_pence=100,
            period="week",
            source="own_money",
            contribution_pence=200,
            starts_on=date(2026, 11, 1),
            now=NOW,
        )


def test_a_visit_that_would_overspend_warns_and_still_saves(session, world, november):
    budgets.set_budget(
        session,
        world.s(session, "leader"),
        amount_pence=30_000,
        period="month",
        source="direct_payment",
        contribution_pence=11_000,
        starts_on=date(2026, 1, 1),
        now=NOW,
    )
    # Available 19000; spent 10314 + committed 8160 = 18474; 526 left. A 30-minute visit of
    # Ivan's at 2000p costs 1000 * 1.1 = 1100: over by 574.
    planned = visits.plan_visit(
        session,
        world.s(session, "rota_holder"),
        starts_at=at(30, 9),
        ends_at=at(30, 9, 30),
        worker_id=world.people["ivan"].id,
        now=NOW,
    )
    assert planned.visit.id is not None
    assert [w for w in planned.warnings if w.startswith("Budget")] == [
        "Budget: this visit costs £11.00 and would take the budget for 1 Nov to 30 Nov 2026 over by £5.74."
    ]


# Minutes paid, timesheets and invoices -----------------------------------------------------------


def test_timesheet_and_invoice_totals_equal_hand_computed_pence(session, world, november):
    emma = money.find_period(
        session, world.s(session, "leader"), world.people["emma"].id, "2026-11"
    )
    assert (emma.kind, emma.status) == ("timesheet", "draft")
    # 75 + 75 + 45 minutes; 1500 + 1500 + 900 pence (pay has no co-op share or on-costs).
    assert [(line["minutes"], line["amount_pence"], line["reason"]) for line in emma.lines] == [
        (75, 1500, "times"),
        (75, 1500, "times"),
        (45, 900, "confirmed"),
    ]
    assert (emma.minutes, emma.amount_pence) == (195, 3900)
    ivan = money.find_period(session, world.s(session, "ivan"), world.people["ivan"].id, "2026-11")
    assert ivan.kind == "invoice"
    # 37 min at 1850 = 1140.83 -> 1141; 20 min = 616.67 -> 617; 27 min = 832.5 -> 833;
    # the late cancellation 60 min at 2000 = 2000.
    assert [(line["minutes"], line["amount_pence"]) for line in ivan.lines] == [
        (37, 1141),
        (20, 617),
        (27, 833),
        (60, 2000),
    ]
    assert (ivan.minutes, ivan.amount_pence) == (144, 1141 + 617 + 833 + 2000) == (144, 4591)
    team = money.team_periods(session, world.s(session, "leader"), "2026-11")
    assert {(p.worker_id, p.amount_pence) for p in team} == {
        (world.people["emma"].id, 3900),
        (world.people["ivan"].id, 4591),
    }
    assert [p.amount_pence for p in money.my_periods(session, world.people["emma"], "2026-11")] == [
        3900
    ]


def test_the_leader_can_agree_to_pay_extra_time(session, world, november):
    visit = november["emma_2"]
    with pytest.raises(Forbidden):
        money.approve_extra_time(session, world.s(session, "emma"), visit, now=NOW)
    money.approve_extra_time(session, world.s(session, "leader"), visit, now=NOW)
    assert session.scalar(select(ExtraTimeApproval.approved_by_id)) == world.people["leader"].id
    emma = money.find_period(
        session, world.s(session, "leader"), world.people["emma"].id, "2026-11"
    )
    # emma_2 is now its whole 120 minutes: 2400p.
    assert (emma.minutes, emma.amount_pence) == (240, 1500 + 2400 + 900)


def test_the_csv_export_lists_each_visit_and_the_total(session, world, november):
    period = money.find_period(
        session, world.s(session, "leader"), world.people["emma"].id, "2026-11"
    )
    rows = money.period_csv(period).splitlines()
    assert rows[0].startswith("visit,date,start,end")
    assert rows[1] == f"{november['emma_1'].id},2026-11-02,09:00,10:00,visit,60,75,times,1200,1500"
    assert rows[-1] == "total,,,,,,195,,,3900"


def test_approving_freezes_the_period_and_locks_its_visits(session, world, november):
    leader = world.s(session, "leader")
    period = money.approve_period(session, leader, world.people["emma"].id, "2026-11", now=NOW)
    assert (period.status, period.amount_pence, period.approved_by_id) == (
        "approved",
        3900,
        world.people["leader"].id,
    )
    audited(
        session,
        "pay_period.approved",
        actor=world.people["leader"],
        object_type="pay_period",
        object_id=period.id,
    )
    with pytest.raises(Conflict):
        visits.change_visit(
            session,
            world.s(session, "rota_holder"),
            november["emma_future"],
            now=NOW,
            starts_at=at(27, 10),
            ends_at=at(27, 12),
        )
    with pytest.raises(Conflict):
        visits.cancel_visit(
            session, world.s(session, "rota_holder"), november["emma_future"], now=NOW
        )
    with pytest.raises(Conflict):
        money.approve_extra_time(session, leader, november["emma_2"], now=NOW)
    with pytest.raises(Conflict):
        money.approve_period(session, leader, world.people["emma"].id, "2026-11", now=NOW)
    # Later changes to rates or logs do not change an approved period.
    set_rate(session, world, "emma", 5000, date(2026, 11, 1))
    again = money.find_period(session, leader, world.people["emma"].id, "2026-11")
    assert (again.id, again.amount_pence) == (period.id, 3900)
    # Ivan's November, not approved, can still change.
    visits.change_visit(
        session,
        world.s(session, "rota_holder"),
        november["ivan_future"],
        now=NOW,
        starts_at=at(28, 11),
        ends_at=at(28, 12, 30),
    )


@pytest.mark.parametrize(
    ("approver", "worker", "month", "allowed"),
    [
        ("leader", "emma", "2026-11", True),
        ("representative", "emma", "2026-11", True),
        (
            "leader",
            "representative",
            "2026-10",
            True,
        ),  # the leader approves the representative's pay
        ("representative", "representative", "2026-10", False),  # never their own
        ("emma", "emma", "2026-11", False),
        ("ivan", "ivan", "2026-11", False),
        ("rota_holder", "emma", "2026-11", False),
    ],
)
def test_nobody_approves_their_own_pay(session, world, november, approver, worker, month, allowed):
    s = world.s(session, approver)
    if allowed:
        period = money.approve_period(session, s, world.people[worker].id, month, now=NOW)
        assert period.status == "approved"
        return
    with pytest.raises((Forbidden, NotFound)):
        money.approve_period(session, s, world.people[worker].id, month, now=NOW)
    assert session.scalar(select(PayPeriod.id)) is None


def test_an_empty_month_has_nothing_to_approve(session, world, november):
    with pytest.raises(Invalid):
        money.approve_period(
            session, world.s(session, "leader"), world.people["emma"].id, "2026-09", now=NOW
        )
    with pytest.raises(Invalid):
        money.find_period(session, world.s(session, "leader"), world.people["emma"].id, "2026-13")


# Pages and the API -------------------------------------------------------------------------------

VIEWERS = ["leader", "representative", "rota_holder", "emma", "ivan", "facilitator", "stranger"]


@pytest.mark.parametrize(
    ("actor", "budget", "team_pay", "emmas_timesheet"),
    [
        ("leader", 200, 200, 200),
        ("representative", 200, 200, 200),
        ("rota_holder", 200, 404, 404),
        ("emma", 404, 404, 200),
        ("ivan", 404, 404, 404),
        ("facilitator", 404, 404, 404),
        ("stranger", 404, 404, 404),
    ],
)
def test_who_sees_the_budget_and_pay_pages(
    session, world, november, make_client, actor, budget, team_pay, emmas_timesheet
):
    session.commit()
    client = make_client(world.people[actor])
    team_id, emma_id = world.team.id, world.people["emma"].id
    assert client.get(f"/rota/teams/{team_id}/budget").status_code == budget
    assert client.get(f"/api/v1/teams/{team_id}/budget").status_code == budget
    assert client.get(f"/rota/teams/{team_id}/pay?month=2026-11").status_code == team_pay
    assert client.get(f"/rota/teams/{team_id}/pay/{emma_id}/2026-11").status_code == emmas_timesheet
    assert (
        client.get(f"/rota/teams/{team_id}/pay/{emma_id}/2026-11.csv").status_code
        == emmas_timesheet
    )


def test_the_budget_page_and_api_show_the_figures(session, world, november, make_client, clock):
    session.commit()
    client = make_client(world.people["leader"])
    page = client.get(f"/rota/teams/{world.team.id}/budget").get_data(as_text=True)
    assert "£1,565.26" in page and "£103.14" in page and "£81.60" in page
    body = client.get(f"/api/v1/teams/{world.team.id}/budget").get_json()
    assert (body["spent_pence"], body["committed_pence"], body["projected_balance_pence"]) == (
        10_314,
        8160,
        156_526,
    )
    assert body["available_pence"] == 175_000 and body["period_starts_on"] == "2026-11-01"


def test_the_leader_sets_the_budget_through_the_page(session, world, make_client, clock):
    session.commit()
    client = make_client(world.people["leader"])
    path = f"/rota/teams/{world.team.id}/budget"
    answer = post_form(
        client,
        path,
        {
            "amount": "1500.50",
            "period": "month",
            "source": "personal_health_budget",
            "contribution": "0",
            "starts_on": "2026-11-01",
        },
    )
    assert answer.status_code == 302
    body = client.get(f"/api/v1/teams/{world.team.id}/budget").get_json()
    assert (body["amount_pence"], body["source"]) == (150_050, "personal_health_budget")
    holder = make_client(world.people["rota_holder"])
    assert (
        post_form(
            holder,
            path,
            {
                "amount": "1",
                "period": "month",
                "source": "own_money",
                "contribution": "0",
                "starts_on": "2026-11-01",
            },
        ).status_code
        == 403
    )


def test_approving_through_the_pages_asks_first_and_refuses_your_own(
    session, world, november, make_client, clock
):
    session.commit()
    team_id = world.team.id
    rita, emma = world.people["representative"].id, world.people["emma"].id
    rep = make_client(world.people["representative"])
    assert rep.get(f"/rota/teams/{team_id}/pay/{rita}/2026-10/approve").status_code == 403
    assert (
        post_form(
            rep, f"/rota/teams/{team_id}/pay/{rita}/2026-10/approve", {}, page="/rota/my-pay"
        ).status_code
        == 403
    )
    confirm = rep.get(f"/rota/teams/{team_id}/pay/{emma}/2026-11/approve")
    assert confirm.status_code == 200 and "Once approved" in confirm.get_data(as_text=True)
    answer = post_form(rep, f"/rota/teams/{team_id}/pay/{emma}/2026-11/approve", {})
    assert answer.status_code == 302
    own = make_client(world.people["emma"])
    assert "Approved" in own.get("/rota/my-pay?month=2026-11").get_data(as_text=True)
    timesheets = own.get("/api/v1/me/timesheets?month=2026-11").get_json()
    assert [(t["kind"], t["status"], t["minutes"], t["amount_pence"]) for t in timesheets] == [
        ("timesheet", "approved", 195, 3900)
    ]
    assert own.get("/api/v1/me/timesheets?month=November").status_code == 422


# Hourly rates, and pay after leaving -------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "worker", "allowed"),
    [
        ("ivan", "ivan", True),  # independent: their own rate
        ("facilitator", "emma", True),  # employed: the co-op's pay rate
        ("emma", "emma", False),
        ("leader", "ivan", False),
        ("ivan", "emma", False),
        ("facilitator", "ivan", False),
        ("leader", "rota_holder", False),  # not a worker
    ],
)
def test_who_sets_an_hourly_rate(session, world, actor, worker, allowed):
    def set_it():
        return money.set_pay_rate(
            session,
            world.people[actor],
            world.team.id,
            world.people[worker].id,
            hourly_pence=1900,
            effective_from=date(2026, 12, 1),
            now=NOW,
        )

    if not allowed:
        with pytest.raises(NotFound):
            set_it()
        return
    rate = set_it()
    assert (
        money.rate_for(session, world.people[worker].id, world.team.id, date(2026, 12, 2)) == 1900
    )
    assert (
        money.rate_for(session, world.people[worker].id, world.team.id, date(2026, 11, 30)) is None
    )
    audited(
        session,
        "pay_rate.set",
        actor=world.people[actor],
        object_type="pay_rate",
        object_id=rate.id,
    )


def test_an_independent_worker_sets_their_rate_through_the_page(session, world, make_client, clock):
    session.commit()
    ivan = make_client(world.people["ivan"])
    path = f"/rota/teams/{world.team.id}/pay/{world.people['ivan'].id}/rate"
    assert (
        post_form(ivan, path, {"rate": "18.50", "effective_from": "2026-11-01"}).status_code == 302
    )
    assert "£18.50 an hour" in ivan.get("/rota/my-pay").get_data(as_text=True)
    assert make_client(world.people["leader"]).get(path).status_code == 404


def test_a_worker_who_has_left_still_sees_their_own_invoices(
    session, world, november, make_client, clock
):
    membership = world.memberships["ivan"]
    membership.status, membership.leaves_at = "left", NOW - timedelta(days=1)
    session.commit()
    ivan = make_client(world.people["ivan"])
    team_id = world.team.id
    assert ivan.get(f"/rota/teams/{team_id}/budget").status_code == 404
    own = ivan.get(f"/rota/teams/{team_id}/pay/{world.people['ivan'].id}/2026-11")
    assert own.status_code == 200 and "£45.91" in own.get_data(as_text=True)
    assert (
        ivan.get(f"/rota/teams/{team_id}/pay/{world.people['emma'].id}/2026-11").status_code == 404
    )
