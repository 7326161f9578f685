"""Working time (Working Time Regulations 1998): each rule warns the rota holder about an
employed worker, blocks the save when the co-op says so, and is only ever information for an
independent worker; an opted-out worker is not warned about the 48-hour average. December
2026 is on GMT, so the local times below are UTC times too."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coop.errors import Forbidden, Invalid
from rota.models import Visit
from rota.services import visits, working_time
from rota.services.visits import BlockingWarning
from tests.conftest import NOW, adopt, build_once, post_form
from tests.rota.money_world import MoneyWorld, add_visit, build, set_setting

pytestmark = pytest.mark.usefixtures("app")
LONDON = ZoneInfo("Europe/London")
BORN_2009 = date(2009, 6, 1)  # 17 in December 2026


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)


Setup = Callable[[Session, MoneyWorld, str], None]


def nothing(session: Session, world: MoneyWorld, worker: str) -> None:
    pass


def late_shift(session: Session, world: MoneyWorld, worker: str) -> None:
    add_visit(session, world, worker, at(7, 14), 8 * 60)  # 14:00 to 22:00


def a_visit_every_day(days: int) -> Setup:
    def setup(session: Session, world: MoneyWorld, worker: str) -> None:
        for day in range(1, days + 1):
            add_visit(session, world, worker, at(day, 9), 60)

    return setup


def morning(session: Session, world: MoneyWorld, worker: str) -> None:
    add_visit(session, world, worker, at(7, 9), 3 * 60)  # 09:00 to 12:00


def seventeen_long_weeks(session: Session, world: MoneyWorld, worker: str) -> None:
    # 17 weeks from Mon 30 Nov, Monday to Friday 08:00 to 18:00 local (across the March clock
    # change): 850 hours, an average of 50 a week.
    first = date(2026, 11, 30)
    for week in range(17):
        for weekday in range(5):
            day = first + timedelta(weeks=week, days=weekday)
            start = datetime(day.year, day.month, day.day, 8, tzinfo=LONDON).astimezone(UTC)
            add_visit(session, world, worker, start, 10 * 60)


def afternoon(session: Session, world: MoneyWorld, worker: str) -> None:
    add_visit(session, world, worker, at(7, 12), 4 * 60)  # 12:00 to 16:00


def five_seven_hour_days(session: Session, world: MoneyWorld, worker: str) -> None:
    for day in range(7, 12):
        add_visit(session, world, worker, at(day, 9), 7 * 60)


def a_sleep_in(session: Session, world: MoneyWorld, worker: str) -> None:
    add_visit(session, world, worker, at(7, 22), 9 * 60, kind="sleep_in")  # 22:00 to 07:00


@dataclass(frozen=True)
class Rule:
    name: str
    setup: Setup
    start: datetime
    minutes: int
    words: str
    young: bool = False


RULES = [
    Rule("11 hours' daily rest", late_shift, at(8, 6), 4 * 60, "less than 11 h rest in a row"),
    Rule(
        "weekly rest (24 in 7 or 48 in 14)",
        a_visit_every_day(13),
        at(14, 9),
        60,
        "no rest of 24 h in the 7 days",
    ),
    Rule(
        "a 20-minute break over 6 hours", morning, at(7, 12, 10), 230, "without a break of 20 min"
    ),
    Rule(
        "48-hour average over 17 weeks", seventeen_long_weeks, at(5, 10), 60, "an average of 50 h"
    ),
    Rule(
        "sleep-ins count as working time",
        a_sleep_in,
        at(8, 12),
        4 * 60,
        "less than 11 h rest in a row",
    ),
    Rule(
        "under 18: 12 hours' daily rest",
        afternoon,
        at(8, 3),
        2 * 60,
        "less than 12 h rest in a row",
        young=True,
    ),
    Rule(
        "under 18: 48 hours' weekly rest",
        a_visit_every_day(6),
        at(7, 9),
        60,
        "no rest of 48 h in the 7 days",
        young=True,
    ),
    Rule(
        "under 18: a 30-minute break after 4.5 hours",
        nothing,
        at(7, 9),
        5 * 60,
        "without a break of 30 min",
        young=True,
    ),
    Rule(
        "under 18: at most 8 hours a day",
        nothing,
        at(7, 8),
        9 * 60,
        "more than 8 h a day",
        young=True,
    ),
    Rule(
        "under 18: at most 40 hours a week",
        five_seven_hour_days,
        at(12, 9),
        7 * 60,
        "more than 40 h a week",
        young=True,
    ),
]
IDS = [rule.name for rule in RULES]


pytestmark = pytest.mark.shared_world


@pytest.fixture(scope="module")
def built(module_db) -> MoneyWorld:
    return build_once(module_db, build)


@pytest.fixture
def world(session, built) -> MoneyWorld:
    return adopt(session, built)


def prepare(session: Session, world: MoneyWorld, rule: Rule, worker: str) -> None:
    if rule.young:
        working_time.record_details(
            session, world.people[worker], world.people[worker], now=NOW, date_of_birth=BORN_2009
        )
    rule.setup(session, world, worker)


def plan(session: Session, world: MoneyWorld, rule: Rule, worker: str) -> visits.Planned:
    return visits.plan_visit(
        session,
        world.s(session, "rota_holder"),
        starts_at=rule.start,
        ends_at=rule.start + timedelta(minutes=rule.minutes),
        worker_id=world.people[worker].id,
        now=NOW,
    )


def visits_at(session: Session, start: datetime) -> int:
    return session.scalar(select(func.count()).where(Visit.starts_at == start)) or 0


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_each_rule_warns_about_an_employed_worker(session, world, rule):
    prepare(session, world, rule, "emma")
    planned = plan(session, world, rule, "emma")
    found = [w for w in planned.warnings if rule.words in w]
    assert found, planned.warnings
    assert found[0].startswith("Working time: Emma Employed")
    assert not any(isinstance(w, BlockingWarning) for w in planned.warnings)
    assert visits_at(session, rule.start) == 1


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_each_rule_blocks_an_employed_worker_when_the_coop_says_so(session, world, rule):
    set_setting(session, "working_time_blocks", True)
    prepare(session, world, rule, "emma")
    with pytest.raises(Invalid) as refused:
        plan(session, world, rule, "emma")
    assert any(rule.words in e for e in refused.value.errors["starts_at"])
    assert visits_at(session, rule.start) == 0


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_each_rule_is_only_information_for_an_independent_worker(session, world, rule):
    set_setting(session, "working_time_blocks", True)
    prepare(session, world, rule, "ivan")
    planned = plan(session, world, rule, "ivan")
    found = [w for w in planned.warnings if rule.words in w]
    assert found, planned.warnings
    assert found[0].startswith("For information: Ivan Independent")
    assert "for them to decide" in found[0]
    assert not any(isinstance(w, BlockingWarning) for w in planned.warnings)
    assert visits_at(session, rule.start) == 1


def test_an_opted_out_worker_is_not_warned_about_the_48_hour_average(session, world):
    rule = next(r for r in RULES if r.name.startswith("48-hour"))
    emma = world.people["emma"]
    working_time.record_details(
        session, world.people["facilitator"], emma, now=NOW, opted_out_on=date(2026, 11, 1)
    )
    rule.setup(session, world, "emma")
    planned = plan(session, world, rule, "emma")
    assert not [w for w in planned.warnings if "average" in w]


def test_an_opt_out_signed_later_does_not_count_yet(session, world):
    rule = next(r for r in RULES if r.name.startswith("48-hour"))
    emma = world.people["emma"]
    working_time.record_details(session, emma, emma, now=NOW, opted_out_on=date(2027, 1, 1))
    rule.setup(session, world, "emma")
    assert [w for w in plan(session, world, rule, "emma").warnings if "average" in w]


@pytest.mark.parametrize(
    "rule", [r for r in RULES if r.young], ids=[r.name for r in RULES if r.young]
)
def test_adults_are_held_to_the_adult_figures_only(session, world, rule):
    rule.setup(session, world, "emma")
    planned = plan(session, world, rule, "emma")
    assert not [w for w in planned.warnings if rule.words in w]
    assert not [w for w in planned.warnings if "under 18" in w]


def test_a_day_with_a_long_enough_gap_is_fine(session, world):
    morning(session, world, "emma")
    planned = visits.plan_visit(
        session,
        world.s(session, "rota_holder"),
        starts_at=at(7, 12, 20),
        ends_at=at(7, 16),
        worker_id=world.people["emma"].id,
        now=NOW,
    )
    assert planned.warnings == []


def test_changing_a_visit_is_checked_without_counting_it_twice(session, world):
    visit = add_visit(session, world, "emma", at(7, 9), 5 * 60)  # 09:00 to 14:00: fine
    planned = visits.change_visit(
        session,
        world.s(session, "rota_holder"),
        visit,
        now=NOW,
        starts_at=at(7, 9),
        ends_at=at(7, 15, 30),
    )
    assert planned.warnings == [
        "Working time: Emma Employed would have 6 h 30 min of work on Mon 7 Dec without a break of 20 min."
    ]


def test_only_the_worker_or_a_facilitator_records_the_details(session, world):
    with pytest.raises(Forbidden):
        working_time.record_details(
            session, world.people["leader"], world.people["emma"], now=NOW, date_of_birth=BORN_2009
        )


def test_a_worker_records_their_opt_out_and_date_of_birth_on_their_page(
    session, world, make_client, clock
):
    session.commit()
    emma = make_client(world.people["emma"])
    assert emma.get("/rota/working-time").status_code == 200
    answer = post_form(
        emma, "/rota/working-time", {"date_of_birth": "1990-04-02", "opted_out": "y"}
    )
    assert answer.status_code == 302
    session.expire_all()
    details = working_time.details_of(session, world.people["emma"].id)
    assert (details.date_of_birth, details.opted_out_on) == (date(1990, 4, 2), NOW.date())
    assert "You opted out" in emma.get("/rota/working-time").get_data(as_text=True)
    post_form(emma, "/rota/working-time", {"date_of_birth": ""})
    session.expire_all()
    details = working_time.details_of(session, world.people["emma"].id)
    assert (details.date_of_birth, details.opted_out_on) == (None, None)
