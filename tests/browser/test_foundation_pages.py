"""Every page the foundation builds, in Chromium: axe-core finds nothing at 1280 px or at 375 px,
nothing scrolls sideways on a phone, the keyboard reaches the content first, and a new member of
staff can go from an invitation e-mail to changing their password."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from coop.models import SignInFailure
from tests.browser.conftest import check_page, open_page, sign_in, sign_out
from tests.clock import clock_now

NEW_PASSWORD = "lantern-orchard-pebble-91"


# Signing in ------------------------------------------------------------------------------------


def test_sign_in_page(page: Page) -> None:
    open_page(page, "/sign-in", "Sign in")
    check_page(page, "sign-in")


def test_sign_in_page_says_kindly_when_it_could_not_sign_you_in(page: Page, make_person) -> None:
    person = make_person("facilitator")
    open_page(page, "/sign-in", "Sign in")
    page.get_by_label("E-mail address or username").fill(person.username)
    page.get_by_label("Password", exact=True).fill("not-my-password-at-all")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("We could not sign you in")
    check_page(page, "sign-in-failed")


def test_sign_in_page_ties_each_missing_field_to_its_error(page: Page) -> None:
    open_page(page, "/sign-in", "Sign in")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    login = page.get_by_label("E-mail address or username")
    expect(login).to_have_attribute("aria-invalid", "true")
    expect(login).to_have_accessible_description("Error: Please fill this in.")
    check_page(page, "sign-in-empty")


def test_too_many_attempts_page(page: Page, make_person, database) -> None:
    person = make_person("facilitator")
    moment = clock_now() - timedelta(minutes=1)
    with database.transaction() as session:  # five failures from elsewhere lock the account
        session.add_all(
            SignInFailure(account=person.username, address="192.0.2.1", at=moment) for _ in range(5)
        )
    open_page(page, "/sign-in", "Sign in")
    page.get_by_label("E-mail address or username").fill(person.username)
    page.get_by_label("Password", exact=True).fill(person.password)
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Sign in").click()
    assert answer.value.status == 429
    expect(page.get_by_role("heading", level=1)).to_have_text("Too many attempts")
    expect(page.get_by_text("For your safety, please wait")).to_be_visible()
    expect(page.get_by_role("link", name="Reset your password")).to_be_visible()
    check_page(page, "too-many-attempts")


# Joining by invitation -------------------------------------------------------------------------


def test_join_page(page: Page, make_person, make_invitation) -> None:
    link = make_invitation(make_person("admin"))
    open_page(page, link, "Join Carecoop")
    expect(page.get_by_text("has invited you to join as a facilitator.")).to_be_visible()
    check_page(page, "join")


def test_join_page_with_errors(page: Page, make_person, make_invitation) -> None:
    link = make_invitation(make_person("admin"))
    open_page(page, link, "Join Carecoop")
    page.get_by_label("Username").fill("A")
    page.get_by_label("Choose a password").fill("password")
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    password = page.get_by_label("Choose a password")
    expect(password).to_have_attribute("aria-invalid", "true")
    # the hint, then the error: both are read out with the field
    expect(password).to_have_accessible_description(
        re.compile(r"^At least 12 characters\..*Error: \S")
    )
    check_page(page, "join-errors")


# Admins' pages ---------------------------------------------------------------------------------


def test_invite_page(page: Page, make_person, make_invitation) -> None:
    admin = make_person("admin")
    make_invitation(admin, display_name="Hana Sato")
    sign_in(page, admin.username, admin.password)
    open_page(page, "/admin/invite", "Invite someone to join the co-op's staff")
    expect(page.get_by_role("cell", name="Hana Sato").first).to_be_visible()
    check_page(page, "invite")
    # On a phone each invitation is shown as a card, and is still a table to a screen reader,
    # which hears each cell without the visible column name said twice.
    page.set_viewport_size({"width": 375, "height": 800})
    expect(page.get_by_role("cell", name="Hana Sato", exact=True).first).to_be_visible()


def test_invite_page_with_errors(page: Page, make_person) -> None:
    admin = make_person("admin")
    sign_in(page, admin.username, admin.password)
    open_page(page, "/admin/invite", "Invite someone to join the co-op's staff")
    page.get_by_label("Their e-mail address").fill("not an address")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    check_page(page, "invite-errors")


def test_withdraw_invitation_confirm_page(page: Page, make_person, make_invitation) -> None:
    admin = make_person("admin")
    make_invitation(admin, display_name="Ines Duarte")
    sign_in(page, admin.username, admin.password)
    open_page(page, "/admin/invite", "Invite someone to join the co-op's staff")
    page.get_by_role("link", name="Withdraw the invitation to Ines Duarte").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Withdraw the invitation to Ines Duarte?"
    )
    check_page(page, "withdraw-invitation")


def test_settings_page(page: Page, make_person) -> None:
    admin = make_person("admin")
    make_person("facilitator", display_name="Jo Facilitator")
    sign_in(page, admin.username, admin.password)
    open_page(page, "/admin/settings", "Co-op settings")
    check_page(page, "settings")


def test_audit_search_and_an_entry(page: Page, make_person) -> None:
    admin = make_person("admin")
    sign_in(page, admin.username, admin.password)
    open_page(page, "/admin/audit", "Audit log")
    page.get_by_label("Who (username)").fill(admin.username)
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("cell", name="user.created")).to_be_visible()
    check_page(page, "audit")
    page.get_by_role("link", name="Details").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Audit entry")
    check_page(page, "audit-entry")


def test_audit_search_with_a_bad_date(page: Page, make_person) -> None:
    admin = make_person("admin")
    sign_in(page, admin.username, admin.password)
    open_page(page, "/admin/audit?since=yesterday", "Audit log")
    expect(page.get_by_text("Please enter a date as YYYY-MM-DD")).to_be_visible()
    check_page(page, "audit-bad-date")


# Your account ----------------------------------------------------------------------------------


def test_account_page_with_a_new_token(page: Page, make_person) -> None:
    person = make_person("facilitator")
    sign_in(page, person.username, person.password)
    open_page(page, "/account/", "Your account")
    page.get_by_label("What is this token for?").fill("my calendar script")
    page.get_by_role("button", name="Make a token").click()
    expect(page.get_by_role("heading", name="Your new token “my calendar script”")).to_be_visible()
    expect(page.get_by_label("Token", exact=True)).not_to_have_value("")
    check_page(page, "account-new-token")


def test_revoke_token_confirm_page(page: Page, make_person) -> None:
    person = make_person("facilitator")
    sign_in(page, person.username, person.password)
    open_page(page, "/account/", "Your account")
    page.get_by_label("What is this token for?").fill("backup job")
    page.get_by_role("button", name="Make a token").click()
    page.get_by_role("link", name="Revoke backup job").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Revoke the token “backup job”?")
    check_page(page, "revoke-token")


# Home and the dashboard ------------------------------------------------------------------------


def test_home_page_signed_out(page: Page) -> None:
    open_page(page, "/", "Welcome to Carecoop")
    check_page(page, "home-signed-out")


@pytest.mark.parametrize("role", ["admin", "facilitator"])
def test_home_page_signed_in(page: Page, make_person, role: str) -> None:
    person = make_person(role)
    sign_in(page, person.username, person.password)
    open_page(page, "/", f"Hello, {person.display_name}")
    expect(page.get_by_role("link", name="Staff dashboard")).to_be_visible()
    check_page(page, f"home-{role}")


@pytest.mark.parametrize("role", ["admin", "facilitator"])
def test_staff_dashboard(page: Page, make_person, role: str) -> None:
    person = make_person(role)
    sign_in(page, person.username, person.password)
    open_page(page, "/dashboard", "Staff dashboard")
    expect(page.get_by_role("heading", name="On call")).to_be_visible()
    # Only admins may open the settings, so only they are sent there.
    settings_links = page.get_by_role("main").get_by_role("link", name="Co-op settings")
    expect(settings_links).to_have_count(1 if role == "admin" else 0)
    check_page(page, f"dashboard-{role}")


# Forgotten passwords ---------------------------------------------------------------------------


def test_reset_password_pages(page: Page, make_person, latest_link) -> None:
    person = make_person("facilitator")
    open_page(page, "/sign-in", "Sign in")
    page.get_by_role("link", name="Forgotten your password?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reset your password")
    check_page(page, "reset-request")
    page.get_by_label("E-mail address or username").fill(person.email)
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")
    check_page(page, "reset-sent")
    open_page(page, latest_link(person.email, "/reset/"), "Choose a new password")
    check_page(page, "reset-choose-password")


# Errors ----------------------------------------------------------------------------------------


def test_not_found_page(page: Page) -> None:
    open_page(page, "/no-such-page", "Page not found", status=404)
    check_page(page, "not-found")


def test_not_found_page_signed_in(page: Page, make_person) -> None:
    person = make_person("facilitator")
    sign_in(page, person.username, person.password)
    open_page(page, "/admin/settings", "Not found", status=404)
    check_page(page, "not-found-signed-in")


# The keyboard ----------------------------------------------------------------------------------


@pytest.mark.parametrize("signed_in", [False, True], ids=["signed-out", "signed-in"])
def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(
    page: Page, make_person, signed_in: bool
) -> None:
    if signed_in:
        person = make_person("admin")
        sign_in(page, person.username, person.password)
        open_page(page, "/account/", "Your account")
    else:
        open_page(page, "/sign-in", "Sign in")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")  # the next stop is inside the content, not the menu again
    assert page.evaluate("document.querySelector('main').contains(document.activeElement)")


# A whole journey -------------------------------------------------------------------------------


def test_an_invited_person_joins_signs_in_and_changes_their_password(
    page: Page, new_page, make_person, latest_link
) -> None:
    admin = make_person("admin")
    sign_in(page, admin.username, admin.password)
    page.get_by_role("link", name="Invite someone").click()
    page.get_by_label("Their name").fill("Kemi Adeyemi")
    page.get_by_label("Their e-mail address").fill("kemi.adeyemi@example.org")
    page.get_by_label("Their role").select_option(label="Facilitator")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Invitation sent to kemi.adeyemi@example.org"
    )

    kemi = new_page()  # Kemi, on her own device, opens the link in her e-mail
    kemi.goto(latest_link("kemi.adeyemi@example.org", "/join/"))
    expect(kemi.get_by_role("heading", level=1)).to_have_text("Join Carecoop")
    expect(kemi.get_by_label("Your name")).to_have_value("Kemi Adeyemi")
    kemi.get_by_label("Username").fill("kemi")
    kemi.get_by_label("Choose a password").fill(NEW_PASSWORD)
    kemi.get_by_role("button", name="Create my account").click()
    expect(kemi.get_by_role("status")).to_contain_text("Welcome to Carecoop, Kemi Adeyemi")
    expect(kemi.get_by_role("heading", level=1)).to_have_text("Hello, Kemi Adeyemi")

    sign_out(kemi)
    sign_in(kemi, "kemi", NEW_PASSWORD)
    kemi.get_by_role("link", name="Your account").first.click()
    kemi.get_by_label("Your current password").fill(NEW_PASSWORD)
    kemi.get_by_label("Your new password").fill("quiet-meadow-copper-kettle-5")
    kemi.get_by_role("button", name="Change my password").click()
    expect(kemi.get_by_role("status")).to_contain_text("Your password has been changed")

    sign_out(kemi)
    kemi.get_by_label("E-mail address or username").fill("kemi.adeyemi@example.org")
    kemi.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    kemi.get_by_role("button", name="Sign in").click()
    expect(kemi.get_by_role("alert")).to_contain_text("We could not sign you in")
    sign_in(kemi, "kemi.adeyemi@example.org", "quiet-meadow-copper-kettle-5")
    expect(kemi.get_by_role("heading", level=1)).to_have_text("Hello, Kemi Adeyemi")
