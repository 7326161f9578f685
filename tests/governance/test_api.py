"""The co-op's JSON API beyond permissions: proxies, recorded ballots, results and logs."""

from datetime import timedelta

import pytest

from coop.services import tokens
from governance.services import proposals
from tests import factories
from tests.conftest import NOW, problem
from tests.governance import factories as gf


def bearer(session, user):
    _token, secret = tokens.create_token(session, user, name="test", scope="read-write", now=NOW)
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def vote(session, clock):
    sec = gf.secretary(session)
    chair = gf.officer(session)
    members = [
        gf.member(session, member_class=c)
        for c in ("worker", "worker", "worker", "investor", "investor", "investor")
    ]
    friend = factories.user(session)
    proposal = gf.proposal(session, sec, secret=False)
    session.commit()
    return {"sec": sec, "chair": chair, "members": members, "friend": friend, "proposal": proposal}


def test_a_proxy_is_appointed_and_votes_for_the_member_and_their_own_vote_wins(
    session, client, vote
):
    giver = vote["members"][0]
    p = vote["proposal"].id
    giver_auth = bearer(session, gf.user_of(session, giver))
    friend_auth = bearer(session, vote["friend"])
    session.commit()
    made = client.post(
        "/api/v1/proxies",
        json={"proposal_id": p, "holder_id": vote["friend"].id},
        headers=giver_auth,
    )
    assert made.status_code == 201 and made.get_json()["holder_id"] == vote["friend"].id
    as_proxy = client.put(
        f"/api/v1/proposals/{p}/ballots/{giver.id}", json={"choice": "against"}, headers=friend_auth
    )
    assert as_proxy.status_code == 200
    own = client.put(f"/api/v1/proposals/{p}/ballot", json={"choice": "for"}, headers=giver_auth)
    assert own.status_code == 200
    refused = client.put(
        f"/api/v1/proposals/{p}/ballots/{giver.id}", json={"choice": "against"}, headers=friend_auth
    )
    problem(refused, 409)
    log = client.get(f"/api/v1/proposals/{p}/log", headers=giver_auth).get_json()
    assert [(e["choice"], e["cast_by"], e["replaces"]) for e in log] == [
        ("against", "proxy", None),
        ("for", "own", 1),
    ]
    assert {e["name"] for e in log} == {giver.name}  # an open vote's log shows names


def test_the_secretary_records_a_ballot_and_a_second_officer_countersigns_it(session, client, vote):
    p = vote["proposal"].id
    offline = vote["members"][1]
    sec_auth, chair_auth = bearer(session, vote["sec"]), bearer(session, vote["chair"])
    session.commit()
    recorded = client.put(
        f"/api/v1/proposals/{p}/ballots/{offline.id}",
        json={"choice": "for", "method": "phone"},
        headers=sec_auth,
    )
    assert recorded.status_code == 202 and recorded.get_json()["countersigned"] is False
    rid = recorded.get_json()["id"]
    problem(client.post(f"/api/v1/recorded-ballots/{rid}/countersign", headers=sec_auth), 403)
    signed = client.post(f"/api/v1/recorded-ballots/{rid}/countersign", headers=chair_auth)
    assert signed.status_code == 200 and signed.get_json()["seq"] == 1
    log = client.get(f"/api/v1/proposals/{p}/log", headers=chair_auth).get_json()
    assert log[0]["cast_by"] == "recorded"


def test_the_result_gives_the_tally_fields_and_counts(session, client, vote, clock):
    p = vote["proposal"]
    for m, choice in zip(
        vote["members"], ("for", "for", "against", "for", "for", "against"), strict=True
    ):
        headers = bearer(session, gf.user_of(session, m))
        session.commit()
        assert (
            client.put(
                f"/api/v1/proposals/{p.id}/ballot", json={"choice": choice}, headers=headers
            ).status_code
            == 200
        )
    auth = bearer(session, gf.user_of(session, vote["members"][0]))
    session.commit()
    problem(client.get(f"/api/v1/proposals/{p.id}/result", headers=auth), 404)  # not closed yet
    proposals.close_due(session, p.closes_at)
    session.commit()
    result = client.get(f"/api/v1/proposals/{p.id}/result", headers=auth).get_json()
    # nO = 3 (2 for), nI = 3 (2 for): 3/6 > 1/10, w = (1/10*3)/(9/10*3) = 1/9;
    # T = 3 + 3/9 = 10/3, F = 2 + 2/9 = 20/9, F/T = 2/3.
    assert result["investor_weight"] == "1/9" and result["for_share"] == "2/3"
    assert result["for_share_percent"] == "66.67" and result["outcome"] == "passed"
    assert result["counts"]["investor"] == {"for": 2, "against": 1, "abstain": 0}
    assert (
        result["threshold"] == "1/2" and result["verified"] is True and result["entry_count"] == 6
    )
    proposal = client.get(f"/api/v1/proposals/{p.id}", headers=auth).get_json()
    assert {"id", "title", "kind", "status", "opens_at", "closes_at"} <= set(proposal)
    assert proposal["status"] == "closed" and proposal["closes_at"].endswith("+00:00")


def test_a_sixth_proxy_is_refused_through_the_api(session, client, vote):
    sec = vote["sec"]
    givers = [gf.member(session) for _ in range(6)]
    p = gf.proposal(session, sec, title="Second vote", now=NOW + timedelta(minutes=1))
    session.commit()
    for i, giver in enumerate(givers):
        headers = bearer(session, gf.user_of(session, giver))
        session.commit()
        answer = client.post(
            "/api/v1/proxies",
            json={"proposal_id": p.id, "holder_id": vote["friend"].id},
            headers=headers,
        )
        assert answer.status_code == (201 if i < 5 else 409)
