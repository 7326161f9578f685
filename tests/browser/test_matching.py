"""Matching in Chromium: the journey from the matching issue. A worker fills in their profile and
says "I'd like to meet" to an opening; the leader says yes and suggests a trial time, which the
worker agrees; after the trial both say "carry on", and the worker appears in the team. axe-core
finds nothing on any page of the journey, at 1280 px or at 375 px."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from coop.clock import zone
from coop.db import Database
from coop.models import User
from teams.matching import consent, openings, profiles, vetting
from teams.matching.models import Neighbourhood
from teams.services import members
from teams.services.standing import standing
from tests.browser.conftest import Person, check_page, open_page, sign_in
from tests.clock import Clock, clock_now


@pytest.fixture
def server_clock(clock: Clock) -> Callable[[datetime], None]:
    """Move the live server's clock (to after the trial): it reads the test clock, which the
    next test finds back at NOW."""
    return clock.set


def _set_up(
    database: Database, facilitator: Person, leader: Person, worker: Person
) -> tuple[int, int, str]:
    """A team with an opening in Todmorden, every morning; the worker vetted but with no profile."""
    now = clock_now()
    with database.transaction() as session:
        staff = session.get_one(User, facilitator.id)
        place = profiles.add_neighbourhood(
            session,
            staff,
            name=f"Todmorden {facilitator.id}",
            easting=393_800,
            northing=424_200,
            now=now,
        )
        team = members.create_team(
            session,
            staff,
            name=f"{leader.display_name}'s team",
            leader=session.get_one(User, leader.id),
            now=now,
        )
        opening = openings.create_opening(
            session,
            standing(session, session.get_one(User, leader.id), team, now),
            {
                "title": "Morning company and a walk",
                "support": "Company over breakfast, and a walk by the canal when I'm up to it.",
                "tasks": ["companionship", "outings"],
                "windows": [[day, 9 * 60, 12 * 60] for day in range(7)],
                "neighbourhood_id": place.id,
                "preferred_languages": ["welsh"],
                "max_rate_pence": 1800,
            },
            now=now,
        )
        for kind in ("identity", "reference", "reference", "dbs", "insurance"):
            vetting.record_check(
                session,
                staff,
                worker.id,
                kind=kind,
                outcome="passed",
                number="",
                checked_on=now.date(),
                expires_on=None,
                now=now,
            )
        return team.id, opening.id, place.name


def test_a_worker_and_a_leader_agree_a_trial_and_both_carry_on(
    page: Page,
    new_page: Callable[[], Page],
    make_person: Callable[..., Person],
    database: Database,
    server_clock: Callable[[datetime], None],
) -> None:
    facilitator = make_person("facilitator", display_name="Fatima Begum")
    leader = make_person(display_name="Gwen Lloyd")
    worker = make_person(display_name="Owain Jones")
    team_id, opening_id, place = _set_up(database, facilitator, leader, worker)

    # The worker fills in their profile, on their phone as much as anywhere.
    sign_in(page, worker.username, worker.password)
    open_page(page, "/matching/me", "Finding teams")
    check_page(page, "matching-start")
    page.get_by_role("link", name="Fill in your worker profile").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your worker profile")
    check_page(page, "matching-profile")
    page.get_by_label("About me").fill(
        "Retired postman, Welsh speaker, happy walking in all weathers."
    )
    page.get_by_label("Self-employed: I set my own rate and send invoices").check()
    page.get_by_label("Your hourly rate, in pounds").fill("15.50")
    page.get_by_label("Your neighbourhood").select_option(label=place)
    page.get_by_label("How far you will travel, in miles").fill("5")
    page.get_by_label("Languages you speak").fill("English, Welsh")
    page.get_by_label("From (Tuesday, time 1)").fill("09:00")
    page.get_by_label("Until (Tuesday, time 1)").fill("12:00")
    page.get_by_label("I'm open to new teams").check()
    page.get_by_role("button", name="Save my profile").click()
    expect(page.locator(".flash")).to_be_visible()

    # The opening is suggested, with its reasons; the worker would like to meet.
    open_page(page, "/matching/me", "Finding teams")
    suggestion = page.get_by_role("listitem").filter(has_text="Morning company and a walk")
    expect(suggestion.get_by_text("speaks Welsh")).to_be_visible()
    expect(page.get_by_text(leader.display_name)).to_have_count(0)  # no name before both say yes
    check_page(page, "matching-suggestions")
    suggestion.get_by_role("button", name="I'd like to meet").click()
    expect(page.get_by_text("Waiting for their answer").first).to_be_visible()
    check_page(page, "matching-interested")

    # The leader hears of it in their inbox, says yes and suggests a trial time.
    lead = new_page()
    sign_in(lead, leader.username, leader.password)
    open_page(lead, "/inbox", "Inbox")
    expect(lead.get_by_text(f"{worker.display_name} would like to meet you").first).to_be_visible()
    check_page(lead, "matching-inbox")
    # Her home page says what is waiting for her, and takes her straight to it.
    open_page(lead, "/", f"Hello, {leader.display_name}")
    check_page(lead, "matching-home-waiting")
    lead.get_by_role("link", name=f"{worker.display_name} would like to meet you").click()
    expect(lead.get_by_role("heading", level=1)).to_have_text("Morning company and a walk")
    expect(lead.get_by_text("1 waiting for you.")).to_be_visible()
    check_page(lead, "matching-opening-for-team")
    lead.get_by_role("button", name="Yes, I'd like to meet").click()
    expect(lead.get_by_text("You both said yes").first).to_be_visible()
    lead.get_by_role("link", name="Suggest a time for a trial visit").click()
    check_page(lead, "matching-trial-time")
    trial_day = (clock_now().astimezone(zone()) + timedelta(days=3)).date()
    lead.get_by_label("Day of the trial visit").fill(trial_day.isoformat())
    lead.get_by_label("Starts at").fill("10:00")
    lead.get_by_label("Ends at").fill("11:30")
    lead.get_by_role("button", name="Suggest this time").click()
    expect(lead.get_by_text("You both said yes").first).to_be_visible()

    # The worker agrees the time: the trial visit is booked.
    open_page(page, "/matching/me", "Finding teams")
    expect(page.get_by_text(leader.display_name).first).to_be_visible()  # names once both said yes
    check_page(page, "matching-trial-suggested")
    page.get_by_role("button", name="Agree this time").click()
    expect(page.get_by_text("Trial visit agreed").first).to_be_visible()

    # After the trial, both say carry on.
    after = (
        datetime.combine(trial_day, datetime.min.time(), zone()).replace(hour=12).astimezone(UTC)
    )
    server_clock(after)
    open_page(page, "/matching/me", "Finding teams")
    check_page(page, "matching-after-trial")
    page.get_by_role("button", name="Carry on").click()
    expect(page.get_by_text("Trial visit agreed").first).to_be_visible()  # waiting for the leader
    open_page(lead, f"/teams/{team_id}/openings/{opening_id}", "Morning company and a walk")
    lead.get_by_role("button", name="Carry on").click()
    expect(lead.get_by_text("Joined the team").first).to_be_visible()
    check_page(lead, "matching-joined")

    # The worker is in the team.
    open_page(lead, f"/teams/{team_id}", f"{leader.display_name}'s team")
    expect(lead.get_by_text(worker.display_name).first).to_be_visible()
    check_page(lead, "matching-team-with-new-worker")
    open_page(page, "/matching/me", "Finding teams")
    expect(page.get_by_text("Joined the team").first).to_be_visible()
    check_page(page, "matching-worker-joined")


def test_the_other_matching_pages_pass_axe_at_both_widths(
    page: Page, new_page: Callable[[], Page], make_person: Callable[..., Person], database: Database
) -> None:
    """Every matching page outside the journey, with data on it: the worker's opening and
    "about you", the stop page, the opening form, a worker's page as the facilitator sees it,
    and the facilitator's lists, notes, figures and equality monitor."""
    facilitator = make_person("facilitator", display_name="Fatima Begum")
    leader = make_person(display_name="Joyce Bell")
    worker = make_person(display_name="Leon Price")
    team_id, opening_id, place = _set_up(database, facilitator, leader, worker)
    now = clock_now()
    with database.transaction() as session:
        profiles.save_profile(
            session,
            session.get_one(User, worker.id),
            {
                "about": "Dementia care for eight years.",
                "employment": "employed",
                "neighbourhood_id": session.scalar(
                    select(Neighbourhood.id).where(Neighbourhood.name == place)
                ),
                "travel_miles": 5,
                "languages": ["english", "bsl"],
                "windows": [[1, 9 * 60, 12 * 60]],
                "open_to_new_teams": True,
            },
            now=now,
        )
        interest = consent.express_interest(
            session, session.get_one(User, worker.id), opening_id=opening_id, now=now
        )
        interest_id = interest.id

    sign_in(page, worker.username, worker.password)
    for path, heading, name in (
        (
            f"/matching/openings/{opening_id}",
            "Morning company and a walk",
            "matching-worker-opening",
        ),
        ("/matching/about-you", "About you (optional)", "matching-about-you"),
        (f"/matching/interests/{interest_id}/stop", "Stop here?", "matching-stop"),
    ):
        open_page(page, path, heading)
        check_page(page, name)

    lead = new_page()
    sign_in(lead, leader.username, leader.password)
    for path, heading, name in (
        (f"/teams/{team_id}/openings", "Openings", "matching-team-openings"),
        (f"/teams/{team_id}/openings/new", "New opening", "matching-new-opening"),
        (f"/matching/interests/{interest_id}/stop", "Say no thanks?", "matching-say-no"),
    ):
        open_page(lead, path, heading)
        check_page(lead, name)

    staff = new_page()
    sign_in(staff, facilitator.username, facilitator.password)
    for path, heading, name in (
        (f"/matching/workers/{worker.id}", worker.display_name, "matching-worker-for-staff"),
        ("/matching/workers", "Workers and checks", "matching-workers"),
        ("/matching/lists", "Neighbourhoods and skills", "matching-lists"),
        ("/matching/notes", "Notes from people who said no", "matching-notes"),
        ("/matching/figures", "Matching figures", "matching-figures"),
        ("/matching/equality", "Equality monitor", "matching-equality"),
    ):
        open_page(staff, path, heading)
        check_page(staff, name)
