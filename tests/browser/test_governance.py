"""The co-op's vote in Chromium: a member signs in, votes, changes the vote, sees the receipt,
and after the close sees the result. axe-core finds nothing on any page of that journey, at
1280 px or at 375 px."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from playwright.sync_api import Page, expect
from sqlalchemy import update

from coop.db import Database
from coop.models import User
from governance.models import ClassChange, Member, Proposal
from governance.services import proposals
from tests.browser.conftest import Person, check_page, open_page, sign_in
from tests.clock import TEST_CLOCK, clock_now


def _now() -> datetime:
    return clock_now()  # the live server reads the test clock


def _enrol(database: Database, person: Person, member_class: str) -> None:
    with database.transaction() as session:
        member = Member(
            user_id=person.id,
            name=person.display_name,
            member_class=member_class,
            email=person.email,
            status="member",
            applied_at=_now() - timedelta(days=40),
            joined_at=_now() - timedelta(days=30),
            shares_held=1,
            shares_paid_pence=100,
        )
        session.add(member)
        session.flush()
        session.add(ClassChange(member_id=member.id, member_class=member_class, from_at=_now()))


def test_a_member_votes_changes_their_vote_sees_the_receipt_and_then_the_result(
    page: Page, make_person: Callable[..., Person], database: Database
) -> None:
    secretary = make_person("secretary")
    voter = make_person(display_name="Efua Mensah")
    _enrol(database, voter, "worker")
    for member_class in ("worker", "supported", "investor"):
        _enrol(database, make_person(), member_class)
    with database.transaction() as session:
        sec = session.get_one(User, secretary.id)
        made = proposals.create_proposal(
            session,
            sec,
            title="Hold the annual meeting in Hebden Bridge",
            kind="ordinary",
            body="At the Town Hall on a Saturday morning.",
            secret=True,
            opens_at=_now(),
            closes_at=_now() + timedelta(days=7),
            now=_now(),
        )
        proposals.open_proposal(session, sec, made.id, now=_now())
        proposal_id = made.id

    sign_in(page, voter.username, voter.password)
    page.get_by_role("link", name="Votes and resolutions").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Votes and resolutions")
    check_page(page, "governance-proposals")

    page.get_by_role("link", name="Hold the annual meeting in Hebden Bridge").click()
    expect(page.get_by_role("group", name="How do you vote?")).to_be_visible()
    check_page(page, "governance-proposal")

    # Sending the form without a choice keeps the person on the page, with the error by the field.
    page.get_by_role("button", name="Cast my vote").click()
    expect(page.get_by_role("alert")).to_contain_text("Please choose")
    check_page(page, "governance-proposal-error")

    page.get_by_role("radio", name="For").check()
    page.get_by_role("button", name="Cast my vote").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your receipt")
    first_receipt = page.locator("dd.token").first.inner_text()
    check_page(page, "governance-receipt")

    page.get_by_role("link", name="Back to “Hold the annual meeting in Hebden Bridge”").click()
    expect(page.get_by_role("group", name="Change your vote")).to_be_visible()
    # A secret ballot's form never shows the choice already made.
    for choice in ("For", "Against", "Abstain"):
        expect(page.get_by_role("radio", name=choice)).not_to_be_checked()
    check_page(page, "governance-proposal-voted")
    page.get_by_role("radio", name="Against").check()
    page.get_by_role("button", name="Change my vote").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your receipt")
    expect(page.locator("dd").first).to_have_text("2")
    assert page.locator("dd.token").first.inner_text() != first_receipt
    expect(page.locator("main")).not_to_contain_text("Against")

    page.get_by_role("link", name="the ballot log").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ballot log")
    check_page(page, "governance-log")

    # The vote closes (the timed job, run here at the closing time, a week on).
    closing = TEST_CLOCK.advance(days=7)
    with database.transaction() as session:
        session.execute(
            update(Proposal).where(Proposal.id == proposal_id).values(closes_at=closing)
        )
        assert proposals.close_due(session, closing) >= 1

    open_page(page, f"/coop/proposals/{proposal_id}", "Hold the annual meeting in Hebden Bridge")
    expect(page.get_by_role("radio")).to_have_count(0)
    page.get_by_role("link", name="The result").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Result: Hold the annual meeting in Hebden Bridge"
    )
    expect(page.locator(".lead")).to_have_text("Not passed.")  # the one vote was against
    expect(page.get_by_role("heading", name="The scrutineers' check")).to_be_visible()
    check_page(page, "governance-result")


def test_the_membership_and_register_pages_are_accessible(
    page: Page, make_person: Callable[..., Person], database: Database
) -> None:
    newcomer = make_person(display_name="Finn Byrne")
    sign_in(page, newcomer.username, newcomer.password)
    open_page(page, "/coop/membership", "Your co-op membership")
    check_page(page, "governance-apply")
    page.get_by_role("button", name="Send my application").click()
    expect(page.get_by_role("alert")).to_be_visible()
    check_page(page, "governance-apply-error")
    page.get_by_role("radio", name="Worker member: I work with the co-op").check()
    page.get_by_role("button", name="Send my application").click()
    expect(page.get_by_text("your application has gone to the secretary")).to_be_visible()
    check_page(page, "governance-membership")

    secretary = make_person("secretary")
    page.get_by_role("button", name="Sign out", exact=True).click()
    sign_in(page, secretary.username, secretary.password)
    open_page(page, "/coop/register", "The register of members")
    check_page(page, "governance-register")
    page.get_by_role("link", name="Finn Byrne").first.click()
    page.get_by_role("button", name="Admit Finn Byrne as a member").click()
    expect(page.get_by_text("Finn Byrne is now a member.")).to_be_visible()
    check_page(page, "governance-member")
    open_page(page, "/coop/officers", "The register of officers")
    check_page(page, "governance-officers")
    open_page(page, "/coop/proposals/new", "Write a new proposal")
    check_page(page, "governance-new-proposal")
