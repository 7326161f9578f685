"""The app starts, serves its pages and its OpenAPI document."""

from tests.conftest import post_form
from tests.factories import DEFAULT_PASSWORD


def test_home_page_invites_a_visitor_to_sign_in(client):
    page = client.get("/")
    assert page.status_code == 200
    assert "Sign in" in page.get_data(as_text=True)


def test_an_admin_signs_in_and_sees_what_they_can_do(client, make_user):
    make_user(username="ada", roles=["admin"])
    answer = post_form(
        client, "/sign-in", {"login": "ada@example.org", "password": DEFAULT_PASSWORD}
    )
    assert answer.status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert "Invite someone" in home and "Audit log" in home


def test_openapi_document_describes_errors_as_problem_json(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "application/problem+json" in spec["components"]["responses"]["NOT_FOUND"]["content"]
