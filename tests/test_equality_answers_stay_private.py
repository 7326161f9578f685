"""No individual's equality answer ever shows anywhere (DOMAIN.md, "Equality monitor").

The demo co-op is loaded, every person's answers are replaced by marker values, and every GET
route of the app (pages, exports and the JSON API) is fetched as each kind of person, with the
ids of real records filled in. No marker may appear in any answer, in the audit log or in any
e-mail. (The markers are not among the answers the forms offer, so a page that printed a stored
answer, rather than counting it, would show one.)"""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from coop import demo
from coop.models import AccessEvent, ApiToken, AuditEvent, Invitation, OutboxMessage, User
from governance.models import Election, Meeting, Member, Officer, Proposal, RecordedBallot
from rota.models import Leave, Pause, Swap, Visit
from teams.matching.models import EqualityAnswer, Interest, Opening, Trial, WorkerProfile
from teams.matching.vocabulary import EQUALITY_QUESTIONS
from teams.models import Hat, Membership, RecordsAccess, Team
from tests.conftest import NOW, demo_parts

MARKER = "zqmark"
# Where each URL parameter's values come from: a few real ids of that kind of record.
SOURCES: dict[str, Any] = {
    "team_id": Team.id,
    "visit_id": Visit.id,
    "proposal_id": Proposal.id,
    "opening_id": Opening.id,
    "membership_id": Membership.id,
    "worker_id": WorkerProfile.user_id,
    "election_id": Election.id,
    "member_id": Member.id,
    "meeting_id": Meeting.id,
    "interest_id": Interest.id,
    "swap_id": Swap.id,
    "trial_id": Trial.id,
    "token_id": ApiToken.id,
    "recorded_id": RecordedBallot.id,
    "leave_id": Leave.id,
    "event_id": AccessEvent.id,
    "pause_id": Pause.id,
    "officer_id": Officer.id,
    "invitation_id": Invitation.id,
    "hat_id": Hat.id,
    "access_id": RecordsAccess.id,
    "user_id": User.id,
}
FIXED = {"version": ["1"], "month": ["2026-11"], "hat": ["rota_holder"], "token": ["not-a-token"]}
# One of each kind of person in the demo co-op (by username), and nobody signed in.
VIEWERS = ("margaret", "david", "aisha", "bill", "priya", "alex", "sam", None)
PER_PARAMETER = 3


def _plant_markers(session: Session) -> None:
    session.execute(delete(EqualityAnswer))
    for user_id in session.scalars(select(User.id)):
        for n, characteristic in enumerate(EQUALITY_QUESTIONS):
            session.add(
                EqualityAnswer(
                    user_id=user_id,
                    characteristic=characteristic,
                    answer=f"{MARKER}{user_id}x{n}",
                    answered_at=NOW,
                )
            )
    session.flush()


def _urls(app: Flask, session: Session) -> list[str]:
    values = {
        name: [
            str(v) for v in session.scalars(select(column).order_by(column).limit(PER_PARAMETER))
        ]
        for name, column in SOURCES.items()
    }
    values.update(FIXED)
    urls: set[str] = set()
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint == "static":
            continue
        names = sorted(rule.arguments)
        choices = [values.get(name, ["1"]) or ["1"] for name in names]
        for combination in itertools.islice(itertools.product(*choices), PER_PARAMETER * 3):
            path = rule.rule
            for name, value in zip(names, combination, strict=True):
                path = re.sub(rf"<(?:[a-z]+(?:\([^)]*\))?:)?{name}>", value, path)
            urls.add(path)
    return sorted(urls)


@pytest.fixture
def demo_with_markers(app: Flask, session: Session) -> dict[str, User]:
    with app.app_context():
        demo.seed(session, NOW, demo_parts())
    _plant_markers(session)
    session.commit()
    return {u.username: u for u in session.scalars(select(User))}


def _leaks(make_client: Any, people: dict[str, User], urls: list[str]) -> list[str]:
    """Every (viewer, url) whose answer shows a marker."""
    found = []
    for username in VIEWERS:
        client = make_client(people[username] if username else None)
        for url in urls:
            if MARKER in client.get(url).get_data(as_text=True):
                found.append(f"{username or 'nobody signed in'}: {url}")
    return found


def test_no_equality_answer_shows_on_any_route_for_anyone(
    app, make_client, demo_with_markers, session, clock
):
    urls = _urls(app, session)
    assert any(u.startswith("/matching/equality") for u in urls) and any("csv" in u for u in urls)
    assert len(urls) * len(VIEWERS) > 500
    assert _leaks(make_client, demo_with_markers, urls) == []
    for changes in session.scalars(select(AuditEvent.changes)):
        assert MARKER not in str(changes)
    for body in session.scalars(select(OutboxMessage.body)):
        assert MARKER not in body


def test_the_crawl_would_find_a_page_that_printed_an_answer(
    app, make_client, demo_with_markers, session, clock, monkeypatch
):
    """The crawl above can fail: a home page that printed people's answers is caught."""
    from coop.views import home

    real = home.render_template

    def leaky(name: str, **context: Any) -> str:
        answers = session.scalars(select(EqualityAnswer.answer).limit(3))
        return real(name, **context) + " ".join(answers)

    monkeypatch.setattr(home, "render_template", leaky)
    assert _leaks(make_client, demo_with_markers, ["/", "/inbox"]) == [
        f"{username or 'nobody signed in'}: /" for username in VIEWERS
    ]
