"""The demo co-op's democracy: a register in four classes, officers, an open and a closed
proposal whose result verifies, last annual meeting with its minutes; loading it twice adds
nothing."""

from sqlalchemy import func, select

from coop import demo
from coop.passwords import check_password_rule
from governance.demo import PEOPLE
from governance.models import Meeting, Member, Officer, Proposal
from governance.services import ballot_log, meetings
from tests.conftest import NOW, demo_parts, row_counts


def test_the_demo_co_op_votes_and_loads_once(app, session):
    with app.app_context():
        listed = demo.seed(session, NOW, demo_parts())
        session.flush()
        counts = row_counts(session)
        demo.seed(session, NOW, demo_parts())
        assert row_counts(session) == counts
    members = list(session.scalars(select(Member)))
    assert len(members) >= 20
    assert {m.member_class for m in members} == {"supported", "advocate", "worker", "investor"}
    sam = next(a for a in listed if a.username == "sam")
    assert session.scalar(select(func.count()).select_from(Officer)) == 3
    statuses = dict(session.execute(select(Proposal.title, Proposal.status)).all())
    assert sorted(statuses.values()) == ["closed", "open"]
    closed = session.scalar(select(Proposal).where(Proposal.status == "closed"))
    assert closed.result is not None and closed.result.outcome == "passed"
    assert ballot_log.verify(session, closed.id, key=app.config["CARECOOP_BALLOT_HMAC_KEY"]).ok
    assert sam.role == "secretary"
    meeting = session.scalar(select(Meeting))
    assert meeting.kind == "annual" and len(meeting.agenda) == 3
    assert meeting.minutes_published_at is not None
    assert meetings.quorum_of(session, meeting).present == 11
    assert session.scalar(select(func.count()).select_from(Meeting)) == 1
    for username, _name, _cls, password in PEOPLE:
        assert check_password_rule(password, user_inputs=(username,)).ok, username
