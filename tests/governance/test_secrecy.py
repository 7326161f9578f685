"""A secret vote stays secret: plant one, crawl every page and JSON answer of the app as every
kind of person but the scrutineers, and find no link between a member and their choice; a
receipt shows no choice; a class with fewer than 3 voters never shows on its own."""

import itertools
import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from coop.models import AuditEvent
from governance.models import LogEntry
from governance.services import ballots, counting, proposals, proxies, recorded, results
from tests import factories
from tests.conftest import NOW, elements
from tests.governance import factories as gf

KEY = gf.KEY
CHOICE_WORDS = re.compile(r"(For|Against|Abstain)(?![a-z])")  # text runs together in the parser


@pytest.fixture
def planted(session, clock):
    """Two secret votes, one open and one closed, with own, proxy and recorded ballots."""
    sec = gf.secretary(session)
    chair = gf.officer(session)
    alice = gf.member(session, member_class="worker", name="Alice Zephyrine")
    bertram = gf.member(session, member_class="supported", name="Bertram Quillfeather")
    cora = gf.member(session, member_class="advocate", name="Cora Wintergreen")
    dora = gf.member(session, member_class="worker", name="Dora Fennimore")
    idle = gf.member(session, member_class="worker", name="Ivo Idle")
    investors = [
        gf.member(session, member_class="investor", name=f"Ingrid Investor{i}") for i in range(2)
    ]
    workers = [
        gf.member(session, member_class="worker", name=f"Walter Worker{i}") for i in range(3)
    ]
    percy = factories.user(session, display_name="Percy Proxyholder")
    applicant = gf.member(session, status="applied", name="April Applicant")
    votes = {
        alice.id: "for",
        bertram.id: "against",
        investors[0].id: "for",
        investors[1].id: "against",
        workers[0].id: "abstain",
        workers[1].id: "for",
    }
    every = [alice, bertram, investors[0], investors[1], workers[0], workers[1]]
    made = []
    for title, closes_in in (
        ("Plant more trees", timedelta(days=10)),
        ("Buy a bigger kettle", timedelta(days=2)),
    ):
        p = gf.proposal(session, sec, title=title, closes_in=closes_in, now=NOW - timedelta(days=3))
        for m in every:
            ballots.cast_ballot(
                session,
                gf.user_of(session, m),
                p.id,
                choice=votes[m.id],
                key=KEY,
                now=NOW - timedelta(days=2),
            )
        proxies.appoint_proxy(
            session,
            gf.user_of(session, dora),
            p.id,
            holder_id=percy.id,
            now=NOW - timedelta(days=2),
        )
        ballots.cast_ballot(
            session,
            percy,
            p.id,
            choice="against",
            key=KEY,
            now=NOW - timedelta(days=2),
            for_member_id=dora.id,
        )
        written = recorded.record_ballot(
            session,
            sec,
            p.id,
            member_id=cora.id,
            choice="abstain",
            method="phone",
            now=NOW - timedelta(days=2),
        )
        recorded.countersign(
            session,
            chair,
            written.id,
            key=KEY,
            base_url="http://localhost",
            now=NOW - timedelta(days=2),
        )
        made.append(p)
    proposals.close_due(session, NOW)
    session.commit()
    people = {
        "anonymous": None,
        "a user who is not a member": factories.user(session),
        "an applicant": gf.user_of(session, applicant),
        "a voter": gf.user_of(session, alice),
        "a voter in a small class": gf.user_of(session, bertram),
        "a member whose proxy voted": gf.user_of(session, dora),
        "the proxy holder": percy,
        "a member who did not vote": gf.user_of(session, idle),
        "an investor": gf.user_of(session, investors[0]),
        "an admin": factories.user(session, roles=["admin"]),
        "a facilitator": factories.user(session, roles=["facilitator"]),
    }
    session.commit()
    voters = [alice, bertram, cora, dora, *investors, *workers[:2]]
    return {"proposals": made, "people": people, "voters": voters, "members": [*voters, idle]}


def _fill(rule, ids: dict[str, list[Any]]) -> list[str]:
    """Every URL for a rule, its arguments filled with the real ids (or 1 where we have none)."""
    names = sorted(rule.arguments)
    options = [ids.get(name, ["x"] if name in ("token", "hat") else [1]) for name in names]
    urls = []
    for values in itertools.product(*options):
        try:
            urls.append(rule.build(dict(zip(names, values, strict=True)), append_unknown=False)[1])
        except Exception:
            continue
    return urls


def _json_choices(value: Any) -> list[Any]:
    """Every object in a JSON answer that carries a ballot's choice."""
    found = []
    if isinstance(value, dict):
        if value.get("choice") in ("for", "against", "abstain"):
            found.append(value)
        for item in value.values():
            found.extend(_json_choices(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(_json_choices(item))
    return found


def _leaks(text: str, names: list[str], receipts: list[str]) -> list[str]:
    problems = []
    for el in elements(text):
        is_choice = el.attrs.get("value") in ("for", "against", "abstain")
        if el.tag == "input" and is_choice and "checked" in el.attrs:
            problems.append(f"a vote form shows a choice: {el.attrs}")
        if el.tag not in ("tr", "td", "li", "dd", "p", "dt", "h1", "h2", "h3"):
            continue
        who = [n for n in names if n in el.text] + [r for r in receipts if r in el.text]
        if who and CHOICE_WORDS.search(el.text):
            problems.append(f"<{el.tag}> links {who} to a choice: {el.text[:200]}")
    return problems


def test_no_page_or_answer_links_a_member_to_their_secret_choice(
    app, session, make_client, planted
):
    proposal_ids = [p.id for p in planted["proposals"]]
    ids = {
        "proposal_id": proposal_ids,
        "member_id": [m.id for m in planted["members"]],
        "event_id": list(session.scalars(select(AuditEvent.id))),
    }
    receipts = [r[:16] for r in session.scalars(select(LogEntry.receipt))]
    names = [m.name for m in planted["voters"]]
    rules = [
        r for r in app.url_map.iter_rules() if "GET" in (r.methods or ()) and r.endpoint != "static"
    ]
    seen = 0
    for who, person in planted["people"].items():
        client = make_client(person)
        for rule in rules:
            for url in _fill(rule, ids):
                answer = client.get(url)
                seen += 1
                assert answer.status_code < 500, (who, url, answer.status_code)
                if answer.mimetype in ("application/json", "application/problem+json"):
                    found = _json_choices(answer.get_json())
                    assert not found, (who, url, found)
                else:
                    problems = _leaks(answer.get_data(as_text=True), names, receipts)
                    assert not problems, (who, url, problems)
    assert seen > 100
    # No audit event records a secret ballot, and none holds a choice.
    for event in session.scalars(select(AuditEvent)):
        assert not event.action.startswith("ballot."), event.action
        assert "choice" not in event.changes


def test_a_receipt_shows_no_choice(session, make_client, planted):
    voter = planted["people"]["a voter"]
    client = make_client(voter)
    for p in planted["proposals"]:
        page = client.get(f"/coop/proposals/{p.id}/receipt").get_data(as_text=True)
        assert "Entry number" in page
        assert not CHOICE_WORDS.search(page.split("<main", 1)[1])
        receipt = client.get(f"/api/v1/proposals/{p.id}/ballot").get_json()
        assert set(receipt) == {"proposal_id", "seq", "receipt", "hash"}


def test_with_fewer_than_3_investors_only_the_outcome_shows(session, make_client, planted):
    closed = planted["proposals"][1]
    answer = (
        make_client(planted["people"]["a voter"])
        .get(f"/api/v1/proposals/{closed.id}/result")
        .get_json()
    )
    assert answer["full"] is False and answer["counts"] is None
    assert answer["outcome"] in ("passed", "failed") and answer["verified"] is True
    for figure in results.TALLY_FIGURES:
        assert answer[figure] is None
    page = (
        make_client(planted["people"]["a voter"])
        .get(f"/coop/proposals/{closed.id}/result")
        .get_data(as_text=True)
    )
    assert "only the outcome is shown" in page and "The scrutineers' check" in page


def test_a_class_with_fewer_than_3_voters_never_shows_on_its_own(session, make_client):
    sec = gf.secretary(session)
    classes = ["supported"] + ["advocate"] * 2 + ["worker"] * 4 + ["investor"] * 3
    voters = [gf.member(session, member_class=c) for c in classes]
    p = gf.proposal(session, sec)
    for i, m in enumerate(voters):
        ballots.cast_ballot(
            session,
            gf.user_of(session, m),
            p.id,
            choice=("for", "against")[i % 2],
            key=KEY,
            now=NOW,
        )
    proposals.close_due(session, p.closes_at)
    session.commit()
    view = results.result_view(
        session, gf.user_of(session, voters[0]), p.id, key=KEY, now=p.closes_at
    )
    assert view["full"] is True
    assert set(view["counts"]) == {"non-investor", "investor"}
    assert sum(view["counts"]["non-investor"].values()) == 7


SHOWN = [
    # (voters per class, what shows)
    (
        {"worker": 3, "supported": 3, "advocate": 3, "investor": 3},
        {"supported", "advocate", "worker", "investor"},
    ),
    ({"worker": 5, "supported": 1, "investor": 3}, {"non-investor", "investor"}),
    ({"worker": 5, "supported": 0, "advocate": 3, "investor": 4}, {"non-investor", "investor"}),
    ({"worker": 9, "investor": 2}, None),
    ({"worker": 9, "investor": 0}, None),
    ({"worker": 1, "supported": 1, "investor": 5}, None),
]


@pytest.mark.parametrize(("voted", "shows"), SHOWN)
def test_secret_counts_show_a_class_only_with_3_voters(voted, shows):
    counts = {c: {"for": n, "against": 0, "abstain": 0} for c, n in voted.items()}
    shown = counting.shown_counts(counts, secret=True)
    if shows is None:
        assert shown == {"counts": None, "full": False}
    else:
        assert set(shown["counts"]) == shows
        for row in shown["counts"].values():
            assert sum(row.values()) >= 3


def test_an_open_vote_shows_every_class():
    counts = {"worker": {"for": 1}, "investor": {"against": 1}}
    assert counting.shown_counts(counts, secret=False)["counts"]["worker"]["for"] == 1


def test_the_crawls_detector_would_see_a_name_beside_a_choice(session, make_client, clock):
    """The check the crawl uses finds the link where there is one: an open vote's log."""
    sec = gf.secretary(session)
    voter = gf.member(session, name="Otto Openvote")
    p = gf.proposal(session, sec, secret=False)
    ballots.cast_ballot(
        session, gf.user_of(session, voter), p.id, choice="against", key=KEY, now=NOW
    )
    session.commit()
    page = (
        make_client(gf.user_of(session, voter))
        .get(f"/coop/proposals/{p.id}/log")
        .get_data(as_text=True)
    )
    assert _leaks(page, ["Otto Openvote"], [])
    vote_page = (
        make_client(gf.user_of(session, voter))
        .get(f"/coop/proposals/{p.id}")
        .get_data(as_text=True)
    )
    assert any("checked" in problem for problem in _leaks(vote_page, [], []))
