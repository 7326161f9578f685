"""The rota in Chromium. The journey from the rota issue: the rota holder makes a weekly pattern;
the worker, on a 375 px phone, accepts today's visit, says "I've arrived", "I'm leaving" and
writes the visit log; the leader confirms it. axe-core finds nothing on any page of it.

The live server runs on the real clock, so the pattern starts today a few minutes from now:
the worker can say they've arrived from half an hour before the start."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from playwright.sync_api import Page, expect
from sqlalchemy import select

from coop.clock import local
from coop.db import Database
from coop.models import User
from rota.models import Visit, VisitLog
from teams.services import hats, members
from teams.services.standing import standing
from tests.browser.conftest import ARTIFACTS, HEIGHT, Person, assert_accessible, check_page, sign_in
from tests.clock import clock_now

PHONE = {"width": 375, "height": HEIGHT}


def _now() -> datetime:
    return clock_now()  # the live server reads the test clock


def _team_with_a_rota_holder_and_a_worker(
    database: Database, facilitator: Person, leader: Person, rota_holder: Person, worker: Person
) -> int:
    """Set up through the services: the team, a neighbour wearing the rota holder hat, and an
    independent worker the team can book."""
    now = _now()
    with database.transaction() as session:
        team = members.create_team(
            session,
            session.get_one(User, facilitator.id),
            name=f"{leader.display_name.split()[0]}'s team",
            leader=session.get_one(User, leader.id),
            now=now,
        )
        lead = standing(session, team.leader, team, now)
        joined = {}
        for person, kind in ((rota_holder, "neighbour"), (worker, "worker")):
            membership, token = members.invite(
                session,
                lead,
                name=person.display_name,
                email=person.email,
                kind=kind,
                employment="independent" if kind == "worker" else None,
                base_url="",
                now=now,
            )
            members.accept_invitation(session, session.get_one(User, person.id), token, now=now)
            joined[kind] = membership
        hats.offer_hat(
            session,
            lead,
            joined["neighbour"].id,
            hat="rota_holder",
            scope_text="All visits",
            review_on=(now + timedelta(days=120)).date(),
            now=now,
        )
        hats.answer_hat(
            session,
            standing(session, session.get_one(User, rota_holder.id), team, now),
            joined["neighbour"].id,
            "rota_holder",
            yes=True,
            now=now,
        )
        return team.id


def _on_the_phone(page: Page, name: str) -> None:
    """axe finds nothing, and the page does not scroll sideways at 375 px. Saves a screenshot
    to test-artifacts/browser/."""
    assert page.viewport_size == PHONE
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"rota-phone-{name.replace(' ', '-')}-375.png", full_page=True)
    assert_accessible(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, f"{name} scrolls sideways at 375 px ({width}px wide)"


def test_a_weekly_pattern_is_accepted_worked_logged_and_confirmed(
    page: Page,
    new_page: Callable[[], Page],
    make_person: Callable[..., Person],
    database: Database,
) -> None:
    leader = make_person(display_name="Margaret Hughes")
    rota_holder = make_person(display_name="Bill Turner")
    worker = make_person(display_name="Efua Mensah")
    team_id = _team_with_a_rota_holder_and_a_worker(
        database, make_person("facilitator"), leader, rota_holder, worker
    )
    start = local(_now() + timedelta(minutes=10)).replace(second=0, microsecond=0)
    day: date = start.date()

    # The rota holder makes a weekly pattern that starts today, ten minutes from now.
    sign_in(page, rota_holder.username, rota_holder.password)
    page.goto(f"/rota/teams/{team_id}/patterns/new")
    expect(page.get_by_role("heading", level=1)).to_have_text("Repeating visits")
    check_page(page, "rota-new-pattern")
    page.get_by_label("Every week").check()
    page.get_by_label(start.strftime("%A"), exact=True).check()
    page.get_by_label("Start time").fill(start.strftime("%H:%M"))
    page.get_by_label("How long, in minutes").fill("60")
    page.get_by_label("First day").fill(day.isoformat())
    page.get_by_label("Who").select_option(label="Efua Mensah")
    page.get_by_role("button", name="Put them on the rota").click()
    expect(page.get_by_text("The repeating visits are on the rota.")).to_be_visible()
    check_page(page, "rota-week-after-pattern")
    with database.transaction(write=False) as session:
        visit_id = session.scalars(
            select(Visit.id)
            .where(Visit.team_id == team_id, Visit.worker_id == worker.id)
            .order_by(Visit.starts_at)
        ).first()
    assert visit_id is not None

    # The worker, on a phone, finds today's visit and accepts it.
    phone = new_page()
    phone.set_viewport_size(PHONE)
    sign_in(phone, worker.username, worker.password)
    _on_the_phone(phone, "home")
    phone.goto("/rota/my-visits")
    expect(phone.get_by_role("heading", level=1)).to_have_text("My visits")
    _on_the_phone(phone, "my visits")
    phone.locator(f"a[href='/rota/visits/{visit_id}']").first.click()
    expect(phone.get_by_role("button", name="Yes, I'll do this visit")).to_be_visible()
    _on_the_phone(phone, "visit offered")
    phone.get_by_role("button", name="Yes, I'll do this visit").click()
    expect(phone.get_by_role("button", name="I've arrived")).to_be_visible()
    _on_the_phone(phone, "visit accepted")

    # They arrive, leave, and write the log.
    phone.get_by_role("button", name="I've arrived").click()
    expect(phone.get_by_text("We've noted that you arrived at")).to_be_visible()
    expect(phone.get_by_role("button", name="I need help")).to_be_visible()
    _on_the_phone(phone, "visit arrived")
    phone.get_by_role("button", name="I'm leaving").click()
    expect(phone.get_by_text("We've noted that you left at")).to_be_visible()
    _on_the_phone(phone, "visit left")
    phone.get_by_label("What was done").fill("Breakfast, a shower and a short walk to the park.")
    phone.get_by_label("Medicines given").check()
    phone.get_by_role("button", name="Save the visit log").click()
    expect(phone.get_by_text("The visit log is saved.")).to_be_visible()
    expect(phone.get_by_text("Waiting to be confirmed.")).to_be_visible()
    _on_the_phone(phone, "visit logged")
    phone.goto(f"/rota/visits/{visit_id}/log")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Visit log")
    _on_the_phone(phone, "visit log page")

    # The leader reads the log and confirms it.
    page = new_page()
    sign_in(page, leader.username, leader.password)
    page.goto(f"/rota/visits/{visit_id}")
    expect(page.get_by_text("Breakfast, a shower and a short walk to the park.")).to_be_visible()
    check_page(page, "rota-visit-log-to-confirm")
    page.get_by_role("button", name="Confirm the visit log").click()
    expect(page.get_by_text("The visit log is confirmed.")).to_be_visible()
    expect(page.get_by_text("Confirmed.", exact=True)).to_be_visible()
    check_page(page, "rota-visit-log-confirmed")

    with database.transaction(write=False) as session:
        worked = session.get_one(Visit, visit_id)
        assert worked.status == "done" and worked.arrived_at and worked.left_at
        log = session.scalar(select(VisitLog).where(VisitLog.visit_id == visit_id))
        assert log is not None and (log.status, log.flags) == ("confirmed", ["medication_given"])
        assert log.reviewed_by_id == leader.id
