"""The JSON API: personal tokens (shown once, kept as a digest, revocable), CSRF for cookie
sessions only, and error answers: problem+json under /api/, HTML pages elsewhere."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from coop.db import Base
from coop.models import ApiToken
from tests import factories
from tests.conftest import (
    audited,
    csrf_token,
    element,
    html_error_page,
    is_signed_out,
    post_form,
    problem,
)

SECRET_RE = re.compile(r"cc_[A-Za-z0-9_-]{40,}")
OUT_OF_RANGE_IDS = ["9223372036854775808", "-1", "abc"]


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def script(client: FlaskClient) -> FlaskClient:
    """A client with no cookies, on the same app: a script, not a browser."""
    return client.application.test_client()


def revoke_on_the_account_page(client: FlaskClient, token_id: int) -> Any:
    """The account page's revoke link: a page that asks first, then its form."""
    path = f"/account/tokens/{token_id}/revoke"
    confirm = client.get(path)
    assert confirm.status_code == 200
    assert element(confirm, "h1").text.startswith("Revoke the token")
    assert element(confirm, "form", class_="button-row").attrs["action"] == path
    return post_form(client, path, {})


# Tokens -----------------------------------------------------------------------------------------


def test_a_token_made_on_the_account_page_is_shown_once_and_stored_only_as_its_digest(
    make_client, make_user, session
):
    ada = make_user(username="ada")
    client = make_client(ada)
    made = post_form(
        client,
        "/account/tokens",
        {"tok-name": "calendar script", "tok-scope": "read-write"},
        page="/account/",
    )
    assert made.status_code == 200
    [secret] = SECRET_RE.findall(made.get_data(as_text=True))

    later = client.get("/account/").get_data(as_text=True)
    assert "calendar script" in later
    assert secret not in later
    assert not SECRET_RE.search(later)

    token = session.scalars(select(ApiToken).where(ApiToken.user_id == ada.id)).one()
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    for table in Base.metadata.sorted_tables:
        for row in session.execute(select(table)):
            assert secret not in repr(tuple(row)), f"the token is stored in {table.name}"
    audited(session, "api_token.created", actor=ada, object_type="api_token", object_id=token.id)

    me = script(client).get("/api/v1/me", headers=bearer(secret))
    assert me.status_code == 200 and me.get_json()["id"] == ada.id


def test_a_token_answers_who_i_am(client, make_user, session):
    ada = make_user(username="ada", display_name="Ada Lovelace", roles=["secretary", "admin"])
    _token, secret = factories.api_token(session, ada, scope="read")
    session.commit()
    me = client.get("/api/v1/me", headers=bearer(secret))
    assert me.status_code == 200
    assert me.get_json() == {
        "id": ada.id,
        "email": "ada@example.org",
        "username": "ada",
        "display_name": "Ada Lovelace",
        "roles": ["admin", "secretary"],
    }
    assert "Set-Cookie" not in me.headers, "a script gets no session"


@pytest.mark.parametrize(
    "header",
    [
        "Bearer cc_not-a-real-token",
        "Bearer ",
        "Basic YWRhOnBhc3N3b3Jk",
        "Bearer {secret}x",
        "Token {secret}",
    ],
)
def test_a_wrong_or_mangled_token_is_a_401(header, client, make_user, session):
    _token, secret = factories.api_token(session, make_user())
    session.commit()
    answer = client.get("/api/v1/me", headers={"Authorization": header.format(secret=secret)})
    assert "token" in problem(answer, 401)["detail"]


def test_a_read_only_token_cannot_write(client, make_user, session):
    ada = make_user()
    token, secret = factories.api_token(session, ada, scope="read")
    session.commit()
    answer = client.delete(f"/api/v1/me/tokens/{token.id}", headers=bearer(secret))
    assert "only read" in problem(answer, 403)["detail"]
    session.refresh(token)
    assert token.revoked_at is None
    assert client.get("/api/v1/me/tokens", headers=bearer(secret)).status_code == 200


@pytest.mark.parametrize("path", ["/account/", "/admin/audit", "/admin/settings", "/dashboard"])
def test_a_token_does_not_sign_anyone_in_to_pages(path, client, make_user, session):
    admin = make_user(roles=["admin", "facilitator"])
    _token, secret = factories.api_token(session, admin)
    session.commit()
    answer = client.get(path, headers=bearer(secret))
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/sign-in")
    home = client.get("/", headers=bearer(secret)).get_data(as_text=True)
    assert "Sign in" in home and admin.display_name not in home


def revoke_by_api(client: FlaskClient, token_id: int, secret: str) -> Any:
    return script(client).delete(f"/api/v1/me/tokens/{token_id}", headers=bearer(secret))


def revoke_by_page(client: FlaskClient, token_id: int, _secret: str) -> Any:
    return revoke_on_the_account_page(client, token_id)


@pytest.mark.parametrize("revoke", [revoke_by_page, revoke_by_api], ids=["page", "api"])
def test_a_revoked_token_stops_working(revoke, make_client, make_user, session):
    ada = make_user()
    token, secret = factories.api_token(session, ada)
    keep, kept_secret = factories.api_token(session, ada, name="the other one")
    session.commit()
    client = make_client(ada)
    assert script(client).get("/api/v1/me", headers=bearer(secret)).status_code == 200

    answer = revoke(client, token.id, secret)
    assert answer.status_code in (204, 302)

    calendar_script = script(client)
    assert (
        "revoked"
        in problem(calendar_script.get("/api/v1/me", headers=bearer(secret)), 401)["detail"]
    )
    assert calendar_script.get("/api/v1/me", headers=bearer(kept_secret)).status_code == 200
    listed = calendar_script.get("/api/v1/me/tokens", headers=bearer(kept_secret)).get_json()
    assert [t["id"] for t in listed] == [keep.id]
    assert set(listed[0]) == {"id", "name", "scope", "created_at"}
    audited(session, "api_token.revoked", actor=ada, object_type="api_token", object_id=token.id)


def test_someone_elses_token_is_not_found(make_client, make_user, session):
    ada, bea = make_user(), make_user()
    theirs, their_secret = factories.api_token(session, bea)
    _mine, my_secret = factories.api_token(session, ada)
    session.commit()
    client = make_client(ada)

    problem(client.delete(f"/api/v1/me/tokens/{theirs.id}", headers=bearer(my_secret)), 404)
    cookie = client.delete(
        f"/api/v1/me/tokens/{theirs.id}", headers={"X-CSRFToken": csrf_token(client, "/")}
    )
    problem(cookie, 404)
    html_error_page(client.get(f"/account/tokens/{theirs.id}/revoke"), 404)
    html_error_page(post_form(client, f"/account/tokens/{theirs.id}/revoke", {}, page="/"), 404)

    session.refresh(theirs)
    assert theirs.revoked_at is None
    calendar_script = script(client)
    assert calendar_script.get("/api/v1/me", headers=bearer(their_secret)).status_code == 200


# CSRF on the API --------------------------------------------------------------------------------


def test_an_api_write_with_a_cookie_session_needs_the_csrf_header(make_client, make_user, session):
    ada = make_user()
    token, _secret = factories.api_token(session, ada)
    session.commit()
    client = make_client(ada)

    refused = client.delete(f"/api/v1/me/tokens/{token.id}")
    assert "expired" in problem(refused, 400)["detail"]
    session.refresh(token)
    assert token.revoked_at is None

    allowed = client.delete(
        f"/api/v1/me/tokens/{token.id}", headers={"X-CSRFToken": csrf_token(client, "/account/")}
    )
    assert allowed.status_code == 204
    session.refresh(token)
    assert token.revoked_at is not None


def test_a_bearer_token_write_needs_no_csrf_token(client, make_user, session):
    token, secret = factories.api_token(session, make_user())
    session.commit()
    assert client.delete(f"/api/v1/me/tokens/{token.id}", headers=bearer(secret)).status_code == 204
    session.refresh(token)
    assert token.revoked_at is not None


# Ids and error answers --------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["DELETE", "GET"])
@pytest.mark.parametrize("token_id", OUT_OF_RANGE_IDS)
def test_api_ids_out_of_range_negative_or_not_numbers_are_a_problem_404(
    method, token_id, make_client, make_user
):
    client = make_client(make_user())
    answer = client.open(f"/api/v1/me/tokens/{token_id}", method=method)
    problem(answer, 404)


def test_the_largest_id_is_an_ordinary_404(client, make_user, session):
    _token, secret = factories.api_token(session, make_user())
    session.commit()
    answer = client.delete(f"/api/v1/me/tokens/{2**63 - 1}", headers=bearer(secret))
    assert problem(answer, 404)["detail"] == "There is no such token."


@pytest.mark.parametrize("path", ["/account/tokens/{}/revoke", "/admin/audit/{}"])
@pytest.mark.parametrize("bad_id", OUT_OF_RANGE_IDS)
def test_page_ids_out_of_range_negative_or_not_numbers_get_the_html_404_page(
    path, bad_id, make_client, make_user
):
    client = make_client(make_user(roles=["admin"]))
    heading = html_error_page(client.get(path.format(bad_id)), 404)
    assert heading.text == "Page not found"


def test_a_405_keeps_its_allow_header(client, make_user):
    api = client.post("/api/v1/me")
    problem(api, 405)
    assert "GET" in api.headers["Allow"]
    page = client.post("/account/", data={})
    html_error_page(page, 405)
    assert "GET" in page.headers["Allow"]


def test_an_api_error_is_problem_json(client):
    body = problem(client.get("/api/v1/me"), 401)
    assert body["title"] == "Please sign in"
    assert "Bearer" in body["detail"]
    assert problem(client.get("/api/v1/no-such-thing"), 404)["type"] == "about:blank"


def test_a_missing_page_is_an_html_page_with_a_heading(client):
    answer = client.get("/no-such-page")
    assert html_error_page(answer, 404).text == "Page not found"
    assert "could not find that page" in answer.get_data(as_text=True)
    assert element(answer, "a", class_="skip-link").attrs["href"] == "#main"


def test_a_domain_error_in_a_page_is_an_html_page(client):
    answer = client.get("/join/no-such-invitation")
    html_error_page(answer, 404)
    assert "This invitation link has expired" in answer.get_data(as_text=True)
    assert is_signed_out(client)
