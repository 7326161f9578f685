"""The teams JSON API: every endpoint's happy path, who sees what (a 404 for what someone may not
see), the plan's ETag / If-Match, the representative's guards, invitations, and no private text
in the audit log. Teams are built through the services, as the pages and API build them."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from coop.models import AccessEvent, AuditEvent, OutboxMessage, User
from coop.services.tokens import create_token
from teams.models import Hat, Membership, Note, SupportPlan, Team
from teams.services import hats, members, records
from teams.services.standing import find_team
from tests.clock import clock_now
from tests.conftest import csrf_token

PROBLEM = "application/problem+json"


def _now() -> datetime:
    # The API reads the test clock; so do the services here.
    return clock_now()


def _review_on() -> date:
    return _now().date() + timedelta(days=60)


class Api:
    """A signed-in API client using a personal read-write token (no CSRF needed)."""

    def __init__(self, client: FlaskClient, secret: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {secret}"}

    def __getattr__(self, method: str) -> Any:
        def call(path: str, *, headers: dict[str, str] | None = None, **kwargs: Any) -> Any:
            return getattr(self.client, method)(
                "/api/v1" + path, headers={**self.headers, **(headers or {})}, **kwargs
            )

        return call


@dataclass
class World:
    """One team led by `leader`, with a member of every kind the tests need, and people
    outside it. Actor names are the keys of `users`."""

    session: Session
    app: Flask
    team: Team
    users: dict[str, User]
    ms: dict[str, Membership]  # memberships by actor name
    other_team: Team
    _apis: dict[str, Api] = field(default_factory=dict)

    def api(self, who: str) -> Api:
        if who not in self._apis:
            _token, secret = create_token(
                self.session, self.users[who], name="tests", scope="read-write", now=_now()
            )
            self.session.commit()
            self._apis[who] = Api(self.app.test_client(), secret)
        return self._apis[who]

    def standing(self, who: str) -> Any:
        return find_team(self.session, self.users[who], self.team.id, _now())

    @property
    def t(self) -> str:
        return f"/teams/{self.team.id}"


def _join(
    session: Session, team: Team, inviter: User, user: User, *, kind: str, **extra: Any
) -> Membership:
    s = find_team(session, inviter, team.id, _now())
    _m, token = members.invite(
        session,
        s,
        name=user.display_name,
        email=user.email or "",
        kind=kind,
        base_url="http://localhost",
        now=_now(),
        **extra,
    )
    return members.accept_invitation(session, user, token, now=_now())


def _give_hat(session: Session, team: Team, leader: User, membership: Membership, hat: str) -> None:
    s = find_team(session, leader, team.id, _now())
    extra = {"legal_basis": "own_choice"} if hat == "representative" else {}
    hats.offer_hat(
        session,
        s,
        membership.id,
        hat=hat,
        scope_text="everything",
        review_on=_review_on(),
        now=_now(),
        **extra,
    )
    assert membership.user is not None
    mine = find_team(session, membership.user, team.id, _now())
    hats.answer_hat(session, mine, membership.id, hat, yes=True, now=_now())


@pytest.fixture
def world(app: Flask, session: Session, make_user: Any) -> World:
    users = {
        "facilitator": make_user(roles=["facilitator"]),
        "leader": make_user(display_name="Ada Leader"),
        "representative": make_user(display_name="Rita Rep"),
        "plan_holder": make_user(display_name="Paul Plan"),
        "member": make_user(display_name="Mo Member"),
        "reader": make_user(display_name="Rae Reader"),
        "other_worker": make_user(display_name="Olu Other"),
        "registered_manager": make_user(roles=["registered_manager"]),
        "stranger": make_user(display_name="Sam Stranger"),
    }
    team = members.create_team(
        session, users["facilitator"], name="Ada's team", leader=users["leader"], now=_now()
    )
    other_leader = make_user()
    other_team = members.create_team(
        session, users["facilitator"], name="Another team", leader=other_leader, now=_now()
    )
    leader = users["leader"]
    ms = {"leader": session.scalars(select(Membership).where(Membership.team_id == team.id)).one()}
    ms["representative"] = _join(session, team, leader, users["representative"], kind="family")
    ms["plan_holder"] = _join(session, team, leader, users["plan_holder"], kind="volunteer")
    ms["member"] = _join(session, team, leader, users["member"], kind="neighbour")
    ms["reader"] = _join(session, team, leader, users["reader"], kind="peer", sees_records=True)
    _join(
        session,
        other_team,
        other_leader,
        users["other_worker"],
        kind="worker",
        employment="independent",
    )
    _give_hat(session, team, leader, ms["representative"], "representative")
    _give_hat(session, team, leader, ms["plan_holder"], "plan_holder")
    session.commit()
    return World(session, app, team, users, ms, other_team)


def _problem(answer: Any, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.get_data(as_text=True)
    assert answer.mimetype == PROBLEM
    body: dict[str, Any] = answer.get_json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


# Who sees what ----------------------------------------------------------------------------------

ACTORS = [
    "leader",
    "representative",
    "plan_holder",
    "member",
    "reader",
    "other_worker",
    "facilitator",
    "registered_manager",
    "stranger",
]
# actor: (team and members, plan and its versions, notes, access log)
SEES = {
    "leader": (200, 200, 200, 200),
    "representative": (200, 200, 200, 200),
    "plan_holder": (200, 200, 200, 404),
    "member": (200, 404, 200, 404),
    "reader": (200, 200, 200, 404),
    "other_worker": (404, 404, 404, 404),
    "facilitator": (200, 404, 404, 404),
    "registered_manager": (200, 200, 404, 404),
    "stranger": (404, 404, 404, 404),
}


@pytest.mark.parametrize("who", ACTORS)
def test_who_sees_what_and_a_hidden_thing_is_a_404_problem(world: World, who: str) -> None:
    team, plan, notes, access = SEES[who]
    api = world.api(who)
    paths = [
        (world.t, team),
        (world.t + "/members", team),
        (world.t + "/plan", plan),
        (world.t + "/plan/versions", plan),
        (world.t + "/notes", notes),
        (world.t + "/access-log", access),
    ]
    for path, status in paths:
        answer = api.get(path)
        if status == 404:
            body = _problem(answer, 404)
            assert "Ada" not in json.dumps(body), path
        else:
            assert answer.status_code == status, (path, answer.get_data(as_text=True))


def test_a_team_that_does_not_exist_and_ids_out_of_range_are_404_problems(world: World) -> None:
    api = world.api("leader")
    _problem(api.get("/teams/987654321"), 404)
    _problem(api.get(f"/teams/{2**63}"), 404)
    _problem(api.get(f"{world.t}/members/{world.ms['member'].id}/hats/crown/accept"), 404)


def test_without_signing_in_the_api_is_a_401_problem(world: World) -> None:
    _problem(world.app.test_client().get(f"/api/v1{world.t}"), 401)


# Teams -----------------------------------------------------------------------------------------


def test_my_teams_lists_the_teams_i_am_in(world: World) -> None:
    answer = world.api("member").get("/teams")
    assert answer.status_code == 200
    assert answer.get_json() == [
        {
            "id": world.team.id,
            "name": "Ada's team",
            "leader_id": world.users["leader"].id,
            "status": "active",
        }
    ]
    assert world.api("stranger").get("/teams").get_json() == []


def test_a_team_gives_its_members_with_their_hats(world: World) -> None:
    body = world.api("member").get(world.t).get_json()
    assert {k: body[k] for k in ("id", "name", "leader_id", "status")} == {
        "id": world.team.id,
        "name": "Ada's team",
        "leader_id": world.users["leader"].id,
        "status": "active",
    }
    by_user = {m["user_id"]: m for m in body["members"]}
    assert body["members"][0]["user_id"] == world.users["leader"].id
    rep = by_user[world.users["representative"].id]
    assert rep["id"] == world.ms["representative"].id
    assert rep["kind"] == "family" and rep["status"] == "active"
    assert rep["hats"] == ["representative"]
    assert by_user[world.users["plan_holder"].id]["hats"] == ["plan_holder"]
    assert by_user[world.users["member"].id]["hats"] == []
    assert world.api("member").get(world.t + "/members").get_json() == body["members"]


CREATE = [
    # (who, body, status)
    ("facilitator", {"name": "Bea's team", "leader_id": "stranger"}, 201),
    ("leader", {"name": "Bea's team", "leader_id": "stranger"}, 403),
    ("facilitator", {"name": "Bea's team", "leader_id": 987654321}, 422),
    ("facilitator", {"name": "", "leader_id": "stranger"}, 422),
    ("facilitator", {"leader_id": "stranger"}, 422),
]


@pytest.mark.parametrize(("who", "body", "status"), CREATE)
def test_only_a_facilitator_sets_up_a_team(
    world: World, who: str, body: dict[str, Any], status: int
) -> None:
    if isinstance(body.get("leader_id"), str):
        body = {**body, "leader_id": world.users[body["leader_id"]].id}
    answer = world.api(who).post("/teams", json=body)
    if status != 201:
        _problem(answer, status)
        return
    assert answer.status_code == 201
    made = answer.get_json()
    assert made["name"] == "Bea's team" and made["leader_id"] == world.users["stranger"].id
    assert made["status"] == "active"
    assert [(m["user_id"], m["kind"]) for m in made["members"]] == [
        (world.users["stranger"].id, "supported")
    ]
    # The new leader now sees it among their teams.
    assert [t["id"] for t in world.api("stranger").get("/teams").get_json()] == [made["id"]]


# Members ---------------------------------------------------------------------------------------


def test_the_leader_invites_someone_and_the_answer_never_holds_the_token(world: World) -> None:
    nia = world.users["stranger"]
    address = (nia.email or "").upper()
    answer = world.api("leader").post(
        world.t + "/members",
        json={
            "name": "Nia Neighbour",
            "email": address,
            "kind": "worker",
            "employment": "employed",
            "sees_records": True,
        },
    )
    assert answer.status_code == 201, answer.get_data(as_text=True)
    made = answer.get_json()
    assert made["status"] == "invited" and made["user_id"] is None
    assert made["name"] == "Nia Neighbour" and made["kind"] == "worker"
    assert made["employment"] == "employed" and made["sees_records"] is True
    assert made["hats"] == [] and made["invitation_expires_at"].endswith("+00:00")
    mail = world.session.scalars(
        select(OutboxMessage).where(OutboxMessage.to_address == nia.email)
    ).one()
    token = re.search(r"/teams/invitations/(\S+)", mail.body).group(1)  # type: ignore[union-attr]
    assert token not in answer.get_data(as_text=True)
    assert (nia.email or "") not in answer.get_data(as_text=True).lower()
    # ...and the link's token works through the API for the person it was sent to.
    joined = world.api("stranger").post(f"/invitations/{token}/accept")
    assert joined.status_code == 200, joined.get_data(as_text=True)
    assert joined.get_json()["user_id"] == nia.id and joined.get_json()["status"] == "active"


INVITES = [
    ("representative", {"kind": "neighbour"}, 201),
    ("plan_holder", {"kind": "neighbour"}, 403),
    ("member", {"kind": "neighbour"}, 403),
    ("facilitator", {"kind": "neighbour"}, 403),
    ("stranger", {"kind": "neighbour"}, 404),
    ("leader", {"kind": "supported"}, 422),
    ("leader", {"kind": "worker"}, 422),  # a worker needs an employment
    ("leader", {"kind": "neighbour", "email": "not-an-address"}, 422),
    ("leader", {"kind": "neighbour", "email": "member"}, 409),  # already in the team
]


@pytest.mark.parametrize(("who", "extra", "status"), INVITES)
def test_who_may_invite(world: World, who: str, extra: dict[str, Any], status: int) -> None:
    body = {"name": "Someone", "email": "someone@example.org", **extra}
    if body["email"] in world.users:
        body["email"] = world.users[body["email"]].email
    answer = world.api(who).post(world.t + "/members", json=body)
    if status == 201:
        assert answer.status_code == 201, answer.get_data(as_text=True)
    else:
        _problem(answer, status)


def test_the_leader_names_a_contact_and_who_sees_records(world: World) -> None:
    path = f"{world.t}/members/{world.ms['member'].id}"
    answer = world.api("leader").patch(path, json={"sees_records": True, "is_contact": True})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.get_json()["sees_records"] is True and answer.get_json()["is_contact"] is True
    # ...and now the member may read the plan.
    assert world.api("member").get(world.t + "/plan").status_code == 200
    _problem(world.api("member").patch(path, json={"is_contact": False}), 403)
    _problem(world.api("leader").patch(path, json={"colour": "blue"}), 422)


REMOVALS = [
    # (who, whose membership, status)
    ("leader", "member", 204),
    ("representative", "member", 204),
    ("representative", "leader", 403),
    ("leader", "leader", 403),
    ("plan_holder", "member", 403),
    ("stranger", "member", 404),
]


@pytest.mark.parametrize(("who", "whom", "status"), REMOVALS)
def test_who_may_take_someone_off_the_team(world: World, who: str, whom: str, status: int) -> None:
    answer = world.api(who).delete(f"{world.t}/members/{world.ms[whom].id}")
    world.session.expire_all()
    if status == 204:
        assert answer.status_code == 204, answer.get_data(as_text=True)
        assert world.ms[whom].status == "left"
        _problem(world.api(whom).get(world.t), 404)
    else:
        _problem(answer, status)
        assert world.ms[whom].status == "active"


def test_a_cookie_signed_in_write_needs_the_csrf_token(world: World, make_client: Any) -> None:
    client = make_client(world.users["leader"])
    path = f"/api/v1{world.t}/members/{world.ms['member'].id}"
    assert client.patch(path, json={"is_contact": True}).status_code == 400
    token = csrf_token(client, "/account/")
    answer = client.patch(path, json={"is_contact": True}, headers={"X-CSRFToken": token})
    assert answer.status_code == 200, answer.get_data(as_text=True)


# Hats ------------------------------------------------------------------------------------------


def _hat_path(world: World, who: str, hat: str = "", action: str = "") -> str:
    path = f"{world.t}/members/{world.ms[who].id}/hats"
    return path + (f"/{hat}" if hat else "") + (f"/{action}" if action else "")


def _offer(world: World, by: str, to: str, hat: str, **extra: Any) -> Any:
    body = {"hat": hat, "scope": "weekday visits only", "review_on": _review_on().isoformat()}
    return world.api(by).post(_hat_path(world, to), json={**body, **extra})


def test_a_hat_is_offered_accepted_and_put_down(world: World) -> None:
    offered = _offer(world, "leader", "member", "rota_holder")
    assert offered.status_code == 201, offered.get_data(as_text=True)
    hat = offered.get_json()
    assert hat["hat"] == "rota_holder" and hat["status"] == "offered"
    assert hat["scope"] == "weekday visits only" and hat["review_on"] == _review_on().isoformat()
    mine = world.api("member").get(world.t).get_json()["members"]
    assert [m["offered_hats"] for m in mine if m["id"] == world.ms["member"].id] == [
        ["rota_holder"]
    ]

    accepted = world.api("member").post(_hat_path(world, "member", "rota_holder", "accept"))
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "active"
    mine = world.api("leader").get(world.t + "/members").get_json()
    assert [m["hats"] for m in mine if m["id"] == world.ms["member"].id] == [["rota_holder"]]

    put_down = world.api("member").delete(_hat_path(world, "member", "rota_holder"))
    assert put_down.status_code == 200 and put_down.get_json()["status"] == "put_down"
    _problem(world.api("member").delete(_hat_path(world, "member", "rota_holder")), 404)


def test_a_hat_is_declined_or_taken_back(world: World) -> None:
    _offer(world, "leader", "member", "introducer")
    _problem(world.api("leader").post(_hat_path(world, "member", "introducer", "accept")), 403)
    declined = world.api("member").post(_hat_path(world, "member", "introducer", "decline"))
    assert declined.status_code == 200 and declined.get_json()["status"] == "declined"

    _offer(world, "representative", "member", "introducer")
    world.api("member").post(_hat_path(world, "member", "introducer", "accept"))
    taken = world.api("representative").delete(_hat_path(world, "member", "introducer"))
    assert taken.status_code == 200 and taken.get_json()["status"] == "taken_back"
    assert world.session.scalars(
        select(Hat.status).where(Hat.membership_id == world.ms["member"].id).order_by(Hat.id)
    ).all() == ["declined", "taken_back"]


OFFERS = [
    # (who offers, hat, extra fields, status)
    ("leader", "representative", {"legal_basis": "own_choice"}, 201),
    ("leader", "representative", {"legal_basis": "lpa_health"}, 422),  # needs its reference
    ("leader", "representative", {}, 422),
    ("representative", "representative", {"legal_basis": "own_choice"}, 403),
    ("representative", "medication_holder", {}, 201),
    ("plan_holder", "rota_holder", {}, 403),
    ("member", "rota_holder", {}, 403),
    ("facilitator", "rota_holder", {}, 403),
    ("stranger", "rota_holder", {}, 404),
    ("leader", "crown", {}, 422),
    ("leader", "rota_holder", {"review_on": "2000-01-01"}, 422),
]


@pytest.mark.parametrize(("who", "hat", "extra", "status"), OFFERS)
def test_who_may_offer_which_hat(
    world: World, who: str, hat: str, extra: dict[str, Any], status: int
) -> None:
    answer = _offer(world, who, "member", hat, **extra)
    if status == 201:
        assert answer.status_code == 201, answer.get_data(as_text=True)
        assert answer.get_json()["legal_basis"] == extra.get("legal_basis")
    else:
        _problem(answer, status)


def test_a_representative_cannot_take_back_the_representative_hat(world: World) -> None:
    _offer(world, "leader", "member", "representative", legal_basis="own_choice")
    _problem(world.api("representative").delete(_hat_path(world, "member", "representative")), 403)
    # ...but may put down their own, and the leader may take one back.
    own = world.api("representative").delete(_hat_path(world, "representative", "representative"))
    assert own.status_code == 200 and own.get_json()["status"] == "put_down"
    taken = world.api("leader").delete(_hat_path(world, "member", "representative"))
    assert taken.status_code == 200 and taken.get_json()["status"] == "taken_back"


# Invitations -----------------------------------------------------------------------------------


def _invitation(world: World) -> tuple[Membership, str]:
    membership, token = members.invite(
        world.session,
        world.standing("leader"),
        name="Ivy",
        email=world.users["stranger"].email or "",
        kind="volunteer",
        base_url="http://localhost",
        now=_now(),
    )
    world.session.commit()
    return membership, token


def test_an_invitation_is_accepted_once(world: World) -> None:
    membership, token = _invitation(world)
    answer = world.api("stranger").post(f"/invitations/{token}/accept")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    body = answer.get_json()
    assert body["id"] == membership.id and body["team_id"] == world.team.id
    assert body["status"] == "active" and body["kind"] == "volunteer"
    assert world.api("stranger").get(world.t).status_code == 200
    _problem(world.api("stranger").post(f"/invitations/{token}/accept"), 404)
    _problem(world.api("stranger").post(f"/invitations/{token}/decline"), 404)


def test_an_invitation_is_declined(world: World) -> None:
    membership, token = _invitation(world)
    answer = world.api("stranger").post(f"/invitations/{token}/decline")
    assert answer.status_code == 204, answer.get_data(as_text=True)
    world.session.expire_all()
    assert membership.status == "declined"
    _problem(world.api("stranger").post(f"/invitations/{token}/accept"), 404)
    _problem(world.api("stranger").get(world.t), 404)


def test_an_unknown_invitation_is_a_404_and_needs_signing_in(world: World) -> None:
    _problem(world.api("stranger").post("/invitations/not-a-token/accept"), 404)
    _problem(world.api("stranger").post("/invitations/not-a-token/decline"), 404)
    _membership, token = _invitation(world)
    # An account with another address cannot use a link sent to someone else.
    _problem(world.api("other_worker").post(f"/invitations/{token}/accept"), 403)
    unknown = {"Authorization": "Bearer not-a-real-token"}
    answer = world.app.test_client().post(f"/api/v1/invitations/{token}/accept", headers=unknown)
    _problem(answer, 401)


# The support plan ------------------------------------------------------------------------------


def _sections(text: str) -> dict[str, str]:
    return {
        "about_me": f"{text}: about me",
        "what_matters": f"{text}: what matters",
        "how_to_support": "",
        "health": "",
        "people_to_contact": "",
    }


def _put(world: World, who: str, version: str | None, text: str) -> Any:
    headers = {} if version is None else {"If-Match": version}
    return world.api(who).put(
        world.t + "/plan", json={"sections": _sections(text)}, headers=headers
    )


def test_the_plan_is_read_and_saved_with_its_etag(world: World) -> None:
    first = world.api("leader").get(world.t + "/plan")
    assert first.status_code == 200 and first.headers["ETag"] == '"0"'
    assert first.get_json()["version"] == 0
    assert set(first.get_json()["sections"].values()) == {""}

    saved = _put(world, "leader", '"0"', "Ada's first words")
    assert saved.status_code == 200, saved.get_data(as_text=True)
    assert saved.headers["ETag"] == '"1"' and saved.get_json()["version"] == 1
    assert saved.get_json()["sections"] == _sections("Ada's first words")
    assert saved.get_json()["updated_at"].endswith("+00:00")

    again = _put(world, "plan_holder", saved.headers["ETag"], "Paul's edit")
    assert again.status_code == 200 and again.headers["ETag"] == '"2"'
    read = world.api("reader").get(world.t + "/plan")
    assert read.headers["ETag"] == '"2"' and read.get_json()["sections"] == _sections("Paul's edit")

    versions = world.api("leader").get(world.t + "/plan/versions").get_json()
    assert [(v["version"], v["author_id"]) for v in versions] == [
        (2, world.users["plan_holder"].id),
        (1, world.users["leader"].id),
    ]
    assert versions[1]["sections"] == _sections("Ada's first words")
    one = world.api("reader").get(world.t + "/plan/versions/1")
    assert one.status_code == 200 and one.get_json() == versions[1]
    _problem(world.api("reader").get(world.t + "/plan/versions/3"), 404)
    _problem(world.api("member").get(world.t + "/plan/versions/1"), 404)


def test_two_saves_from_one_version_the_second_is_a_409_with_both_and_nothing_lost(
    world: World,
) -> None:
    _put(world, "leader", '"0"', "Start")
    etag = world.api("leader").get(world.t + "/plan").headers["ETag"]
    assert etag == world.api("plan_holder").get(world.t + "/plan").headers["ETag"] == '"1"'

    first = _put(world, "leader", etag, "Ada's words")
    assert first.status_code == 200 and first.headers["ETag"] == '"2"'
    second = _put(world, "plan_holder", etag, "Paul's words")
    body = _problem(second, 409)
    assert body["current"]["version"] == 2
    assert body["current"]["sections"] == _sections("Ada's words")
    assert body["current"]["updated_by_id"] == world.users["leader"].id
    assert body["attempted"] == _sections("Paul's words")

    # Nothing saved: Ada's version stands; then Paul saves again on top of it.
    plan = world.api("leader").get(world.t + "/plan")
    assert plan.headers["ETag"] == '"2"' and plan.get_json()["sections"] == _sections("Ada's words")
    retry = _put(world, "plan_holder", plan.headers["ETag"], "Paul's words")
    assert retry.status_code == 200 and retry.headers["ETag"] == '"3"'
    versions = world.api("leader").get(world.t + "/plan/versions").get_json()
    assert [v["sections"]["about_me"] for v in versions] == [
        "Paul's words: about me",
        "Ada's words: about me",
        "Start: about me",
    ]


IF_MATCH = [
    (None, 428),
    ("*", 422),
    ('W/"0"', 422),
    ('"zero"', 422),
    ('"0", "1"', 422),
    ('"5"', 404),  # no plan yet: there is no version 5 to edit
]


@pytest.mark.parametrize(("if_match", "status"), IF_MATCH)
def test_a_plan_save_must_name_the_version_it_was_made_from(
    world: World, if_match: str | None, status: int
) -> None:
    _problem(_put(world, "leader", if_match, "Never saved"), status)
    assert (
        world.session.scalar(select(SupportPlan).where(SupportPlan.team_id == world.team.id))
        is None
    )


def test_a_stale_etag_on_a_saved_plan_is_a_409(world: World) -> None:
    _put(world, "leader", '"0"', "One")
    _problem(_put(world, "leader", '"7"', "Far ahead"), 409)


SAVES = [
    ("leader", 200),
    ("representative", 200),
    ("plan_holder", 200),
    ("reader", 403),
    ("member", 404),
    ("registered_manager", 403),  # reads it for regulatory duties; never edits it
    ("facilitator", 404),
    ("stranger", 404),
]


@pytest.mark.parametrize(("who", "status"), SAVES)
def test_who_may_save_the_plan(world: World, who: str, status: int) -> None:
    answer = _put(world, who, '"0"', "Mine")
    if status == 200:
        assert answer.status_code == 200, answer.get_data(as_text=True)
    else:
        _problem(answer, status)


def test_a_read_from_outside_the_team_is_on_the_leaders_access_log(world: World) -> None:
    _put(world, "leader", '"0"', "Ada's plan")
    assert world.api("reader").get(world.t + "/plan").status_code == 200  # inside: not logged
    assert world.api("registered_manager").get(world.t + "/plan").status_code == 200
    assert world.api("registered_manager").get(world.t + "/plan/versions/1").status_code == 200
    facilitator = world.users["facilitator"]
    records.open_emergency_access(
        world.session,
        find_team(world.session, facilitator, world.team.id, _now()),
        reason="Her daughter rang: no answer at the door since yesterday",
        now=_now(),
    )
    world.session.commit()
    assert world.api("facilitator").get(world.t + "/plan/versions").status_code == 200

    log = world.api("leader").get(world.t + "/access-log")
    assert log.status_code == 200
    entries = log.get_json()
    assert [(e["reader_id"], e["basis"], e["what"]) for e in entries] == [
        (facilitator.id, "emergency", "support plan history"),
        (world.users["registered_manager"].id, "regulatory", "support plan version 1"),
        (world.users["registered_manager"].id, "regulatory", "support plan"),
    ]
    assert entries[0]["reason"] == "Her daughter rang: no answer at the door since yesterday"
    assert entries[0]["reader_name"] == facilitator.display_name
    assert entries[0]["at"].endswith("+00:00")
    assert (
        world.session.scalar(
            select(AccessEvent.id).where(AccessEvent.reader_id == world.users["reader"].id)
        )
        is None
    )


def test_plan_reads_begin_as_write_transactions(app: Flask) -> None:
    """They may write an AccessEvent, so on SQLite they must begin with BEGIN IMMEDIATE."""
    assert app.view_functions["teams_api.PlanVersion"]._carecoop_writes  # type: ignore[attr-defined]
    assert app.view_functions["teams_api.Plan"]._carecoop_writes  # type: ignore[attr-defined]
    assert app.view_functions["teams_api.PlanVersions"]._carecoop_writes  # type: ignore[attr-defined]


# Notes -----------------------------------------------------------------------------------------


def test_a_private_note_is_seen_only_by_those_named(world: World) -> None:
    answer = world.api("reader").post(
        world.t + "/notes",
        json={"body": "Ada prefers tea after four", "reader_ids": [world.ms["plan_holder"].id]},
    )
    assert answer.status_code == 201, answer.get_data(as_text=True)
    note = answer.get_json()
    assert note["body"] == "Ada prefers tea after four"
    assert note["author_id"] == world.users["reader"].id
    assert note["reader_ids"] == [world.ms["plan_holder"].id]
    assert note["created_at"].endswith("+00:00")
    seen = {
        who: [n["id"] for n in world.api(who).get(world.t + "/notes").get_json()]
        for who in ("leader", "representative", "plan_holder", "reader", "member")
    }
    assert seen == {
        "leader": [note["id"]],
        "representative": [note["id"]],
        "plan_holder": [note["id"]],
        "reader": [note["id"]],
        "member": [],
    }


NOTES = [
    ("leader", {}, 201),
    ("member", {}, 403),  # does not see records
    ("facilitator", {}, 404),
    ("stranger", {}, 404),
    ("leader", {"body": "  "}, 422),
    ("leader", {"reader_ids": ["other"]}, 422),  # not in the team
]


@pytest.mark.parametrize(("who", "extra", "status"), NOTES)
def test_who_may_write_a_note(world: World, who: str, extra: dict[str, Any], status: int) -> None:
    body: dict[str, Any] = {"body": "A note", "reader_ids": [], **extra}
    if body["reader_ids"] == ["other"]:
        body["reader_ids"] = [
            world.session.scalars(
                select(Membership.id).where(Membership.team_id == world.other_team.id)
            ).first()
        ]
    answer = world.api(who).post(world.t + "/notes", json=body)
    if status == 201:
        assert answer.status_code == 201, answer.get_data(as_text=True)
    else:
        _problem(answer, status)
        assert world.session.scalar(select(Note.id).where(Note.team_id == world.team.id)) is None


# The audit log ---------------------------------------------------------------------------------


def test_no_plan_or_note_text_reaches_the_audit_log(world: World) -> None:
    secrets = ["Marmalade-on-Sundays", "Fear-of-ladders", "Pin-is-4711", "Nobody-calls-Tuesday"]
    plan = {
        "about_me": secrets[0],
        "what_matters": secrets[1],
        "how_to_support": "",
        "health": "",
        "people_to_contact": "",
    }
    put = world.api("leader").put(
        world.t + "/plan", json={"sections": plan}, headers={"If-Match": '"0"'}
    )
    assert put.status_code == 200
    conflict = world.api("plan_holder").put(
        world.t + "/plan",
        json={"sections": {**plan, "health": secrets[3]}},
        headers={"If-Match": '"0"'},
    )
    assert conflict.status_code == 409
    note = world.api("leader").post(world.t + "/notes", json={"body": secrets[2]})
    assert note.status_code == 201

    rows = world.session.scalars(
        select(AuditEvent).where(AuditEvent.scope == f"team:{world.team.id}")
    ).all()
    assert {"plan.saved", "note.added"} <= {r.action for r in rows}
    everything = json.dumps([[r.action, r.object_type, r.changes] for r in rows])
    for secret in secrets:
        assert secret not in everything
    saved = next(r for r in rows if r.action == "plan.saved")
    assert saved.changes == {"version": 1, "sections": ["about_me", "what_matters"]}


# The OpenAPI document --------------------------------------------------------------------------

ENDPOINTS = {
    "/teams": {"get", "post"},
    "/teams/{team_id}": {"get"},
    "/teams/{team_id}/members": {"get", "post"},
    "/teams/{team_id}/members/{membership_id}": {"patch", "delete"},
    "/teams/{team_id}/members/{membership_id}/hats": {"post"},
    "/teams/{team_id}/members/{membership_id}/hats/{hat}": {"delete"},
    "/teams/{team_id}/members/{membership_id}/hats/{hat}/accept": {"post"},
    "/teams/{team_id}/members/{membership_id}/hats/{hat}/decline": {"post"},
    "/teams/{team_id}/plan": {"get", "put"},
    "/teams/{team_id}/plan/versions": {"get"},
    "/teams/{team_id}/plan/versions/{version}": {"get"},
    "/teams/{team_id}/notes": {"get", "post"},
    "/teams/{team_id}/access-log": {"get"},
    "/invitations/{token}/accept": {"post"},
    "/invitations/{token}/decline": {"post"},
}


def test_the_openapi_document_lists_every_endpoint_with_its_problems(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    for path, methods in ENDPOINTS.items():
        operations = paths["/api/v1" + path]
        assert methods <= set(operations), path
        for method in methods:
            assert "401" in operations[method]["responses"], (path, method)
    put = paths["/api/v1/teams/{team_id}/plan"]["put"]
    assert put["responses"]["409"]["content"][PROBLEM]["schema"]["$ref"].endswith("PlanConflict")
    assert "428" in put["responses"] and "ETag" in put["responses"]["200"]["headers"]
    assert any(p["name"] == "If-Match" and p["required"] for p in put["parameters"])
    conflict = spec["components"]["schemas"]["PlanConflict"]["properties"]
    assert {"type", "title", "status", "detail", "current", "attempted"} <= set(conflict)
    member = spec["components"]["schemas"]["TeamMember"]["properties"]
    assert {"id", "user_id", "kind", "hats", "status"} <= set(member)
    assert not {"token", "invite_digest", "invited_email"} & set(member)
