"""Signing in safely: one answer for every failure, throttling that holds across workers, CSRF
on every form, no off-site redirects, signing out everywhere, cookies, secrets and headers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from coop import passwords
from coop.config import ConfigError, load_config
from coop.models import User
from coop.services import accounts
from coop.views.auth import safe_next
from tests.conftest import (
    NOW,
    Clock,
    audited,
    element,
    elements,
    html_error_page,
    is_signed_out,
    post_form,
    row_counts,
    settings_form,
    sign_in,
)
from tests.factories import DEFAULT_PASSWORD

NEW_PASSWORD = "plum kettle violin harbour 42"


def refusal(answer: Any) -> str:
    """What the sign-in page tells a person whose sign-in failed."""
    assert answer.status_code == 200, answer.status_code
    return element(answer, "div", class_="error-summary").text


def with_address(client: FlaskClient, address: str) -> FlaskClient:
    client.environ_base["REMOTE_ADDR"] = address
    return client


def client_with_cookie(app: Flask, name: str, value: str) -> FlaskClient:
    client = app.test_client()
    client.set_cookie(name, value)
    return client


# The same answer whatever was wrong --------------------------------------------------------------


def test_unknown_email_and_wrong_password_get_the_same_answer(client, make_user):
    make_user(username="ada")
    unknown = sign_in(client, "nobody@example.org", "some guess or other")
    wrong = sign_in(client, "ada@example.org", "some guess or other")
    unknown_username = sign_in(client, "nobody", "some guess or other")
    assert refusal(unknown) == refusal(wrong) == refusal(unknown_username)
    assert "do not match an account" in refusal(wrong)
    assert is_signed_out(client)


def test_an_unknown_login_verifies_a_dummy_hash(client, make_user, monkeypatch):
    ada = make_user(username="ada")
    calls: list[tuple[str, str]] = []
    real = accounts.verify_password

    def spy(password_hash: str, password: str) -> bool:
        calls.append((password_hash, password))
        return real(password_hash, password)

    monkeypatch.setattr(accounts, "verify_password", spy)
    sign_in(client, "nobody@example.org", "a guess")
    assert calls == [(passwords.dummy_hash(), "a guess")]
    sign_in(client, "ada@example.org", "another guess")
    assert calls[-1] == (ada.password_hash, "another guess")


# Throttling, across two app instances sharing one database --------------------------------------


@pytest.fixture
def both_clocks(clock: Clock, second_app: Flask, monkeypatch: pytest.MonkeyPatch) -> Clock:
    monkeypatch.setitem(second_app.config, "CARECOOP_CLOCK", clock)
    return clock


def test_five_failures_lock_the_account_across_two_app_instances_even_for_the_right_password(
    app, second_app, both_clocks, make_user
):
    make_user(username="ada")
    workers = [app.test_client(), second_app.test_client()]
    for attempt in range(5):  # from five different addresses: the lock is on the account
        worker = with_address(workers[attempt % 2], f"10.0.0.{attempt + 1}")
        assert "do not match" in refusal(sign_in(worker, "ada@example.org", "a wrong guess"))
    for worker in workers:
        locked = sign_in(with_address(worker, "10.0.9.9"), "ADA@example.org", DEFAULT_PASSWORD)
        heading = html_error_page(locked, 429)
        assert heading.text == "Too many attempts"
        assert "wait 15 minutes" in locked.get_data(as_text=True)
        assert int(locked.headers["Retry-After"]) == 15 * 60
        assert is_signed_out(worker)


def test_the_lock_ends_after_fifteen_minutes(app, second_app, both_clocks, make_user):
    make_user(username="ada")
    workers = [app.test_client(), second_app.test_client()]
    for attempt in range(5):
        sign_in(workers[attempt % 2], "ada", "a wrong guess")
    both_clocks.advance(minutes=14, seconds=59)
    assert sign_in(workers[0], "ada", DEFAULT_PASSWORD).status_code == 429
    both_clocks.advance(seconds=1)
    assert sign_in(workers[1], "ada", DEFAULT_PASSWORD).status_code == 302
    assert not is_signed_out(workers[1])


def test_failures_spread_over_more_than_fifteen_minutes_do_not_lock(app, clock, make_user):
    make_user(username="ada")
    client = app.test_client()
    for minutes in (0, 5, 5, 5, 1):  # the fifth failure comes 16 minutes after the first
        clock.advance(minutes=minutes)
        refusal(sign_in(client, "ada", "a wrong guess"))
    assert sign_in(client, "ada", DEFAULT_PASSWORD).status_code == 302


def test_twenty_failures_from_one_address_lock_it_across_two_app_instances(
    app, second_app, both_clocks, make_user
):
    make_user(username="ada")
    workers = [with_address(app.test_client(), "10.1.1.1")]
    workers.append(with_address(second_app.test_client(), "10.1.1.1"))
    for attempt in range(20):  # twenty different accounts guessed, one failure each
        refusal(sign_in(workers[attempt % 2], f"someone{attempt}@example.org", "a guess"))
    for worker in workers:
        assert sign_in(worker, "ada", DEFAULT_PASSWORD).status_code == 429
    elsewhere = with_address(second_app.test_client(), "10.2.2.2")
    assert sign_in(elsewhere, "ada", DEFAULT_PASSWORD).status_code == 302


# CSRF -------------------------------------------------------------------------------------------

FORMS = [
    (
        "/account/password",
        {"pw-current_password": DEFAULT_PASSWORD, "pw-new_password": NEW_PASSWORD},
    ),
    ("/account/sign-out-everywhere", {}),
    ("/account/tokens", {"tok-name": "my script", "tok-scope": "read"}),
    ("/admin/invite", {"display_name": "Bea", "email": "bea@example.org", "role": "secretary"}),
    ("/admin/settings", lambda session: {**settings_form(session), "coop_name": "Elsewhere"}),
    ("/sign-out", {}),
]


def account_state(user: User) -> tuple[str, int]:
    return user.password_hash, user.session_generation


@pytest.mark.parametrize(("path", "data"), FORMS, ids=[p for p, _ in FORMS])
def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(
    path, data, make_client, make_user, session
):
    admin = make_user(username="ada", roles=["admin"])
    client = make_client(admin)
    data = data(session) if callable(data) else data
    before, state = row_counts(session), account_state(admin)

    refused = client.post(path, data=data)

    html_error_page(refused, 400)
    assert "This form had expired, so nothing was saved" in refused.get_data(as_text=True)
    assert row_counts(session) == before
    session.refresh(admin)
    assert account_state(admin) == state
    assert not is_signed_out(client)
    # The same form with its token works.
    assert post_form(client, path, data, page="/account/").status_code < 400


def test_a_sign_in_without_its_csrf_token_is_refused_and_records_nothing(
    client, make_user, session
):
    make_user(username="ada")
    before = row_counts(session)
    answer = client.post("/sign-in", data={"login": "ada", "password": DEFAULT_PASSWORD})
    html_error_page(answer, 400)
    assert row_counts(session) == before
    assert is_signed_out(client)


# Where sign-in leads ----------------------------------------------------------------------------

OFF_SITE = ["https://evil.example/", "//evil.example", "/\\evil.example", "javascript:alert(1)"]


@pytest.mark.parametrize("target", OFF_SITE)
def test_an_off_site_next_is_ignored_after_sign_in(target, client, make_user):
    make_user(username="ada")
    page = client.get("/sign-in", query_string={"next": target})
    carried = element(page, "input", name="next").attrs["value"]
    answer = post_form(
        client, "/sign-in", {"login": "ada", "password": DEFAULT_PASSWORD, "next": carried}
    )
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/"


def test_an_on_site_next_is_followed_after_sign_in(client, make_user):
    make_user(username="ada")
    page = client.get("/account/")  # a private page sends the person to sign in, then back
    assert page.status_code == 302
    form = client.get(page.headers["Location"])
    carried = element(form, "input", name="next").attrs["value"]
    assert carried == "/account/"
    answer = post_form(
        client, "/sign-in", {"login": "ada", "password": DEFAULT_PASSWORD, "next": carried}
    )
    assert answer.headers["Location"] == "/account/"


@pytest.mark.parametrize("target", OFF_SITE)
def test_a_signed_in_person_is_not_sent_off_site_either(target, make_client, make_user):
    client = make_client(make_user())
    answer = client.get("/sign-in", query_string={"next": target})
    assert answer.headers["Location"] == "/"


@pytest.mark.parametrize(
    ("target", "kept"),
    [
        ("/account/", "/account/"),
        ("/admin/audit?actor=ada", "/admin/audit?actor=ada"),
        ("", None),
        ("account/", None),
        ("http://localhost/account/", None),
        ("/\tevil.example", None),
        ("/account/\r\nSet-Cookie: x=1", None),
    ],
)
def test_only_paths_on_this_site_are_safe_to_go_next(target, kept):
    assert safe_next(target) == kept


# Signing out everywhere -------------------------------------------------------------------------


def sign_out_everywhere(client: FlaskClient) -> Any:
    return post_form(client, "/account/sign-out-everywhere", {}, page="/account/")


def change_password(client: FlaskClient) -> Any:
    data = {"pw-current_password": DEFAULT_PASSWORD, "pw-new_password": NEW_PASSWORD}
    return post_form(client, "/account/password", data, page="/account/")


ENDINGS = {
    "sign out everywhere": (sign_out_everywhere, "user.signed_out_everywhere"),
    "a password change": (change_password, "user.password_changed"),
}


@pytest.mark.parametrize("ending", ENDINGS)
def test_other_sessions_and_their_remember_me_cookies_end_but_not_ones_own(
    ending, app, make_client, make_user, session
):
    do, action = ENDINGS[ending]
    ada = make_user(username="ada")
    laptop = app.test_client()
    assert sign_in(laptop, "ada", remember=True).status_code == 302
    remember = laptop.get_cookie("remember_token")
    old_session = laptop.get_cookie("session")
    assert remember is not None and old_session is not None
    laptop.delete_cookie("session")
    assert not is_signed_out(laptop), "remember-me signs the laptop back in"

    phone = make_client(ada)
    assert do(phone).status_code == 302

    assert not is_signed_out(phone), "the person's own session stays signed in"
    assert is_signed_out(laptop)
    assert is_signed_out(client_with_cookie(app, "remember_token", remember.value))
    assert is_signed_out(client_with_cookie(app, "session", old_session.value))
    audited(session, action, actor=ada, object_type="user", object_id=ada.id)


def test_signing_out_ends_this_session_and_its_remember_me_cookie(app, make_user):
    make_user(username="ada")
    laptop = app.test_client()
    sign_in(laptop, "ada", remember=True)
    remember = laptop.get_cookie("remember_token")
    assert remember is not None
    assert post_form(laptop, "/sign-out", {}, page="/account/").status_code == 302
    assert is_signed_out(laptop)
    assert laptop.get_cookie("remember_token") is None


# Cookies, secrets and headers -------------------------------------------------------------------


def set_cookie_header(answer: Any, name: str) -> list[str]:
    [header] = [h for h in answer.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")]
    return [part.strip().lower() for part in header.split(";")]


def test_the_session_and_remember_me_cookies_are_http_only_and_same_site_lax(client, make_user):
    make_user(username="ada")
    answer = sign_in(client, "ada", remember=True)
    for name in ("session", "remember_token"):
        flags = set_cookie_header(answer, name)
        assert "httponly" in flags
        assert "samesite=lax" in flags
        assert "secure" not in flags  # the test app runs without https, like development


def production_config(tmp_path: Any, **extra: Any) -> dict[str, Any]:
    return {
        "CARECOOP_ENV": "production",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'production.sqlite3'}",
        "CARECOOP_MAIL_DIR": str(tmp_path / "mail"),
        "CARECOOP_SMTP_URL": None,
        "CARECOOP_BALLOT_HMAC_KEY": "b" * 64,
        **extra,
    }


def test_cookies_are_secure_in_production(make_app, tmp_path):
    production = make_app(production_config(tmp_path, SECRET_KEY="s" * 64))
    assert production.config["SESSION_COOKIE_SECURE"] is True
    assert production.config["REMEMBER_COOKIE_SECURE"] is True
    flags = set_cookie_header(production.test_client().get("/sign-in"), "session")
    assert {"secure", "httponly", "samesite=lax"} <= set(flags)


def test_cookies_are_not_secure_in_development(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    config = load_config(str(tmp_path), {"CARECOOP_ENV": "development"})
    assert config["SESSION_COOKIE_SECURE"] is False
    assert config["REMEMBER_COOKIE_SECURE"] is False
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_production_without_a_secret_key_refuses_to_start(make_app, tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY is not set") as refused:
        make_app(production_config(tmp_path))
    assert "secrets.token_hex" in str(refused.value)


def test_development_makes_a_secret_key_once_and_keeps_it_in_the_instance_folder(
    tmp_path, monkeypatch
):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = load_config(str(tmp_path), {"CARECOOP_ENV": "development"})
    again = load_config(str(tmp_path), {"CARECOOP_ENV": "development"})
    assert len(first["SECRET_KEY"]) >= 32
    assert again["SECRET_KEY"] == first["SECRET_KEY"]
    assert (tmp_path / "secret_key").read_text().strip() == first["SECRET_KEY"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


PAGES = ["/", "/sign-in", "/account/", "/admin/audit", "/no-such-page", "/join/not-a-token"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_carry_security_headers_and_no_inline_script(path, make_client, make_user):
    answer = make_client(make_user(roles=["admin"])).get(path)
    headers = answer.headers
    directives = {
        d.split()[0]: d.split()[1:]
        for d in headers["Content-Security-Policy"].split(";")
        if d.strip()
    }
    scripts = directives.get("script-src", directives["default-src"])
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
    assert directives["frame-ancestors"] == ["'none'"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] in (
        "same-origin",
        "strict-origin-when-cross-origin",
        "no-referrer",
    )
    for found in elements(answer):
        assert not [a for a in found.attrs if a.startswith("on")], found
        if found.tag == "script":
            assert found.attrs.get("src") and not found.text, found


def test_the_app_tells_the_time_by_its_configured_clock(app, clock):
    from coop.web import now

    with app.app_context():
        assert now() == NOW
        clock.advance(hours=1)
        assert now() == NOW + timedelta(hours=1)
