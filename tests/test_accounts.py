"""Accounts: joining by invitation, the password rule, and resetting a forgotten password."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from coop.models import ROLES, Invitation, PasswordReset, User
from coop.passwords import verify_password
from tests import factories
from tests.conftest import (
    NOW,
    audited,
    element,
    field_errors,
    html_error_page,
    is_signed_out,
    link_in_mail,
    mails_to,
    post_form,
    row_counts,
    sign_in,
)
from tests.factories import DEFAULT_PASSWORD

STRONG = "plum kettle violin harbour 42"
WEAK = [
    ("password1234", "This is a very common password."),
    ("aaaaaaaaaaaa", 'Repeats like "aaa" are easy to guess.'),
    ("Xk9#mP2$vL7", "Use at least 12 characters (this one has 11)."),
]


def find_user(session, username: str) -> User | None:
    session.expire_all()
    return session.scalar(select(User).where(User.username == username))


# The password rule ------------------------------------------------------------------------------


@pytest.mark.parametrize(("password", "advice"), WEAK, ids=[p for p, _ in WEAK])
def test_a_weak_password_is_refused_on_the_join_page_keeping_what_was_typed(
    password, advice, client, make_user, session
):
    admin = make_user(roles=["admin"])
    invitation, token = factories.invitation(session, admin, email="bea@example.org")
    session.commit()
    typed = {"display_name": "Bea Jones", "username": "bea.jones", "password": password}

    answer = post_form(client, f"/join/{token}", typed)

    assert answer.status_code == 422
    assert advice in field_errors(answer, "password")
    assert element(answer, "input", id="password").attrs["aria-invalid"] == "true"
    assert element(answer, "input", id="display_name").attrs["value"] == "Bea Jones"
    assert element(answer, "input", id="username").attrs["value"] == "bea.jones"
    assert advice in element(answer, "div", class_="error-summary").text
    assert find_user(session, "bea.jones") is None
    session.refresh(invitation)
    assert invitation.used_at is None


@pytest.mark.parametrize(("password", "advice"), WEAK, ids=[p for p, _ in WEAK])
def test_a_weak_password_is_refused_on_the_account_page(
    password, advice, make_client, make_user, session
):
    ada = make_user()
    client = make_client(ada)
    typed = {"pw-current_password": DEFAULT_PASSWORD, "pw-new_password": password}

    answer = post_form(client, "/account/password", typed, page="/account/")

    assert answer.status_code == 422
    assert advice in field_errors(answer, "pw-new_password")
    assert element(answer, "input", id="pw-current_password").attrs.get("aria-invalid") is None
    session.refresh(ada)
    assert verify_password(ada.password_hash, DEFAULT_PASSWORD)
    assert not is_signed_out(client)


def test_a_wrong_current_password_is_shown_beside_its_field(make_client, make_user, session):
    ada = make_user()
    client = make_client(ada)
    typed = {"pw-current_password": "not my password", "pw-new_password": STRONG}
    answer = post_form(client, "/account/password", typed, page="/account/")
    assert answer.status_code == 422
    assert "not your current password" in field_errors(answer, "pw-current_password")
    session.refresh(ada)
    assert verify_password(ada.password_hash, DEFAULT_PASSWORD)


def test_a_password_that_repeats_the_persons_own_name_is_refused(client, make_user, session):
    admin = make_user(roles=["admin"])
    _invitation, token = factories.invitation(session, admin, email="bea@example.org")
    session.commit()
    typed = {"display_name": "Beatrice", "username": "beatrice", "password": "beatrice2026!"}
    answer = post_form(client, f"/join/{token}", typed)
    assert answer.status_code == 422
    assert field_errors(answer, "password")


# Invitations ------------------------------------------------------------------------------------


def test_an_admin_invites_someone_whose_link_works_once(app, make_client, make_user, session):
    admin = make_user(username="ada", roles=["admin"])
    sent = post_form(
        make_client(admin),
        "/admin/invite",
        {"display_name": "Bea Jones", "email": " Bea@Example.org ", "role": "secretary"},
    )
    assert sent.status_code == 302

    [mail] = mails_to(session, "bea@example.org")
    assert mail.subject == "You are invited to join Carecoop"
    link = link_in_mail(session, "bea@example.org")
    assert link.startswith("/join/")
    invitation = session.scalars(select(Invitation)).one()
    token = link.removeprefix("/join/")
    assert invitation.digest == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr([getattr(invitation, c.key) for c in Invitation.__table__.columns]), (
        "the invitation is stored only as a digest"
    )
    audited(
        session,
        "invitation.created",
        actor=admin,
        object_type="invitation",
        object_id=invitation.id,
    )

    newcomer = app.test_client()
    page = newcomer.get(link)
    assert page.status_code == 200
    assert element(page, "input", id="display_name").attrs["value"] == "Bea Jones"
    joined = post_form(
        newcomer,
        link,
        {"display_name": "Bea Jones", "username": "bea", "password": STRONG},
    )
    assert joined.status_code == 302
    assert not is_signed_out(newcomer)
    bea = find_user(session, "bea")
    assert bea is not None and bea.email == "bea@example.org"
    assert bea.roles == {"secretary"}
    audited(
        session, "invitation.accepted", actor=bea, object_type="invitation", object_id=invitation.id
    )
    audited(session, "user.created", actor=bea, object_type="user", object_id=bea.id)

    again = app.test_client()
    html_error_page(again.get(link), 404)
    before = row_counts(session)
    html_error_page(
        post_form(
            again,
            link,
            {"display_name": "X", "username": "bea2", "password": STRONG},
            page="/sign-in",
        ),
        404,
    )
    assert row_counts(session) == before


@pytest.mark.parametrize("role", ROLES)
def test_the_joined_account_has_the_invitations_role(role, client, make_user, session):
    admin = make_user(roles=["admin"])
    _invitation, token = factories.invitation(session, admin, email="bea@example.org", roles=[role])
    session.commit()
    answer = post_form(
        client, f"/join/{token}", {"display_name": "Bea", "username": "bea", "password": STRONG}
    )
    assert answer.status_code == 302
    assert client.get("/api/v1/me").get_json()["roles"] == [role]


def test_an_invitation_link_expires_after_seven_days(app, clock, make_client, make_user, session):
    admin = make_user(roles=["admin"])
    post_form(
        make_client(admin),
        "/admin/invite",
        {"display_name": "Bea", "email": "bea@example.org", "role": "facilitator"},
    )
    link = link_in_mail(session, "bea@example.org")
    invitation = session.scalars(select(Invitation)).one()
    assert invitation.created_at == NOW

    clock.advance(days=7, seconds=-1)
    assert app.test_client().get(link).status_code == 200
    clock.advance(seconds=1)
    late = app.test_client()
    html_error_page(late.get(link), 404)
    html_error_page(
        post_form(
            late,
            link,
            {"display_name": "Bea", "username": "bea", "password": STRONG},
            page="/sign-in",
        ),
        404,
    )
    assert find_user(session, "bea") is None


def test_a_withdrawn_invitation_link_stops_working(app, make_client, make_user, session):
    admin = make_user(roles=["admin"])
    invitation, token = factories.invitation(session, admin, email="bea@example.org")
    session.commit()
    client = make_client(admin)
    path = f"/admin/invitations/{invitation.id}/withdraw"

    confirm = client.get(path)
    assert element(confirm, "h1").text.startswith("Withdraw the invitation to")
    assert post_form(client, path, {}).status_code == 302

    html_error_page(app.test_client().get(f"/join/{token}"), 404)
    assert "bea@example.org" not in client.get("/admin/invite").get_data(as_text=True)
    audited(
        session,
        "invitation.withdrawn",
        actor=admin,
        object_type="invitation",
        object_id=invitation.id,
    )
    html_error_page(client.get(path), 404)  # withdrawn once is withdrawn


@pytest.mark.parametrize("roles", [[], ["facilitator"], ["secretary", "registered_manager"]])
def test_only_an_admin_may_invite(roles, make_client, make_user, session):
    client = make_client(make_user(roles=roles))
    html_error_page(client.get("/admin/invite"), 404)
    before = row_counts(session)
    answer = post_form(
        client,
        "/admin/invite",
        {"display_name": "Bea", "email": "bea@example.org", "role": "admin"},
        page="/account/",
    )
    html_error_page(answer, 404)
    assert row_counts(session) == before


def test_an_invitation_needs_an_address_nobody_uses_yet(make_client, make_user, session):
    admin = make_user(username="ada", roles=["admin"])
    answer = post_form(
        make_client(admin),
        "/admin/invite",
        {"display_name": "Ada again", "email": "ADA@example.org", "role": "admin"},
    )
    assert answer.status_code == 422
    assert "already has an account" in field_errors(answer, "email")
    assert element(answer, "input", id="display_name").attrs["value"] == "Ada again"
    assert mails_to(session, "ada@example.org") == []


# Password reset ---------------------------------------------------------------------------------


def reset_answer(client, login: str) -> tuple[int, str]:
    answer = post_form(client, "/reset", {"login": login})
    return answer.status_code, element(answer, "main").text


def test_the_reset_page_answers_the_same_for_known_and_unknown_logins(client, make_user, session):
    make_user(username="ada")
    known = reset_answer(client, "ada@example.org")
    unknown = reset_answer(client, "nobody@example.org")
    by_username = reset_answer(client, "ada")
    assert known == unknown == by_username
    assert known[0] == 200
    assert len(mails_to(session, "ada@example.org")) == 2
    assert mails_to(session, "nobody@example.org") == []


def test_a_reset_link_works_once_and_ends_other_sessions(
    app, clock, make_client, make_user, session
):
    ada = make_user(username="ada")
    elsewhere = make_client(ada)
    forgetful = app.test_client()
    post_form(forgetful, "/reset", {"login": "ada@example.org"})
    link = link_in_mail(session, "ada@example.org")
    audited(
        session, "user.password_reset_requested", actor=ada, object_type="user", object_id=ada.id
    )
    stored = session.scalars(select(PasswordReset)).one()
    assert stored.digest == hashlib.sha256(link.removeprefix("/reset/").encode()).hexdigest()

    clock.advance(minutes=59, seconds=59)
    assert forgetful.get(link).status_code == 200
    answer = post_form(forgetful, link, {"password": STRONG})
    assert answer.status_code == 302 and answer.headers["Location"] == "/sign-in"

    assert is_signed_out(elsewhere)
    audited(session, "user.password_changed", actor=ada, object_type="user", object_id=ada.id)
    html_error_page(forgetful.get(link), 404)
    html_error_page(
        post_form(forgetful, link, {"password": "another " + STRONG}, page="/sign-in"), 404
    )
    assert sign_in(forgetful, "ada", DEFAULT_PASSWORD).status_code == 200
    assert sign_in(forgetful, "ada", STRONG).status_code == 302


def test_a_reset_link_expires_after_an_hour(clock, client, make_user, session):
    ada = make_user(username="ada")
    post_form(client, "/reset", {"login": "ada"})
    link = link_in_mail(session, "ada@example.org")
    clock.advance(hours=1)
    html_error_page(client.get(link), 404)
    assert "expired" in client.get(link).get_data(as_text=True)
    session.refresh(ada)
    assert verify_password(ada.password_hash, DEFAULT_PASSWORD)


def test_a_weak_password_through_a_reset_link_is_refused_and_the_link_still_works(
    client, make_user, session
):
    make_user(username="ada")
    post_form(client, "/reset", {"login": "ada"})
    link = link_in_mail(session, "ada@example.org")
    answer = post_form(client, link, {"password": "password1234"})
    assert answer.status_code == 422
    assert "very common password" in field_errors(answer, "password")
    assert post_form(client, link, {"password": STRONG}).status_code == 302
