"""Elections of directors: weighted winners (investors hold at most a tenth), seats per class,
ties by lot recorded and reproducible, over-voting and the board's limits refused, candidates
18 or over, ballots changeable until the close and secret."""

import random
from datetime import date, timedelta
from fractions import Fraction

import pytest
from sqlalchemy import func, select

from coop.errors import Conflict, Invalid, NotFound
from coop.services import settings, tokens
from governance.models import SEAT_CLASSES, ElectionBallot, Officer
from governance.services import elections
from tests import factories
from tests.conftest import NOW, post_form, problem
from tests.governance import factories as gf

ADULT = date(1980, 5, 17)
SEATS = {"supported-advocate": 1, "worker": 1, "investor": 1}


def _election(session, sec, members, *, seats=SEATS, open_now=True):
    election = elections.create_election(
        session,
        sec,
        title="Board election 2026",
        closes_at=NOW + timedelta(days=7),
        seats=seats,
        now=NOW,
    )
    for m in members:
        elections.nominate(
            session, sec, election.id, member_id=m.id, born_on=ADULT, age_checked=True, now=NOW
        )
    if open_now:
        elections.open_election(session, sec, election.id, now=NOW)
    return election


def _vote(session, member, election, *candidates):
    return elections.cast_election_ballot(
        session,
        gf.user_of(session, member),
        election.id,
        candidate_ids=[c.id for c in candidates],
        now=NOW + timedelta(hours=1),
    )


def _bearer(session, user):
    _token, secret = tokens.create_token(session, user, name="test", scope="read-write", now=NOW)
    session.commit()
    return {"Authorization": f"Bearer {secret}"}


def _ballots(session):
    return session.scalar(select(func.count()).select_from(ElectionBallot))


def _candidate(election, member):
    return next(c for c in election.candidates if c.member_id == member.id)


@pytest.fixture
def board(session):
    sec = gf.secretary(session)
    s1 = gf.member(session, member_class="supported", name="Sue Supported")
    w1 = gf.member(session, member_class="worker", name="Wendy Worker")
    w2 = gf.member(session, member_class="worker", name="Walter Worker")
    i1 = gf.member(session, member_class="investor", name="Ivy Investor")
    i2 = gf.member(session, member_class="investor", name="Ian Investor")
    election = _election(session, sec, [s1, w1, w2, i1, i2])
    return {"sec": sec, "election": election, "s1": s1, "w1": w1, "w2": w2, "i1": i1, "i2": i2}


def test_investors_votes_are_weighted_so_they_hold_a_tenth_and_the_most_votes_win(session, board):
    e = board["election"]
    s1, w1, w2, i1, i2 = (_candidate(e, board[k]) for k in ("s1", "w1", "w2", "i1", "i2"))
    # Nine voters who are not investors, three investors: 3/12 is over a tenth, so an investor's
    # vote weighs w = (1/10 * 9) / (9/10 * 3) = 1/3, and investors hold 1 of 10.
    others = [gf.member(session, member_class=c) for c in ["worker"] * 5 + ["advocate"] * 4]
    investors = [gf.member(session, member_class="investor") for _ in range(3)]
    for voter in others[:5]:
        _vote(session, voter, e, w1, s1)  # Wendy: 5
    for voter in others[5:8]:
        _vote(session, voter, e, w2, i2, s1)  # Walter: 3, Ian: 3, Sue: 8
    _vote(session, others[8], e, i1)  # Ivy: 1
    for voter in investors[:2]:
        _vote(session, voter, e, w2, i1)  # Walter +2/3, Ivy +2/3
    _vote(session, investors[2], e, w2)  # Walter +1/3: 4 in all, where unweighted he had 6
    assert elections.close_election(session, e.id, now=e.closes_at)
    result = elections.result_view(session, board["sec"], e.id, now=e.closes_at)
    totals = {row["candidate_id"]: row["weighted_votes"] for row in result["candidates"]}
    assert result["investor_weight"] == "1/3"
    assert result["voters"] == 12
    assert totals == {s1.id: "8", w1.id: "5", w2.id: "4", i1.id: "5/3", i2.id: "3"}
    assert e.result["elected"] == {
        "supported-advocate": [s1.id],
        "worker": [w1.id],
        "investor": [i2.id],
    }
    weighted_investors = 3 * Fraction(result["investor_weight"])
    assert weighted_investors / (9 + weighted_investors) == Fraction(1, 10)
    assert e.result["draws"] == []


def test_with_few_investors_their_votes_weigh_one(session, board):
    e = board["election"]
    others = [gf.member(session) for _ in range(9)]
    for voter in others:
        _vote(session, voter, e)
    _vote(session, gf.member(session, member_class="investor"), e, _candidate(e, board["i1"]))
    elections.close_election(session, e.id, now=e.closes_at)
    assert e.result["investor_weight"] == "1"  # 1 of 10 voters: not over the tenth


def test_investors_alone_elect_nobody(session, board):
    e = board["election"]
    _vote(session, board["i1"], e, _candidate(e, board["i2"]))
    elections.close_election(session, e.id, now=e.closes_at)
    assert e.result["outcome"] == "no-valid-vote"
    assert e.result["elected"] == {key: [] for key in SEAT_CLASSES}


def test_each_class_fills_its_own_seats(session):
    sec = gf.secretary(session)
    workers = [gf.member(session, member_class="worker") for _ in range(4)]
    e = _election(
        session, sec, workers, seats={"worker": 3, "supported-advocate": 0, "investor": 0}
    )
    voters = [gf.member(session) for _ in range(3)]
    cands = [_candidate(e, w) for w in workers]
    _vote(session, voters[0], e, cands[0], cands[1], cands[2])
    _vote(session, voters[1], e, cands[0], cands[1])
    _vote(session, voters[2], e, cands[0], cands[3], cands[2])
    elections.close_election(session, e.id, now=e.closes_at)
    assert sorted(e.result["elected"]["worker"]) == sorted([cands[0].id, cands[1].id, cands[2].id])


def test_a_tie_is_settled_by_lot_and_the_draw_is_recorded_and_reproducible(
    session, board, monkeypatch
):
    e = board["election"]
    w1, w2 = _candidate(e, board["w1"]), _candidate(e, board["w2"])
    _vote(session, gf.member(session), e, w1)
    _vote(session, gf.member(session), e, w2)
    monkeypatch.setattr(elections, "shuffle", random.Random(7).shuffle)
    elections.close_election(session, e.id, now=e.closes_at)
    draws = {d["seat_class"]: d for d in e.result["draws"]}
    draw = draws["worker"]
    assert draw["seat_class"] == "worker" and draw["tied"] == sorted([w1.id, w2.id])
    assert draw["seats"] == 1
    expected = sorted([w1.id, w2.id])
    random.Random(7).shuffle(expected)
    assert draw["order"] == expected
    assert e.result["elected"]["worker"] == [expected[0]]
    # Anyone can check the winners from the record.
    running = [w1.id, w2.id]
    assert elections.winners_from_draw(e.result["totals"], running, draw) == [expected[0]]
    # Sue stood unopposed, so there is no draw for her seat; the two investors with no votes
    # tie for theirs, and that draw is recorded too.
    assert set(draws) == {"worker", "investor"}


def test_the_draw_uses_the_systems_randomness_by_default():
    assert elections.shuffle.__self__.__class__ is random.SystemRandom


def test_voting_for_more_candidates_than_seats_is_refused(session, board, make_client):
    e = board["election"]
    w1, w2 = _candidate(e, board["w1"]), _candidate(e, board["w2"])
    voter = gf.member(session)
    with pytest.raises(Invalid) as refused:
        _vote(session, voter, e, w1, w2)
    assert "seats_worker" in refused.value.errors
    with pytest.raises(Invalid):
        _vote(session, voter, e, w1, w1)
    session.commit()
    client = make_client(gf.user_of(session, voter))
    page = post_form(client, f"/coop/elections/{e.id}", {"candidate": [w1.id, w2.id]})
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert (
        'id="seats-worker-error"' in html
        and "seats-worker-error" in html.split('id="seats-worker"')[1][:200]
    )
    auth = _bearer(session, gf.user_of(session, voter))
    problem(
        client.put(
            f"/api/v1/elections/{e.id}/ballot",
            json={"candidate_ids": [w1.id, w2.id]},
            headers=auth,
        ),
        422,
    )
    assert _ballots(session) == 0


def test_a_ballot_changes_until_the_close_and_is_refused_after(session, board, make_client, clock):
    e = board["election"]
    w1, w2 = _candidate(e, board["w1"]), _candidate(e, board["w2"])
    voter = gf.member(session)
    assert not _vote(session, voter, e, w1).changed
    assert _vote(session, voter, e, w2).changed
    assert elections.my_choices(session, gf.user_of(session, voter), e.id, now=NOW) == [w2.id]
    assert _ballots(session) == 1
    session.commit()
    client = make_client(gf.user_of(session, voter))
    assert post_form(client, f"/coop/elections/{e.id}", {"candidate": [w1.id]}).status_code == 302
    assert elections.close_due(session, e.closes_at) == 1
    assert elections.close_due(session, e.closes_at) == 0  # the timed job is idempotent
    with pytest.raises(Conflict):
        _vote(session, voter, e, w2)
    session.commit()
    clock.now = e.closes_at + timedelta(minutes=1)
    auth = _bearer(session, gf.user_of(session, voter))
    late = client.put(
        f"/api/v1/elections/{e.id}/ballot", json={"candidate_ids": [w2.id]}, headers=auth
    )
    problem(late, 409)
    assert e.result["totals"][str(w1.id)] == "1"


def test_the_result_shows_weighted_totals_never_who_voted_for_whom(session, board, make_client):
    e = board["election"]
    voter = gf.member(session, name="Private Voter")
    _vote(session, voter, e, _candidate(e, board["w1"]))
    elections.close_now(session, board["sec"], e.id, now=NOW + timedelta(hours=2))
    session.commit()
    client = make_client(gf.user_of(session, board["w2"]))
    body = client.get(f"/api/v1/elections/{e.id}/result").get_json()
    assert set(body) == {
        "election_id",
        "outcome",
        "voters",
        "investor_weight",
        "candidates",
        "draws",
        "closed_at",
    }
    assert str(voter.id) not in str(body["candidates"]) and "Private Voter" not in str(body)
    page = client.get(f"/coop/elections/{e.id}/result").get_data(as_text=True)
    assert "Private Voter" not in page and board["w1"].name in page


def test_the_board_limits_refuse_an_election_that_would_break_them(session):
    sec = gf.secretary(session)
    for _ in range(2):
        investor = gf.member(session, member_class="investor")
        session.add(Officer(user_id=investor.user_id, office="director", appointed_at=NOW))
    session.flush()
    with pytest.raises(Invalid) as refused:
        _election(session, sec, [], seats={"investor": 1, "worker": 1, "supported-advocate": 0})
    assert set(refused.value.errors) == {"seats_investor"}
    # Three directors at least: two sit, so one more seat is enough; none is not.
    assert _election(session, sec, [], seats={"worker": 1}, open_now=False)
    with pytest.raises(Invalid) as too_small:
        _election(session, sec, [], seats={"worker": 0, "investor": 0, "supported-advocate": 0})
    assert "seats" in too_small.value.errors
    admin = factories.user(session, roles=["admin"])
    settings.update_settings(session, admin, {"board_max_worker": "0"}, now=NOW)
    with pytest.raises(Invalid) as limited:
        _election(session, sec, [], seats={"worker": 1})
    assert set(limited.value.errors) == {"seats_worker"}


def test_a_candidate_must_be_18_or_over_and_the_secretary_must_confirm_it(session):
    sec = gf.secretary(session)
    young = gf.member(session)
    e = _election(session, sec, [], seats={"worker": 3}, open_now=False)
    seventeen = NOW.date().replace(year=NOW.year - 18) + timedelta(days=1)
    for born_on, checked, field in ((seventeen, True, "born_on"), (ADULT, False, "age_checked")):
        with pytest.raises(Invalid) as refused:
            elections.nominate(
                session,
                sec,
                e.id,
                member_id=young.id,
                born_on=born_on,
                age_checked=checked,
                now=NOW,
            )
        assert field in refused.value.errors
    eighteen_today = NOW.date().replace(year=NOW.year - 18)
    made = elections.nominate(
        session, sec, e.id, member_id=young.id, born_on=eighteen_today, age_checked=True, now=NOW
    )
    assert (made.age_confirmed_by_id, made.age_confirmed_at) == (sec.id, NOW)
    with pytest.raises(Conflict):
        elections.nominate(
            session, sec, e.id, member_id=young.id, born_on=ADULT, age_checked=True, now=NOW
        )


def test_only_the_secretary_sets_up_and_runs_elections(session, board):
    e = board["election"]
    for someone in (gf.user_of(session, board["w1"]), gf.officer(session)):
        with pytest.raises(NotFound):
            _election(session, someone, [])
        with pytest.raises(NotFound):
            elections.close_now(session, someone, e.id, now=NOW)


def test_the_secretary_runs_an_election_on_the_pages(session, make_client, clock):
    sec = gf.secretary(session)
    people = [gf.member(session, member_class=c) for c in ("worker", "advocate", "investor")]
    session.commit()
    client = make_client(sec)
    answer = post_form(
        client,
        "/coop/elections/new",
        {
            "title": "Board 2026",
            "seats_supported_advocate": "1",
            "seats_worker": "1",
            "seats_investor": "1",
            "closes_on": "2026-12-20",
            "closes_time": "17:00",
        },
    )
    assert answer.status_code == 302
    path = answer.headers["Location"]
    young = post_form(
        client,
        path + "/candidates",
        {
            "nominate-member_id": people[0].id,
            "nominate-born_on": "2010-01-01",
            "nominate-age_checked": "y",
        },
        page=path,
    )
    assert young.status_code == 422 and "A director must be 18 or over." in young.get_data(
        as_text=True
    )
    for m in people:
        done = post_form(
            client,
            path + "/candidates",
            {
                "nominate-member_id": m.id,
                "nominate-born_on": "1980-01-01",
                "nominate-age_checked": "y",
            },
            page=path,
        )
        assert done.status_code == 302
    assert post_form(client, path + "/open", {}, page=path).status_code == 302
    voter = make_client(gf.user_of(session, people[1]))
    ballot_page = voter.get(path).get_data(as_text=True)
    assert "<legend>Directors who are worker members</legend>" in ballot_page
    assert post_form(client, path + "/close", {}, page=path).status_code == 302
    assert voter.get(path + "/result").status_code == 200


PEOPLE = ("anonymous", "user", "applicant", "member", "left", "chair", "secretary", "admin")
PAGES = {
    "/coop/elections": {"member", "secretary"},
    "/coop/elections/new": {"secretary"},
    "/coop/elections/{election}": {"member", "secretary"},
    "/coop/elections/{election}/result": {"member", "secretary"},
    "/api/v1/elections": {"member", "secretary"},
    "/api/v1/elections/{election}": {"member", "secretary"},
    "/api/v1/elections/{election}/result": {"member", "secretary"},
}


@pytest.fixture
def world(session, clock):
    sec = gf.secretary(session)
    people = {
        "anonymous": None,
        "user": factories.user(session),
        "applicant": gf.user_of(session, gf.member(session, status="applied")),
        "member": gf.user_of(session, gf.member(session)),
        "left": gf.user_of(session, gf.member(session, status="left")),
        "chair": gf.officer(session),
        "secretary": sec,
        "admin": factories.user(session, roles=["admin"]),
    }
    candidates = [gf.member(session, member_class=c) for c in ("worker", "supported", "investor")]
    closed = _election(session, sec, candidates)
    elections.close_now(session, sec, closed.id, now=NOW)
    current = _election(session, sec, candidates)
    session.commit()
    return {"people": people, "closed": closed, "open": current}


@pytest.mark.parametrize("path", sorted(PAGES))
@pytest.mark.parametrize("who", PEOPLE)
def test_election_permissions_through_pages_and_api(make_client, world, path, who):
    answer = make_client(world["people"][who]).get(path.format(election=world["closed"].id))
    if who in PAGES[path]:
        assert answer.status_code == 200, (who, path)
    elif who == "anonymous":
        assert answer.status_code == (401 if path.startswith("/api") else 302)
    else:
        assert answer.status_code == 404, (who, path, answer.status_code)


@pytest.mark.parametrize("who", PEOPLE)
def test_only_current_members_vote_in_an_election(session, make_client, world, who):
    e = world["open"]
    person = world["people"][who]
    answer = make_client().put(
        f"/api/v1/elections/{e.id}/ballot",
        json={"candidate_ids": [e.candidates[0].id]},
        headers=_bearer(session, person) if person else {},
    )
    expected = {"member": 200, "anonymous": 401, "secretary": 403}.get(who, 404)
    assert answer.status_code == expected, (who, answer.get_json())
    if expected == 200:
        assert set(answer.get_json()) == {"election_id", "cast_at", "changed"}


def test_with_one_or_two_investors_only_the_scrutineers_see_weights_and_totals(session, board):
    e = board["election"]
    for voter in [gf.member(session) for _ in range(4)]:
        _vote(session, voter, e, _candidate(e, board["w1"]))
    _vote(session, gf.member(session, member_class="investor"), e, _candidate(e, board["i1"]))
    elections.close_election(session, e.id, now=e.closes_at)
    member = gf.member(session)
    seen_by_member = elections.result_view(
        session, gf.user_of(session, member), e.id, now=e.closes_at
    )
    assert seen_by_member["investor_weight"] is None
    assert {row["weighted_votes"] for row in seen_by_member["candidates"]} == {None}
    assert {row["name"] for row in seen_by_member["candidates"] if row["elected"]} >= {
        "Wendy Worker"
    }
    seen_by_secretary = elections.result_view(session, board["sec"], e.id, now=e.closes_at)
    assert seen_by_secretary["investor_weight"] is not None
