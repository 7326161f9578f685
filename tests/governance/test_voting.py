"""Ballots: one per member, changeable until the close; proxies; recorded ballots; closing."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from coop import extension
from coop.errors import Conflict, Forbidden, Invalid, NotFound
from coop.models import OutboxMessage
from governance.models import Ballot, LogEntry, Proposal
from governance.services import ballot_log, ballots, proposals, proxies, recorded, results
from tests.conftest import NOW
from tests.governance import factories as gf

KEY = gf.KEY


@pytest.fixture
def coop(session):
    """A secretary, a second officer and five members, with an open secret ordinary vote."""
    sec = gf.secretary(session)
    chair = gf.officer(session)
    members = [
        gf.member(session, member_class=c)
        for c in ("worker", "worker", "supported", "advocate", "investor")
    ]
    proposal = gf.proposal(session, sec)
    return sec, chair, members, proposal


def _ballots(session, proposal_id):
    return list(
        session.scalars(
            select(Ballot)
            .where(Ballot.proposal_id == proposal_id)
            .execution_options(populate_existing=True)
        )
    )


def test_a_member_votes_and_changes_their_vote_before_the_close(session, coop):
    _sec, _chair, members, proposal = coop
    voter = gf.user_of(session, members[0])
    first = ballots.cast_ballot(session, voter, proposal.id, choice="for", key=KEY, now=NOW)
    second = ballots.cast_ballot(
        session, voter, proposal.id, choice="against", key=KEY, now=NOW + timedelta(hours=1)
    )
    [ballot] = _ballots(session, proposal.id)
    assert ballot.choice == "against" and ballot.log_seq == second.seq == 2
    entries = ballot_log.entries(session, proposal.id)
    assert [e.replaces_seq for e in entries] == [None, 1]
    assert first.receipt != second.receipt
    assert ballot_log.verify(session, proposal.id, key=KEY).ok


def test_changing_a_vote_after_the_close_is_refused(session, coop):
    _sec, _chair, members, proposal = coop
    voter = gf.user_of(session, members[0])
    ballots.cast_ballot(session, voter, proposal.id, choice="for", key=KEY, now=NOW)
    with pytest.raises(Conflict):
        ballots.cast_ballot(
            session, voter, proposal.id, choice="against", key=KEY, now=proposal.closes_at
        )
    assert proposals.close_due(session, proposal.closes_at) == 1
    with pytest.raises(Conflict):
        ballots.cast_ballot(
            session, voter, proposal.id, choice="against", key=KEY, now=proposal.closes_at
        )
    assert [b.choice for b in _ballots(session, proposal.id)] == ["for"]


def test_only_current_members_in_the_electorate_vote(session, coop):
    sec, _chair, members, proposal = coop
    late = gf.member(session)
    applicant = gf.member(session, status="applied")
    leaver = members[1]
    from governance.services import register

    register.leave(session, sec, leaver.id, now=NOW)
    for outsider in (late, applicant, leaver):
        with pytest.raises((Forbidden, NotFound)):
            ballots.cast_ballot(
                session, gf.user_of(session, outsider), proposal.id, choice="for", key=KEY, now=NOW
            )
    with pytest.raises(Forbidden):  # the secretary is not a member here
        ballots.cast_ballot(session, sec, proposal.id, choice="for", key=KEY, now=NOW)
    assert proposal.electorate_size == 5


def test_a_bad_choice_is_refused(session, coop):
    _sec, _chair, members, proposal = coop
    with pytest.raises(Invalid):
        ballots.cast_ballot(
            session, gf.user_of(session, members[0]), proposal.id, choice="maybe", key=KEY, now=NOW
        )


def test_a_draft_is_hidden_from_members_and_cannot_be_voted_on(session):
    sec = gf.secretary(session)
    m = gf.member(session)
    draft = gf.proposal(session, sec, open_now=False)
    with pytest.raises(NotFound):
        proposals.get_proposal(session, gf.user_of(session, m), draft.id, now=NOW)
    with pytest.raises(NotFound):
        ballots.cast_ballot(
            session, gf.user_of(session, m), draft.id, choice="for", key=KEY, now=NOW
        )


def test_only_the_secretary_drafts_and_opens_proposals(session, coop):
    _sec, chair, members, _proposal = coop
    for someone in (chair, gf.user_of(session, members[0])):
        with pytest.raises(NotFound):
            proposals.create_proposal(
                session,
                someone,
                title="x",
                kind="ordinary",
                opens_at=NOW,
                closes_at=NOW + timedelta(days=1),
                now=NOW,
            )


def test_the_timed_job_closes_votes_once_and_stores_head_hash_and_count(session, coop):
    _sec, _chair, members, proposal = coop
    for m, choice in zip(members, ("for", "for", "for", "against", "for"), strict=True):
        ballots.cast_ballot(
            session, gf.user_of(session, m), proposal.id, choice=choice, key=KEY, now=NOW
        )
    [job] = [j for j in extension.current().registry.sorted_tick_jobs() if j.name == "close_votes"]
    assert job.run(extension.current(), session, proposal.closes_at - timedelta(seconds=1)) == 0
    assert job.run(extension.current(), session, proposal.closes_at) == 1
    assert job.run(extension.current(), session, proposal.closes_at) == 0
    session.refresh(proposal)
    result = proposal.result
    assert proposal.status == "closed" and result is not None
    assert result.outcome == "passed" and result.entry_count == 5
    assert result.head_hash == ballot_log.head(session, proposal.id).hash
    # Four non-investors, one investor (1/5 > 1/10): w = (1/10 * 4) / (9/10 * 1) = 4/9,
    # F = 3 + 4/9 = 31/9, T = 4 + 4/9 = 40/9, F/T = 31/40.
    assert result.tally["for_share"] == "31/40"
    assert ballot_log.verify(session, proposal.id, key=KEY).ok


def test_a_special_resolution_awaits_registration_then_is_registered(session):
    sec = gf.secretary(session)
    members = [gf.member(session) for _ in range(4)]
    proposal = gf.proposal(session, sec, kind="special-dissolution")
    for m in members[:3]:
        ballots.cast_ballot(
            session, gf.user_of(session, m), proposal.id, choice="for", key=KEY, now=NOW
        )
    proposals.close_due(session, proposal.closes_at)
    session.refresh(proposal)
    assert proposal.status == "awaiting-registration"
    with pytest.raises(NotFound):
        proposals.mark_registered(session, gf.user_of(session, members[0]), proposal.id, now=NOW)
    proposals.mark_registered(session, sec, proposal.id, now=proposal.closes_at)
    session.refresh(proposal)
    assert proposal.status == "registered"
    with pytest.raises(Conflict):
        proposals.mark_registered(session, sec, proposal.id, now=proposal.closes_at)


def test_opening_twice_is_a_conflict(session, coop):
    sec, _chair, _members, proposal = coop
    with pytest.raises(Conflict):
        proposals.open_proposal(session, sec, proposal.id, now=NOW)


# Proxies -----------------------------------------------------------------------------------------


def test_a_sixth_proxy_for_one_holder_is_refused(session):
    sec = gf.secretary(session)
    givers = [gf.member(session) for _ in range(6)]
    holder = gf.member(session, account=True)
    proposal = gf.proposal(session, sec)
    holder_user = gf.user_of(session, holder)
    for giver in givers[:5]:
        proxies.appoint_proxy(
            session, gf.user_of(session, giver), proposal.id, holder_id=holder_user.id, now=NOW
        )
    with pytest.raises(Conflict):
        proxies.appoint_proxy(
            session, gf.user_of(session, givers[5]), proposal.id, holder_id=holder_user.id, now=NOW
        )
    # Re-appointing one of the five is not a sixth.
    proxies.appoint_proxy(
        session, gf.user_of(session, givers[0]), proposal.id, holder_id=holder_user.id, now=NOW
    )


def test_any_person_can_be_a_proxy_and_it_counts_in_the_givers_class(session, make_user):
    sec = gf.secretary(session)
    giver = gf.member(session, member_class="supported")
    friend = make_user()  # not a member at all
    proposal = gf.proposal(session, sec)
    proxies.appoint_proxy(
        session, gf.user_of(session, giver), proposal.id, holder_id=friend.id, now=NOW
    )
    ballots.cast_ballot(
        session, friend, proposal.id, choice="for", key=KEY, now=NOW, for_member_id=giver.id
    )
    [ballot] = _ballots(session, proposal.id)
    assert (ballot.member_id, ballot.member_class, ballot.cast_by) == (
        giver.id,
        "supported",
        "proxy",
    )
    with pytest.raises(Forbidden):  # a proxy is for the giver, not for themselves
        ballots.cast_ballot(session, friend, proposal.id, choice="for", key=KEY, now=NOW)


def test_a_members_own_vote_replaces_their_proxys(session, make_user):
    sec = gf.secretary(session)
    giver = gf.member(session)
    friend = make_user()
    proposal = gf.proposal(session, sec)
    proxies.appoint_proxy(
        session, gf.user_of(session, giver), proposal.id, holder_id=friend.id, now=NOW
    )
    ballots.cast_ballot(
        session, friend, proposal.id, choice="against", key=KEY, now=NOW, for_member_id=giver.id
    )
    ballots.cast_ballot(
        session, gf.user_of(session, giver), proposal.id, choice="for", key=KEY, now=NOW
    )
    [ballot] = _ballots(session, proposal.id)
    assert (ballot.choice, ballot.cast_by) == ("for", "own")
    assert [e.replaces_seq for e in ballot_log.entries(session, proposal.id)] == [None, 1]
    # ...and the proxy cannot vote for a member who has voted themselves.
    with pytest.raises(Conflict):
        ballots.cast_ballot(
            session, friend, proposal.id, choice="against", key=KEY, now=NOW, for_member_id=giver.id
        )
    assert ballot_log.verify(session, proposal.id, key=KEY).ok


def test_someone_who_is_not_the_proxy_cannot_vote_for_a_member(session, make_user):
    sec = gf.secretary(session)
    giver = gf.member(session)
    proposal = gf.proposal(session, sec)
    with pytest.raises(NotFound):  # they cannot even see the vote
        ballots.cast_ballot(
            session,
            make_user(),
            proposal.id,
            choice="for",
            key=KEY,
            now=NOW,
            for_member_id=giver.id,
        )


# Recorded ballots ---------------------------------------------------------------------------------


def test_a_recorded_ballot_counts_once_a_second_officer_countersigns_it(session):
    sec = gf.secretary(session)
    chair = gf.officer(session)
    offline = gf.member(session, account=False, name="Olive Offline", email="olive@example.org")
    online = gf.member(session)
    proposal = gf.proposal(session, sec)
    written = recorded.record_ballot(
        session, sec, proposal.id, member_id=offline.id, choice="for", method="phone", now=NOW
    )
    assert _ballots(session, proposal.id) == []
    with pytest.raises(Forbidden):  # not by the officer who recorded it
        recorded.countersign(session, sec, written.id, key=KEY, base_url="http://x", now=NOW)
    with pytest.raises(NotFound):  # a member who is no officer cannot
        recorded.countersign(
            session, gf.user_of(session, online), written.id, key=KEY, base_url="http://x", now=NOW
        )
    receipt = recorded.countersign(
        session, chair, written.id, key=KEY, base_url="http://x", now=NOW
    )
    [ballot] = _ballots(session, proposal.id)
    assert (ballot.member_id, ballot.cast_by, ballot.countersigned_by_id) == (
        offline.id,
        "recorded",
        chair.id,
    )
    mail = session.scalar(
        select(OutboxMessage).where(OutboxMessage.to_address == "olive@example.org")
    )
    assert mail is not None and str(receipt.receipt) in mail.body
    assert not re.search(r"\b(for|against|abstain)\b", mail.body, re.I)  # never the choice
    with pytest.raises(Conflict):
        recorded.countersign(session, chair, written.id, key=KEY, base_url="http://x", now=NOW)
    assert ballot_log.verify(session, proposal.id, key=KEY).ok


def test_a_member_can_change_a_recorded_ballot_while_voting_is_open(session):
    sec = gf.secretary(session)
    chair = gf.officer(session)
    m = gf.member(session)
    proposal = gf.proposal(session, sec)
    written = recorded.record_ballot(
        session, sec, proposal.id, member_id=m.id, choice="for", method="paper", now=NOW
    )
    recorded.countersign(session, chair, written.id, key=KEY, base_url="http://x", now=NOW)
    ballots.cast_ballot(
        session, gf.user_of(session, m), proposal.id, choice="against", key=KEY, now=NOW
    )
    [ballot] = _ballots(session, proposal.id)
    assert (ballot.choice, ballot.cast_by) == ("against", "own")


def test_only_the_secretary_records_ballots(session, coop):
    _sec, chair, members, proposal = coop
    with pytest.raises(NotFound):
        recorded.record_ballot(
            session,
            chair,
            proposal.id,
            member_id=members[0].id,
            choice="for",
            method="phone",
            now=NOW,
        )


# Results -------------------------------------------------------------------------------------------


def test_the_result_shows_the_tally_exactly(session):
    sec = gf.secretary(session)
    votes = {"worker": ["for"] * 3 + ["against"] * 3, "investor": ["for"] * 3 + ["against"]}
    voters = [(gf.member(session, member_class=c), ch) for c, chs in votes.items() for ch in chs]
    proposal = gf.proposal(session, sec, secret=False)
    for m, choice in voters:
        ballots.cast_ballot(
            session, gf.user_of(session, m), proposal.id, choice=choice, key=KEY, now=NOW
        )
    proposals.close_due(session, proposal.closes_at)
    view = results.result_view(session, sec, proposal.id, key=KEY, now=proposal.closes_at)
    # nO = 6, nI = 4 > 1/10 of 10: w = (1/10 * 6) / (9/10 * 4) = 1/6; T = 6 + 4/6 = 20/3;
    # F = 3 + 3/6 = 7/2; F/T = 21/40.
    assert (view["investor_weight"], view["weighted_total"], view["for_share"]) == (
        "1/6",
        "20/3",
        "21/40",
    )
    assert view["for_share_percent"] == "52.50" and view["outcome"] == "passed"
    assert view["counts"]["worker"] == {"for": 3, "against": 3, "abstain": 0}
    assert view["turnout"] == "1" and view["verified"] is True


def test_no_result_before_the_close(session, coop):
    sec, _chair, _members, proposal = coop
    with pytest.raises(NotFound):
        results.result_view(session, sec, proposal.id, key=KEY, now=NOW)


def test_closing_leaves_the_proposal_closed_in_the_database(session, coop):
    _sec, _chair, _members, proposal = coop
    proposals.close_due(session, proposal.closes_at)
    assert session.scalar(select(Proposal.status).where(Proposal.id == proposal.id)) == "closed"
    assert session.scalar(select(func.count()).select_from(LogEntry)) >= 0
