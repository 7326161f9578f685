"""Who may do what on the platform: every foundation page and API route for every kind of
actor, and the predicates in coop/policy.py that pages, the API and templates share."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask_login import AnonymousUserMixin

from coop import policy
from coop.models import ROLES, User, UserRole
from tests import factories
from tests.conftest import html_error_page, problem

ACTORS = ("anonymous", "no role", *ROLES)
SIGN_IN = "sign in"

# fmt: off
PAGES = [
    # path              anonymous  no role  facilitator  safeguarding  manager  secretary  admin
    ("/",               (200,      200,     200,         200,          200,     200,       200)),
    ("/account/",       (SIGN_IN,  200,     200,         200,          200,     200,       200)),
    ("/dashboard",      (SIGN_IN,  404,     200,         200,          200,     200,       200)),
    ("/admin/invite",   (SIGN_IN,  404,     404,         404,          404,     404,       200)),
    ("/admin/settings", (SIGN_IN,  404,     404,         404,          404,     404,       200)),
    ("/admin/audit",    (SIGN_IN,  404,     404,         404,          404,     404,       200)),
]
API = [
    ("/api/v1/me",        (401,    200,     200,         200,          200,     200,       200)),
    ("/api/v1/me/tokens", (401,    200,     200,         200,          200,     200,       200)),
]
# fmt: on


def cases(table: list[tuple[str, tuple[Any, ...]]]) -> list[Any]:
    assert all(len(outcomes) == len(ACTORS) for _, outcomes in table)
    return [
        pytest.param(path, actor, outcome, id=f"{path} as {actor}")
        for path, outcomes in table
        for actor, outcome in zip(ACTORS, outcomes, strict=True)
    ]


def actor_user(make_user: Any, actor: str) -> User | None:
    if actor == "anonymous":
        return None
    return make_user(roles=[] if actor == "no role" else [actor])


@pytest.mark.parametrize(("path", "actor", "outcome"), cases(PAGES))
def test_who_may_open_each_page(path, actor, outcome, make_client, make_user):
    answer = make_client(actor_user(make_user, actor)).get(path)
    if outcome == SIGN_IN:
        assert answer.status_code == 302
        target = urlsplit(answer.headers["Location"])
        assert target.path == "/sign-in"
        assert parse_qs(target.query) == {"next": [path]}
    elif outcome == 404:
        html_error_page(answer, 404)
    else:
        assert answer.status_code == 200
        assert answer.mimetype == "text/html"


@pytest.mark.parametrize("via", ["cookie", "token"])
@pytest.mark.parametrize(("path", "actor", "outcome"), cases(API))
def test_who_may_use_each_api_route(path, actor, outcome, via, make_client, make_user, session):
    user = actor_user(make_user, actor)
    headers = {}
    if via == "token" and user is not None:
        _token, secret = factories.api_token(session, user, scope="read")
        session.commit()
        headers["Authorization"] = f"Bearer {secret}"
    client = make_client(user if via == "cookie" else None)
    answer = client.get(path, headers=headers)
    if outcome == 401:
        problem(answer, 401)
    else:
        assert answer.status_code == 200
        assert answer.mimetype == "application/json"


@pytest.mark.parametrize("path", [p for p, _ in PAGES[1:]])
def test_a_closed_account_is_signed_out_of_every_private_page(
    path, make_client, make_user, session
):
    closed = make_user(roles=["admin", "facilitator"])
    client = make_client(closed)
    closed.active = False
    session.commit()
    answer = client.get(path)
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/sign-in")
    problem(client.get("/api/v1/me"), 401)


# The predicates ---------------------------------------------------------------------------------


def person(*roles: str, active: bool = True) -> User:
    """A person in memory only: the predicates are pure."""
    return User(username="p", active=active, role_rows=[UserRole(role=r) for r in roles])


KINDS = {
    "nobody (None)": lambda: None,
    "anonymous": AnonymousUserMixin,
    "closed admin": lambda: person("admin", "facilitator", active=False),
    "no role": person,
    **{role: (lambda role=role: person(role)) for role in ROLES},
}

Y, N = True, False
# fmt: off
PREDICATES = [
    # predicate                         None anon closed norole facil safeg manag secr admin
    (policy.is_signed_in,              (N,   N,   N,     Y,     Y,    Y,    Y,    Y,   Y)),
    (policy.is_staff,                  (N,   N,   N,     N,     Y,    Y,    Y,    Y,   Y)),
    (policy.can_manage_own_account,    (N,   N,   N,     Y,     Y,    Y,    Y,    Y,   Y)),
    (policy.can_view_dashboard,        (N,   N,   N,     N,     Y,    Y,    Y,    Y,   Y)),
    (policy.can_invite_staff,          (N,   N,   N,     N,     N,    N,    N,    N,   Y)),
    (policy.can_manage_settings,       (N,   N,   N,     N,     N,    N,    N,    N,   Y)),
    (policy.can_search_audit,          (N,   N,   N,     N,     N,    N,    N,    N,   Y)),
    (lambda a: policy.has_role(a, "secretary"),
                                       (N,   N,   N,     N,     N,    N,    N,    Y,   N)),
    (lambda a: policy.has_role(a, "facilitator"),
                                       (N,   N,   N,     N,     Y,    N,    N,    N,   N)),
]
# fmt: on


@pytest.mark.parametrize(
    ("predicate", "kind", "expected"),
    [
        pytest.param(
            predicate, kind, expected, id=f"{getattr(predicate, '__name__', 'has_role')} {kind}"
        )
        for predicate, outcomes in PREDICATES
        for kind, expected in zip(KINDS, outcomes, strict=True)
    ],
)
def test_each_predicate_answers_for_each_kind_of_actor(predicate, kind, expected):
    assert predicate(KINDS[kind]()) is expected


def test_every_predicate_in_the_policy_module_is_in_the_table():
    tabled = {p.__name__ for p, _ in PREDICATES if p.__name__ != "<lambda>"} | {"has_role"}
    public = {
        name
        for name, value in vars(policy).items()
        if callable(value) and not name.startswith("_") and value.__module__ == policy.__name__
    }
    assert public == tabled


def test_the_staff_roles_are_the_platform_roles():
    assert set(ROLES) == policy.STAFF_ROLES
