"""The ballot log: an HMAC chain that `governance verify` recomputes, catching any change made
directly in the database; and any sequence of ballots verifies to the stored result."""

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert, select, update

from coop.errors import Conflict
from governance.models import Ballot, LogEntry, Proposal
from governance.services import ballot_log, ballots, proposals, proxies, recorded
from tests.conftest import NOW
from tests.governance import factories as gf

KEY = gf.KEY


@pytest.fixture
def voted(session):
    """An open secret vote with five ballots and one change: (proposal, members)."""
    sec = gf.secretary(session)
    members = [
        gf.member(session, member_class=c)
        for c in ("worker", "supported", "advocate", "investor", "worker")
    ]
    proposal = gf.proposal(session, sec)
    for i, (m, choice) in enumerate(
        zip(members, ("for", "against", "for", "abstain", "for"), strict=True)
    ):
        ballots.cast_ballot(
            session,
            gf.user_of(session, m),
            proposal.id,
            choice=choice,
            key=KEY,
            now=NOW + timedelta(minutes=i),
        )
    ballots.cast_ballot(
        session,
        gf.user_of(session, members[1]),
        proposal.id,
        choice="for",
        key=KEY,
        now=NOW + timedelta(hours=1),
    )
    session.commit()
    return proposal, members


def verify(session, proposal):
    session.expire_all()
    return ballot_log.verify(session, proposal.id, key=KEY)


def test_an_untouched_log_verifies(session, voted):
    proposal, _members = voted
    found = verify(session, proposal)
    assert found.ok, found.problems
    assert found.entry_count == 6
    assert found.counts["worker"]["for"] == 2 and found.counts["supported"]["for"] == 1


def test_the_wrong_key_does_not_verify(session, voted):
    proposal, _members = voted
    assert not ballot_log.verify(session, proposal.id, key="another-key").ok


def _entry(seq):
    return LogEntry.seq == seq


TAMPERING = {
    "change a ballot's choice": lambda s, p: s.execute(
        update(Ballot)
        .where(Ballot.proposal_id == p.id, Ballot.choice == "abstain")
        .values(choice="for")
    ),
    "change a ballot's class": lambda s, p: s.execute(
        update(Ballot)
        .where(Ballot.proposal_id == p.id, Ballot.member_class == "investor")
        .values(member_class="worker")
    ),
    "move a ballot to another entry": lambda s, p: s.execute(
        update(Ballot).where(Ballot.proposal_id == p.id, Ballot.log_seq == 6).values(log_seq=2)
    ),
    "change a log entry's choice": lambda s, p: s.execute(
        update(LogEntry).where(LogEntry.proposal_id == p.id, _entry(3)).values(choice="against")
    ),
    "change a log entry's class": lambda s, p: s.execute(
        update(LogEntry)
        .where(LogEntry.proposal_id == p.id, _entry(4))
        .values(member_class="supported")
    ),
    "change a log entry's time": lambda s, p: s.execute(
        update(LogEntry)
        .where(LogEntry.proposal_id == p.id, _entry(1))
        .values(at=NOW + timedelta(days=1))
    ),
    "change a log entry's replaces": lambda s, p: s.execute(
        update(LogEntry).where(LogEntry.proposal_id == p.id, _entry(6)).values(replaces_seq=None)
    ),
    "delete a ballot": lambda s, p: s.execute(
        delete(Ballot).where(Ballot.proposal_id == p.id, Ballot.log_seq == 5)
    ),
    "delete a log entry in the middle": lambda s, p: s.execute(
        delete(LogEntry).where(LogEntry.proposal_id == p.id, _entry(3))
    ),
    "delete the last log entry": lambda s, p: s.execute(
        delete(LogEntry).where(LogEntry.proposal_id == p.id, _entry(6))
    ),
    "delete the first log entry": lambda s, p: s.execute(
        delete(LogEntry).where(LogEntry.proposal_id == p.id, _entry(1))
    ),
    "insert a log entry": lambda s, p: s.execute(
        insert(LogEntry).values(
            proposal_id=p.id,
            seq=7,
            replaces_seq=None,
            receipt="0" * 64,
            member_class="worker",
            choice="for",
            cast_by="own",
            at=NOW,
            hash="f" * 64,
        )
    ),
    "insert a ballot": lambda s, p: _insert_ballot(s, p),
}


def _insert_ballot(session, proposal):
    extra = gf.member(session)
    session.execute(
        insert(Ballot).values(
            proposal_id=proposal.id,
            member_id=extra.id,
            member_class="worker",
            choice="for",
            cast_by="own",
            log_seq=5,
        )
    )


@pytest.mark.parametrize("how", sorted(TAMPERING))
def test_tampering_directly_in_the_database_is_caught(session, voted, how):
    proposal, _members = voted
    TAMPERING[how](session, proposal)
    session.commit()
    found = verify(session, proposal)
    assert not found.ok, f"{how} was not caught"


@pytest.mark.parametrize("how", sorted(TAMPERING))
def test_tampering_after_the_close_is_caught(session, voted, how):
    proposal, _members = voted
    proposals.close_due(session, proposal.closes_at)
    session.commit()
    assert verify(session, proposal).ok
    TAMPERING[how](session, proposal)
    session.commit()
    assert not verify(session, proposal).ok, f"{how} was not caught"


def test_after_the_close_deleting_the_last_entries_and_their_ballots_is_caught(session, voted):
    proposal, _members = voted
    proposals.close_due(session, proposal.closes_at)
    session.commit()
    # Remove the last two ballots whole: entries 5 and 6 and the ballots naming them. The chain
    # that is left is still a good chain; only the stored head hash and count show the loss.
    session.execute(
        delete(Ballot).where(Ballot.proposal_id == proposal.id, Ballot.log_seq.in_([5, 6]))
    )
    session.execute(
        delete(LogEntry).where(LogEntry.proposal_id == proposal.id, LogEntry.seq.in_([5, 6]))
    )
    session.execute(
        update(Ballot)
        .where(Ballot.proposal_id == proposal.id, Ballot.member_id == _members[1].id)
        .values(log_seq=2, choice="against")
    )
    session.commit()
    found = verify(session, proposal)
    assert any("stored" in p for p in found.problems), found.problems


def test_verify_command_says_verified_or_names_the_problem(app, session, voted):
    proposal, _members = voted
    runner = app.test_cli_runner()
    good = runner.invoke(args=["governance", "verify", str(proposal.id)])
    assert good.exit_code == 0, good.output
    assert "verified" in good.output
    session.execute(
        update(LogEntry).where(LogEntry.proposal_id == proposal.id, _entry(2)).values(choice="for")
    )
    session.commit()
    bad = runner.invoke(args=["governance", "verify", str(proposal.id)])
    assert bad.exit_code == 1
    assert "entry 2 does not match its hash" in bad.output
    missing = runner.invoke(args=["governance", "verify", "999999"])
    assert missing.exit_code == 1


def test_members_see_only_seq_receipt_and_hash_of_a_secret_log(session, voted):
    from governance.services import results

    proposal, members = voted
    view = results.log_view(session, gf.user_of(session, members[0]), proposal.id, now=NOW)
    assert not view["full"]
    assert all(set(row) == {"seq", "receipt", "hash"} for row in view["entries"])


def test_a_receipt_proves_inclusion_without_the_choice(session, voted):
    proposal, members = voted
    receipt = ballots.my_receipt(
        session, gf.user_of(session, members[1]), proposal.id, key=KEY, now=NOW
    )
    assert receipt is not None and receipt.seq == 6
    entry = session.scalar(
        select(LogEntry).where(LogEntry.proposal_id == proposal.id, LogEntry.seq == 6)
    )
    assert (entry.receipt, entry.hash) == (receipt.receipt, receipt.hash)
    assert not {"choice", "member_class"} & set(vars(receipt))


# Any sequence of ballots ---------------------------------------------------------------------------

CLASSES = ("worker", "worker", "supported", "advocate", "investor", "investor", "worker")
OPS = st.lists(
    st.tuples(
        st.sampled_from(("own", "proxy", "recorded")),
        st.integers(min_value=0, max_value=len(CLASSES) - 1),
        st.sampled_from(("for", "against", "abstain")),
    ),
    max_size=25,
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    ops=OPS,
    kind=st.sampled_from(
        ("ordinary", "extraordinary", "special-conversion", "special-dissolution")
    ),
)
def test_any_sequence_of_ballots_verifies_to_the_stored_result(session, make_user, ops, kind):
    savepoint = session.begin_nested()
    try:
        sec = gf.secretary(session)
        chair = gf.officer(session)
        # Two proxy holders who vote too; each holds at most 4 proxies here.
        holders = [gf.user_of(session, gf.member(session)) for _ in range(2)]
        members = [gf.member(session, member_class=c) for c in CLASSES]
        proposal = gf.proposal(session, sec, kind=kind)
        expected: dict[int, tuple[str, str]] = {}
        own_voted: set[int] = set()
        for i, (how, who, choice) in enumerate(ops):
            m = members[who]
            moment = NOW + timedelta(minutes=i)
            if how == "own":
                ballots.cast_ballot(
                    session, gf.user_of(session, m), proposal.id, choice=choice, key=KEY, now=moment
                )
                own_voted.add(m.id)
            elif how == "proxy":
                holder_user = holders[who % 2]
                proxies.appoint_proxy(
                    session,
                    gf.user_of(session, m),
                    proposal.id,
                    holder_id=holder_user.id,
                    now=moment,
                )
                try:
                    ballots.cast_ballot(
                        session,
                        holder_user,
                        proposal.id,
                        choice=choice,
                        key=KEY,
                        now=moment,
                        for_member_id=m.id,
                    )
                except Conflict:
                    assert m.id in own_voted  # a proxy never overrides the member's own ballot
                    continue
            else:
                written = recorded.record_ballot(
                    session,
                    sec,
                    proposal.id,
                    member_id=m.id,
                    choice=choice,
                    method="paper",
                    now=moment,
                )
                recorded.countersign(
                    session, chair, written.id, key=KEY, base_url="http://x", now=moment
                )
                own_voted.add(m.id)
            expected[m.id] = (m.member_class, choice)
        proposals.close_due(session, proposal.closes_at)
        session.expire_all()
        stored = session.get_one(Proposal, proposal.id).result
        found = ballot_log.verify(session, proposal.id, key=KEY)
        assert found.ok, found.problems
        assert stored is not None
        assert found.tally == stored.tally and found.counts == stored.counts
        assert (
            found.entry_count == stored.entry_count == len(ballot_log.entries(session, proposal.id))
        )
        by_class: dict[str, dict[str, int]] = {}
        for member_class, choice in expected.values():
            row = by_class.setdefault(member_class, {"for": 0, "against": 0, "abstain": 0})
            row[choice] += 1
        assert {c: r for c, r in stored.counts.items() if sum(r.values())} == by_class
    finally:
        savepoint.rollback()
        session.expire_all()
