"""The teams pages in Chromium. The journey from the teams issue: the leader signs in, invites a
neighbour, the neighbour opens the link in their e-mail, makes an account and joins, the leader
offers them the rota holder hat and they accept it. axe-core finds nothing on any page of it, at
1280 px or at 375 px; nor on the support plan (view, edit, a clash, every version, compare), the
notes, "who has seen my information", the team's history, a member's page, the access page and
the safeguarding lead's page, with their data seeded through the services."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from coop.db import Database
from coop.models import User
from teams.models import Team
from teams.services import hats, members, records
from teams.services.standing import standing
from tests.browser.conftest import Person, check_page, open_page, sign_in
from tests.clock import clock_now

NEIGHBOUR_PASSWORD = "harbour-violet-ladder-42"
_serial = itertools.count(1)


def _now() -> datetime:
    return clock_now()  # the live server reads the test clock


def _review_day() -> str:
    return (_now() + timedelta(days=120)).date().isoformat()


def _new_team(database: Database, facilitator: Person, leader: Person) -> int:
    with database.transaction() as session:
        team = members.create_team(
            session,
            session.get_one(User, facilitator.id),
            name=f"{leader.display_name.split()[0]}'s team",
            leader=session.get_one(User, leader.id),
            now=_now(),
        )
        return team.id


# The journey -----------------------------------------------------------------------------------


def test_a_leader_invites_a_neighbour_who_joins_and_accepts_the_rota_holder_hat(
    page: Page,
    new_page: Callable[[], Page],
    make_person: Callable[..., Person],
    database: Database,
    latest_link: Callable[[str, str], str],
) -> None:
    leader = make_person(display_name="Margaret Hughes")
    team_id = _new_team(database, make_person("facilitator"), leader)
    neighbour_email = f"bill.turner.{next(_serial)}@example.org"

    # The leader signs in and finds her team.
    sign_in(page, leader.username, leader.password)
    open_page(page, "/teams/", "My teams")
    check_page(page, "teams-my-teams")
    page.get_by_role("link", name="Margaret's team").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Margaret's team")
    check_page(page, "teams-team-new")

    # She invites a neighbour; a first try without an address comes back with what she typed.
    page.get_by_role("link", name="Invite someone").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invite someone to Margaret's team")
    check_page(page, "teams-invite")
    page.get_by_label("Their name").fill("Bill Turner")
    page.get_by_label("Neighbour", exact=True).check()
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    expect(page.get_by_label("Their name")).to_have_value("Bill Turner")
    expect(page.get_by_label("Neighbour", exact=True)).to_be_checked()
    check_page(page, "teams-invite-errors")
    page.get_by_label("Their e-mail address").fill(neighbour_email)
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_role("status")).to_contain_text("An invitation is on its way to Bill Turner")
    expect(page.get_by_text("Bill Turner (neighbour)")).to_be_visible()
    check_page(page, "teams-team-invited")

    # The neighbour, on his own device, opens the link in his e-mail, makes an account and joins.
    bill = new_page()
    open_page(
        bill,
        latest_link(neighbour_email, "/teams/invitations/"),
        "Join Margaret Hughes's care team",
    )
    expect(bill.get_by_label("Your name")).to_have_value("Bill Turner")
    check_page(bill, "teams-invitation")
    bill.get_by_label("Username").fill(f"bill-{next(_serial)}")
    bill.get_by_label("Choose a password").fill(NEIGHBOUR_PASSWORD)
    bill.get_by_role("button", name="Make my account and join").click()
    expect(bill.get_by_role("status")).to_contain_text("Welcome to Margaret's team, Bill Turner")
    expect(bill.get_by_role("heading", level=1)).to_have_text("Margaret's team")
    check_page(bill, "teams-team-joined")

    # The leader offers him the rota holder hat.
    page.reload()
    page.get_by_role("link", name="Bill Turner").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bill Turner")
    check_page(page, "teams-member-leader-view")
    page.get_by_label(re.compile(r"^Rota holder")).check()
    page.get_by_label("What it covers").fill("Weekday visits only")
    page.get_by_label("Review it on").fill(_review_day())
    page.get_by_role("button", name="Offer the hat").click()
    expect(page.get_by_role("status")).to_contain_text(
        "You offered Bill Turner the hat “Rota holder”"
    )
    check_page(page, "teams-member-hat-offered")

    # He sees the offer on the team's page, and says yes.
    bill.reload()
    bill.get_by_role("link", name="Say yes or no to the hat Rota holder").click()
    expect(bill.get_by_role("heading", level=1)).to_have_text("Bill Turner (you)")
    check_page(bill, "teams-member-hat-to-answer")
    bill.get_by_role("button", name=re.compile(r"^Yes, I'll wear this hat")).click()
    expect(bill.get_by_role("status")).to_contain_text("You are now the team's rota holder")
    check_page(bill, "teams-member-hat-accepted")

    # The leader's team page shows the hat, with what it covers.
    page.goto(f"/teams/{team_id}")
    expect(page.get_by_text("Weekday visits only", exact=False)).to_be_visible()
    expect(page.get_by_text("(offered, not yet accepted)")).to_have_count(0)


# The other pages, with their data seeded through the services -----------------------------------


@dataclass(frozen=True)
class Seeded:
    team_id: int
    leader: Person
    holder: Person
    holder_membership_id: int
    facilitator: Person
    safeguarding_lead: Person


@pytest.fixture
def seeded(make_person: Callable[..., Person], database: Database) -> Seeded:
    """Joyce leads a team. Rosa holds the plan; the plan has two versions and a private note is
    shared with Rosa; a facilitator opened the records in an emergency and read the plan."""
    facilitator = make_person("facilitator", display_name="Priya Shah")
    leader = make_person(display_name="Joyce Bennett")
    holder = make_person(display_name="Rosa Lindqvist")
    lead_person = make_person("safeguarding_lead", display_name="Tom Okafor")
    team_id = _new_team(database, facilitator, leader)
    with database.transaction() as session:
        team = session.get_one(Team, team_id)
        lead = standing(session, session.get_one(User, leader.id), team, _now())
        rosa = session.get_one(User, holder.id)
        membership, token = members.invite(
            session,
            lead,
            name="Rosa Lindqvist",
            email=rosa.email or "",
            kind="volunteer",
            sees_records=True,
            base_url="",
            now=_now(),
        )
        members.accept_invitation(session, rosa, token, now=_now())
        hats.offer_hat(
            session,
            lead,
            membership.id,
            hat="plan_holder",
            scope_text="The health section",
            review_on=(_now() + timedelta(days=90)).date(),
            now=_now(),
        )
        hats.answer_hat(
            session,
            standing(session, rosa, team, _now()),
            membership.id,
            "plan_holder",
            yes=True,
            now=_now(),
        )
        records.save_plan(
            session,
            lead,
            {"about_me": "I was a nurse.", "what_matters": "My garden."},
            base_version=0,
            now=_now(),
        )
        records.save_plan(
            session,
            lead,
            {"about_me": "I was a nurse for forty years.", "what_matters": "My garden.\nMy cat."},
            base_version=1,
            now=_now(),
        )
        records.add_note(
            session,
            lead,
            body="Rosa: the spare key is with Mrs Patel at number 12.",
            reader_ids=[membership.id],
            now=_now(),
        )
        priya = session.get_one(User, facilitator.id)
        outside = standing(session, priya, team, _now())
        records.open_emergency_access(
            session,
            outside,
            reason="Joyce did not answer the door and her phone is off.",
            now=_now(),
        )
        records.read_plan(session, standing(session, priya, team, _now()), _now())
        membership_id = membership.id
    return Seeded(team_id, leader, holder, membership_id, facilitator, lead_person)


def test_the_support_plan_pages(page: Page, seeded: Seeded) -> None:
    base = f"/teams/{seeded.team_id}/plan"
    sign_in(page, seeded.leader.username, seeded.leader.password)
    open_page(page, base, "My support plan")
    expect(page.get_by_text("I was a nurse for forty years.")).to_be_visible()
    check_page(page, "teams-plan")

    page.get_by_role("link", name="Change the plan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change my support plan")
    check_page(page, "teams-plan-edit")

    open_page(page, f"{base}/history", "Versions of the support plan")
    check_page(page, "teams-plan-history")
    page.get_by_role("link", name="What changed in version 2").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "What changed between versions 1 and 2"
    )
    expect(page.get_by_text("Put in:").first).to_be_visible()
    expect(page.get_by_text("Taken out:").first).to_be_visible()
    check_page(page, "teams-plan-compare")


def test_the_plan_clash_page_shows_both_versions_and_keeps_what_i_typed(
    page: Page, new_page: Callable[[], Page], seeded: Seeded
) -> None:
    edit = f"/teams/{seeded.team_id}/plan/edit"
    sign_in(page, seeded.leader.username, seeded.leader.password)
    open_page(page, edit, "Change my support plan")
    page.get_by_label("What matters to me").fill("My garden, and the radio in the morning.")

    rosa = new_page()  # Rosa saves first, from her own device
    sign_in(rosa, seeded.holder.username, seeded.holder.password)
    open_page(rosa, edit, "Change Joyce Bennett's support plan")
    rosa.get_by_label("My health").fill("Diabetes: insulin in the morning.")
    rosa.get_by_label("What matters to me").fill("My garden.\nMy cat.\nMy sister on Sundays.")
    rosa.get_by_role("button", name="Save the plan").click()
    expect(rosa.get_by_role("status")).to_contain_text("This is version 3")

    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Save the plan").click()
    assert answer.value.status == 409
    expect(page.get_by_role("alert")).to_contain_text("Someone else saved the plan")
    expect(page.get_by_label("What matters to me")).to_have_value(
        "My garden, and the radio in the morning."
    )
    expect(page.get_by_text("My sister on Sundays.")).to_be_visible()  # theirs, beside mine
    # She had not touched "My health": the box now has Rosa's words, so saving keeps them.
    expect(page.get_by_label("My health")).to_have_value("Diabetes: insulin in the morning.")
    expect(page.get_by_label("My health")).to_have_accessible_description(
        re.compile("Only Rosa Lindqvist changed this part")
    )
    check_page(page, "teams-plan-conflict")

    page.get_by_role("button", name="Save the plan").click()
    expect(page.get_by_role("status")).to_contain_text("This is version 4")


def test_the_notes_page(page: Page, seeded: Seeded) -> None:
    sign_in(page, seeded.holder.username, seeded.holder.password)
    open_page(page, f"/teams/{seeded.team_id}/notes", "Private notes")
    expect(page.get_by_text("the spare key is with Mrs Patel")).to_be_visible()
    check_page(page, "teams-notes")
    page.get_by_role("button", name="Save the note").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    check_page(page, "teams-notes-errors")


def test_who_has_seen_my_information_history_access_and_member_pages(
    page: Page, seeded: Seeded
) -> None:
    sign_in(page, seeded.leader.username, seeded.leader.password)
    open_page(page, f"/teams/{seeded.team_id}/access-log", "Who has seen my information")
    expect(page.get_by_role("cell", name=re.compile("^In an emergency"))).to_be_visible()
    expect(page.get_by_text("Joyce did not answer the door")).to_be_visible()
    check_page(page, "teams-access-log")

    open_page(page, f"/teams/{seeded.team_id}/history", "Team history")
    expect(
        page.get_by_text("Rosa Lindqvist accepted the hat “Support plan holder”.")
    ).to_be_visible()
    check_page(page, "teams-history")

    open_page(page, f"/teams/{seeded.team_id}/access", "Access from outside the team")
    check_page(page, "teams-access")
    page.get_by_role("link", name=re.compile(r"^Stop it now.*Priya Shah")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Stop Priya Shah seeing your records?"
    )
    check_page(page, "teams-access-end-confirm")

    open_page(
        page,
        f"/teams/{seeded.team_id}/members/{seeded.holder_membership_id}",
        "Rosa Lindqvist",
    )
    check_page(page, "teams-member")
    page.get_by_role("link", name="Take back the hat Support plan holder").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Take back the hat “Support plan holder” from Rosa Lindqvist?"
    )
    check_page(page, "teams-take-back-confirm")


def test_the_facilitators_emergency_form(page: Page, seeded: Seeded) -> None:
    sign_in(page, seeded.facilitator.username, seeded.facilitator.password)
    open_page(page, f"/teams/{seeded.team_id}/access", "Access from outside the team")
    page.get_by_label("Why is this an emergency?").fill("Short")
    page.get_by_role("button", name="Open the records").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    check_page(page, "teams-emergency-errors")


def test_the_safeguarding_leads_page(page: Page, seeded: Seeded) -> None:
    sign_in(page, seeded.safeguarding_lead.username, seeded.safeguarding_lead.password)
    open_page(page, "/teams/access-holds", "Reads of private records")
    check_page(page, "teams-access-holds")
    hold = page.get_by_role("listitem").filter(has_text="Priya Shah read Joyce Bennett's").first
    hold.get_by_text("Hold this back").click()
    hold.get_by_role("button", name="Hold it back").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    check_page(page, "teams-access-holds-errors")


# Setting up a team, suggestions, invitations to an existing account, leaving ------------------


def test_a_facilitator_sets_up_a_team(page: Page, make_person: Callable[..., Person]) -> None:
    facilitator = make_person("facilitator")
    imran = make_person(display_name="Imran Akhtar")
    sign_in(page, facilitator.username, facilitator.password)
    open_page(page, "/teams/new", "Set up a team")
    check_page(page, "teams-new")
    page.get_by_label("The team's name").fill("Imran's team")
    page.get_by_label("The person the team is for").fill("nobody-by-that-name")
    page.get_by_role("button", name="Set up the team").click()
    expect(page.get_by_role("alert")).to_contain_text("We could not find anyone")
    check_page(page, "teams-new-errors")
    page.get_by_label("The person the team is for").fill(imran.email)
    page.get_by_role("button", name="Set up the team").click()
    expect(page.get_by_role("status")).to_contain_text("Imran's team is ready, led by Imran Akhtar")
    expect(page.get_by_role("heading", level=1)).to_have_text("Imran's team")


def test_an_introducer_suggests_someone_and_the_leader_invites_them(
    page: Page,
    new_page: Callable[[], Page],
    make_person: Callable[..., Person],
    database: Database,
) -> None:
    leader = make_person(display_name="Joyce Bennett")
    introducer = make_person(display_name="Aisha Khan")
    invitee = make_person(display_name="Dev Patel")  # already has an account
    team_id = _new_team(database, make_person("facilitator"), leader)
    with database.transaction() as session:
        team = session.get_one(Team, team_id)
        lead = standing(session, session.get_one(User, leader.id), team, _now())
        aisha = session.get_one(User, introducer.id)
        membership, token = members.invite(
            session,
            lead,
            name="Aisha Khan",
            email=introducer.email,
            kind="peer",
            base_url="",
            now=_now(),
        )
        members.accept_invitation(session, aisha, token, now=_now())
        hats.offer_hat(
            session,
            lead,
            membership.id,
            hat="introducer",
            scope_text="Neighbours and friends",
            review_on=(_now() + timedelta(days=60)).date(),
            now=_now(),
        )
        hats.answer_hat(
            session,
            standing(session, aisha, team, _now()),
            membership.id,
            "introducer",
            yes=True,
            now=_now(),
        )

    sign_in(page, introducer.username, introducer.password)
    open_page(page, f"/teams/{team_id}", "Joyce's team")
    page.get_by_role("link", name="Suggest someone").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Suggest someone for Joyce's team")
    check_page(page, "teams-suggest")
    page.get_by_label("Their name").fill("Dev Patel")
    page.get_by_label("Their e-mail address").fill(invitee.email)
    page.get_by_label("Volunteer", exact=True).check()
    page.get_by_role("button", name="Make the suggestion").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    check_page(page, "teams-suggest-errors")
    page.get_by_label("Why would they be good for the team?").fill("He plays chess, as Joyce does.")
    page.get_by_role("button", name="Make the suggestion").click()
    expect(page.get_by_role("status")).to_contain_text("Joyce Bennett will decide")

    joyce = new_page()
    sign_in(joyce, leader.username, leader.password)
    open_page(joyce, f"/teams/{team_id}", "Joyce's team")
    expect(joyce.get_by_text("He plays chess, as Joyce does.")).to_be_visible()
    check_page(joyce, "teams-team-suggestion")
    joyce.get_by_role("button", name="Invite Dev Patel").click()
    expect(joyce.get_by_role("status")).to_contain_text("An invitation is on its way to Dev Patel")

    dev = new_page()  # Dev already has an account: the invitation waits on "My teams"
    sign_in(dev, invitee.username, invitee.password)
    open_page(dev, "/teams/", "My teams")
    expect(
        dev.get_by_text("Joyce Bennett invites you to join their care team as a volunteer")
    ).to_be_visible()
    check_page(dev, "teams-my-teams-invitation")
    dev.get_by_role("link", name=re.compile(r"^No thanks")).click()
    expect(dev.get_by_role("heading", level=1)).to_have_text(
        "Say no thanks to joining Joyce's team?"
    )
    check_page(dev, "teams-decline-confirm")
    dev.get_by_role("link", name="No, go back").click()
    dev.get_by_role("button", name=re.compile(r"^Yes, join")).click()
    expect(dev.get_by_role("status")).to_contain_text("Welcome to Joyce's team")

    # Later, Dev gives notice.
    dev.get_by_role("link", name="Leave the team").click()
    expect(dev.get_by_role("heading", level=1)).to_have_text("Leave Joyce's team?")
    check_page(dev, "teams-leave")
    dev.get_by_role("button", name="Yes, leave the team").click()
    expect(dev.get_by_role("status")).to_contain_text("You have given notice to leave Joyce's team")
