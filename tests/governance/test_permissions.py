"""Who may do what, through the pages and the API: only current members vote; only the
secretary manages the register and proposals; members never see others' addresses, classes or
shares."""

from datetime import timedelta

import pytest

from coop.services import tokens
from governance.models import Member
from tests import factories
from tests.conftest import NOW, adopt, build_once, post_form
from tests.governance import factories as gf

PEOPLE = ("anonymous", "user", "applicant", "member", "left", "secretary", "admin")


pytestmark = pytest.mark.shared_world


@pytest.fixture(scope="module")
def built(module_db):
    return build_once(module_db, _build)


@pytest.fixture
def world(session, built):
    return adopt(session, built)


def _build(session):
    sec = gf.secretary(session)
    other = gf.member(
        session,
        member_class="supported",
        name="Mabel Private",
        postal_address="9 Hidden Row",
        shares_held=4321,
    )
    people = {
        "anonymous": None,
        "user": factories.user(session),
        "applicant": gf.user_of(session, gf.member(session, status="applied")),
        "member": gf.user_of(session, gf.member(session, member_class="worker")),
        "left": gf.user_of(session, gf.member(session, status="left")),
        "secretary": sec,
        "admin": factories.user(session, roles=["admin"]),
    }
    proposal = gf.proposal(session, sec)
    session.commit()
    return {"people": people, "other": other, "proposal": proposal}


def _client(make_client, person):
    return make_client(person)


PAGES = {
    # path: the people who may see it (everyone else: sign in, or 404)
    "/coop/membership": {"user", "applicant", "member", "left", "secretary", "admin"},
    "/coop/members": {"member", "secretary"},
    "/coop/register": {"secretary"},
    "/coop/register.csv": {"secretary"},
    "/coop/register/{other}": {"secretary"},
    "/coop/officers": {"member", "secretary"},
    "/coop/proposals": {"member", "secretary"},
    "/coop/proposals/new": {"secretary"},
    "/coop/proposals/{proposal}": {"member", "secretary"},
    "/coop/proposals/{proposal}/log": {"member", "secretary"},
    "/coop/proposals/{proposal}/receipt": {"member", "secretary"},
    "/coop/proposals/{proposal}/record": {"secretary"},
    "/coop/countersign": {"secretary"},
}


@pytest.mark.parametrize("path", sorted(PAGES))
@pytest.mark.parametrize("who", PEOPLE)
def test_page_permissions(make_client, world, path, who):
    url = path.format(other=world["other"].id, proposal=world["proposal"].id)
    answer = _client(make_client, world["people"][who]).get(url)
    if who in PAGES[path]:
        assert answer.status_code == 200, (who, url, answer.status_code)
    elif who == "anonymous":
        assert answer.status_code == 302 and "/sign-in" in answer.headers["Location"]
    else:
        assert answer.status_code == 404, (who, url, answer.status_code)


def _api(session, make_client, person):
    client = make_client()
    if person is None:
        return client, {}
    _token, secret = tokens.create_token(session, person, name="test", scope="read-write", now=NOW)
    session.commit()
    return client, {"Authorization": f"Bearer {secret}"}


BALLOT = {"choice": "for"}


@pytest.mark.parametrize("who", PEOPLE)
def test_only_current_members_vote_through_the_api(session, make_client, world, who):
    client, headers = _api(session, make_client, world["people"][who])
    answer = client.put(
        f"/api/v1/proposals/{world['proposal'].id}/ballot", json=BALLOT, headers=headers
    )
    expected = {"member": 200, "anonymous": 401, "secretary": 403}.get(who, 404)
    assert answer.status_code == expected, answer.get_json()
    if expected == 200:
        assert set(answer.get_json()) == {"proposal_id", "seq", "receipt", "hash"}


@pytest.mark.parametrize("who", PEOPLE)
def test_only_the_secretary_manages_the_register_and_proposals_through_the_api(
    session, make_client, world, who
):
    client, headers = _api(session, make_client, world["people"][who])
    other = world["other"].id
    patch = client.patch(f"/api/v1/members/{other}", json={"shares_held": 5}, headers=headers)
    post = client.post(
        "/api/v1/proposals",
        json={
            "title": "Buy a van",
            "kind": "ordinary",
            "opens_at": "2026-11-26T09:00:00+00:00",
            "closes_at": "2026-12-03T17:00:00+00:00",
        },
        headers=headers,
    )
    opened = client.post(f"/api/v1/proposals/{world['proposal'].id}/open", headers=headers)
    if who == "secretary":
        assert patch.status_code == 200 and patch.get_json()["shares_held"] == 5
        assert post.status_code == 201 and post.get_json()["status"] == "draft"
        assert opened.status_code == 409  # already open
    elif who == "anonymous":
        assert {patch.status_code, post.status_code, opened.status_code} == {401}
    else:
        assert {patch.status_code, post.status_code, opened.status_code} == {404}


@pytest.mark.parametrize("who", ["member", "secretary", "user"])
def test_members_see_each_others_names_only(session, make_client, world, who):
    client, headers = _api(session, make_client, world["people"][who])
    listing = client.get("/api/v1/members", headers=headers)
    one = client.get(f"/api/v1/members/{world['other'].id}", headers=headers)
    if who == "user":
        assert (listing.status_code, one.status_code) == (404, 404)
        return
    assert listing.status_code == one.status_code == 200
    if who == "member":
        assert all(set(row) == {"id", "name"} for row in listing.get_json())
        assert one.get_json() == {"id": world["other"].id, "name": "Mabel Private"}
        for page in ("/coop/members", "/coop/proposals", "/coop/officers", "/coop/membership"):
            text = make_client(world["people"]["member"]).get(page).get_data(as_text=True)
            assert "9 Hidden Row" not in text and "4321" not in text
            assert "Supported member" not in text
    else:
        full = one.get_json()
        assert full["postal_address"] == "9 Hidden Row" and full["member_class"] == "supported"


def test_a_time_without_an_offset_is_refused(session, make_client, world):
    client, headers = _api(session, make_client, world["people"]["secretary"])
    answer = client.post(
        "/api/v1/proposals",
        json={
            "title": "Buy a van",
            "kind": "ordinary",
            "opens_at": "2026-11-26T09:00:00",
            "closes_at": "2026-12-03T17:00:00",
        },
        headers=headers,
    )
    assert answer.status_code == 422
    assert answer.mimetype == "application/problem+json"


def test_a_member_votes_changes_and_is_refused_after_the_close_through_the_api(
    session, make_client, world, clock
):
    client, headers = _api(session, make_client, world["people"]["member"])
    path = f"/api/v1/proposals/{world['proposal'].id}/ballot"
    assert client.put(path, json={"choice": "for"}, headers=headers).status_code == 200
    again = client.put(path, json={"choice": "against"}, headers=headers)
    assert again.status_code == 200 and again.get_json()["seq"] == 2
    assert client.get(path, headers=headers).get_json()["seq"] == 2
    assert client.put(path, json={"choice": "maybe"}, headers=headers).status_code == 422
    clock.now = world["proposal"].closes_at + timedelta(seconds=1)
    late = client.put(path, json={"choice": "for"}, headers=headers)
    assert late.status_code == 409 and late.mimetype == "application/problem+json"


def test_a_member_applies_and_the_secretary_admits_them_through_the_pages(
    session, make_client, world
):
    user = world["people"]["user"]
    client = make_client(user)
    answer = post_form(
        client,
        "/coop/membership",
        {
            "name": "Nora New",
            "member_class": "worker",
            "email": "nora@example.org",
            "email_use": "notices",
            "postal_address": "",
        },
    )
    assert answer.status_code == 302
    member = session.query(Member).filter_by(user_id=user.id).one()
    assert (member.status, member.postal_address) == ("applied", None)
    sec = make_client(world["people"]["secretary"])
    admitted = post_form(
        sec, f"/coop/register/{member.id}/admit", {}, page=f"/coop/register/{member.id}"
    )
    assert admitted.status_code == 302
    session.expire_all()
    assert member.status == "member" and [c.member_class for c in member.class_history] == [
        "worker"
    ]


def test_an_application_without_a_class_shows_the_error_by_its_field(make_client, world):
    client = make_client(world["people"]["user"])
    answer = post_form(client, "/coop/membership", {"name": "Nora New"})
    assert answer.status_code == 422
    assert "Please choose which kind of member you are." in answer.get_data(as_text=True)


def test_a_member_votes_through_the_page_and_sees_their_receipt(session, make_client, world):
    client = make_client(world["people"]["member"])
    path = f"/coop/proposals/{world['proposal'].id}"
    page = client.get(path).get_data(as_text=True)
    assert "<fieldset" in page and "<legend>How do you vote?</legend>" in page
    voted = post_form(client, path, {"choice": "against"})
    assert voted.status_code == 302 and voted.headers["Location"].endswith("/receipt")
    receipt = client.get(voted.headers["Location"]).get_data(as_text=True)
    assert "Entry number" in receipt and "Against" not in receipt
    changed = post_form(client, path, {"choice": "for"})
    assert changed.status_code == 302
    assert "Change my vote" in client.get(path).get_data(as_text=True)
    empty = post_form(client, path, {})
    assert empty.status_code == 422


def test_the_secretary_writes_and_opens_a_proposal_through_the_pages(session, make_client, world):
    sec = make_client(world["people"]["secretary"])
    made = post_form(
        sec,
        "/coop/proposals/new",
        {
            "title": "Buy a minibus",
            "kind": "extraordinary",
            "secret": "y",
            "closes_on": "2026-12-10",
            "closes_time": "17:00",
            "body": "For trips.",
        },
    )
    assert made.status_code == 302
    url = made.headers["Location"]
    opened = post_form(sec, url + "/open", {}, page=url)
    assert opened.status_code == 302
    assert "Voting open" in sec.get(url).get_data(as_text=True)
    bad = post_form(
        sec,
        "/coop/proposals/new",
        {"title": "x", "kind": "ordinary", "closes_on": "soon", "closes_time": "17:00"},
    )
    assert bad.status_code == 422


def test_the_register_exports_as_csv_for_the_secretary(session, make_client, world):
    answer = make_client(world["people"]["secretary"]).get("/coop/register.csv")
    text = answer.get_data(as_text=True)
    assert answer.mimetype == "text/csv"
    assert text.splitlines()[0].startswith("id,name,postal_address,email,email_use,member_class")
    assert "9 Hidden Row" in text and "care of the co-op" not in text.splitlines()[0]
