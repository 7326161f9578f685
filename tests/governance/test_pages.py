"""The co-op's pages for proxies, recorded ballots, officers and the register."""

import re

import pytest
from sqlalchemy import select

from governance.models import Ballot, Officer
from tests import factories
from tests.conftest import mails_to, post_form
from tests.governance import factories as gf


@pytest.fixture
def vote(session, clock):
    sec = gf.secretary(session)
    chair = gf.officer(session)
    members = [gf.member(session) for _ in range(3)]
    proposal = gf.proposal(session, sec)
    session.commit()
    return {"sec": sec, "chair": chair, "members": members, "proposal": proposal}


def _ballot(session, proposal_id, member_id):
    session.expire_all()
    return session.scalar(
        select(Ballot).where(Ballot.proposal_id == proposal_id, Ballot.member_id == member_id)
    )


def test_a_member_appoints_a_proxy_who_votes_for_them_on_the_page(session, make_client, vote):
    giver = vote["members"][0]
    friend = factories.user(session, username="fernfriend")
    session.commit()
    path = f"/coop/proposals/{vote['proposal'].id}"
    giver_client = make_client(gf.user_of(session, giver))
    unknown = post_form(giver_client, path + "/proxy", {"holder": "nobody-here"})
    assert unknown.status_code == 422
    assert "Nobody has that e-mail address or username." in unknown.get_data(as_text=True)
    assert post_form(giver_client, path + "/proxy", {"holder": "fernfriend"}).status_code == 302
    friend_client = make_client(friend)
    page = friend_client.get(path).get_data(as_text=True)
    assert "Votes you hold as a proxy" in page and giver.name in page
    answer = post_form(
        friend_client,
        f"{path}/proxy-vote/{giver.id}",
        {f"m{giver.id}-choice": "against"},
        page=path,
    )
    assert answer.status_code == 302
    ballot = _ballot(session, vote["proposal"].id, giver.id)
    assert (ballot.cast_by, ballot.choice) == ("proxy", "against")
    # The member votes themselves: their vote replaces the proxy's, and the proxy's form goes.
    assert post_form(giver_client, path, {"choice": "for"}).status_code == 302
    assert _ballot(session, vote["proposal"].id, giver.id).cast_by == "own"
    assert "has voted themselves" in friend_client.get(path).get_data(as_text=True)


def test_the_secretary_records_a_ballot_and_the_chair_countersigns_it_on_the_pages(
    session, make_client, vote
):
    member = vote["members"][1]
    p = vote["proposal"].id
    sec_client = make_client(vote["sec"])
    answer = post_form(
        sec_client,
        f"/coop/proposals/{p}/record",
        {"member_id": str(member.id), "method": "meeting", "choice": "abstain"},
    )
    assert answer.status_code == 302
    assert _ballot(session, p, member.id) is None
    assert "Nothing is waiting" in sec_client.get("/coop/countersign").get_data(as_text=True)
    chair_client = make_client(vote["chair"])
    listing = chair_client.get("/coop/countersign").get_data(as_text=True)
    assert member.name in listing and "At a meeting" in listing
    [recorded_id] = [int(x) for x in re.findall(r"/coop/countersign/(\d+)", listing)]
    signed = post_form(
        chair_client, f"/coop/countersign/{recorded_id}", {}, page="/coop/countersign"
    )
    assert signed.status_code == 302
    assert _ballot(session, p, member.id).cast_by == "recorded"
    [mail] = mails_to(session, member.email)
    assert f"/coop/proposals/{p}" in mail.body


def test_the_secretary_keeps_the_register_of_officers_on_the_page(session, make_client, vote):
    member = vote["members"][2]
    user = gf.user_of(session, member)
    sec_client = make_client(vote["sec"])
    answer = post_form(
        sec_client, "/coop/officers", {"holder": user.username, "office": "treasurer"}
    )
    assert answer.status_code == 302
    officer = session.scalar(select(Officer).where(Officer.user_id == user.id))
    assert officer is not None and officer.office == "treasurer"
    assert (
        post_form(
            make_client(user), "/coop/officers", {"holder": user.username, "office": "chair"}
        ).status_code
        == 404
    )
    ended = post_form(sec_client, f"/coop/officers/{officer.id}/end", {}, page="/coop/officers")
    assert ended.status_code == 302


def test_the_secretary_edits_the_register_and_records_leaving_on_the_pages(
    session, make_client, vote
):
    member = vote["members"][2]
    sec_client = make_client(vote["sec"])
    path = f"/coop/register/{member.id}"
    answer = post_form(
        sec_client,
        path,
        {
            "name": member.name,
            "postal_address": "",
            "email": member.email,
            "email_use": "notices",
            "member_class": "investor",
            "shares_held": "10",
            "shares_paid_pence": "1000",
            "loans_pence": "0",
        },
    )
    assert answer.status_code == 302
    session.expire_all()
    assert member.member_class == "investor" and member.postal_address is None
    assert "Investor member from" in sec_client.get(path).get_data(as_text=True)
    assert post_form(sec_client, path + "/leave", {}, page=path).status_code == 302
    session.expire_all()
    assert member.status == "left"


def test_a_member_leaves_the_co_op_on_the_page(session, make_client, vote):
    member = vote["members"][0]
    client = make_client(gf.user_of(session, member))
    assert "Leave the co-op?" in client.get("/coop/membership/leave").get_data(as_text=True)
    assert post_form(client, "/coop/membership/leave", {}).status_code == 302
    session.expire_all()
    assert member.status == "left"
    assert client.get("/coop/membership/leave").status_code == 404
