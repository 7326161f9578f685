"""The demo co-op's matching: vetted workers with profiles and one not yet vetted, two openings
with suggestions and their reasons, one conversation at each of "interested", "mutual" and
"trial" (its visit booked in the rota), a check about to expire; loading it twice adds nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from coop import demo
from coop.models import Notification, User
from coop.passwords import check_password_rule
from rota.models import Visit
from teams.matching import suggestions, vetting
from teams.matching.demo import IMRAN_OPENING, MARGARET_OPENING, PEOPLE
from teams.matching.models import Check, EqualityAnswer, Interest, Opening, WorkerProfile
from teams.services.standing import standing
from tests.conftest import NOW, build_once, demo_parts, row_counts

pytestmark = pytest.mark.shared_world


@pytest.fixture(scope="module")
def listed(app, module_db):
    """The demo, loaded once for the module (each test runs in a savepoint of it)."""
    with app.app_context():
        return build_once(module_db, demo.seed, NOW, demo_parts())


def _user(session, username):
    return session.scalar(select(User).where(User.username == username))


def _opening(session, title):
    return session.scalar(select(Opening).where(Opening.title == title))


def test_each_opening_has_suggestions_with_reasons_for_its_team_and_for_workers(
    app, session, listed
):
    margaret, imran = _opening(session, MARGARET_OPENING), _opening(session, IMRAN_OPENING)
    leon, aisha = _user(session, "leon"), _user(session, "aisha")
    with app.app_context():
        for opening, leader, worker, words in (
            (margaret, "margaret", leon, "Tuesday mornings"),
            (imran, "imran", aisha, "speaks Urdu"),
        ):
            s = standing(session, _user(session, leader), opening.team, NOW)
            found = suggestions.for_opening(session, s, opening.id, now=NOW)
            assert found, opening.title
            assert all(f.reasons for f in found)
            best = found[0]
            assert best.worker.user_id == worker.id
            assert any(words in reason for reason in best.reasons), best.reasons
            # Those already in touch, and the team's own members, are not suggested again.
            in_touch = set(
                session.scalars(select(Interest.worker_id).where(Interest.opening_id == opening.id))
            )
            assert not in_touch & {f.worker.user_id for f in found}
            # And the worker is suggested the opening back.
            back = suggestions.for_worker(session, worker, now=NOW)
            assert opening.id in {f.opening.opening_id for f in back}


def test_one_conversation_waits_at_each_of_interested_mutual_and_trial(app, session, listed):
    states = dict(
        session.execute(
            select(User.username, Interest.state).join(User, User.id == Interest.worker_id)
        ).all()
    )
    assert states == {"kasia": "interested", "nasreen": "mutual", "gareth": "trial"}
    kasia = session.scalar(
        select(Interest).join(User, User.id == Interest.worker_id).where(User.username == "kasia")
    )
    assert kasia.started_by == "worker" and kasia.opening.title == MARGARET_OPENING


def test_the_trial_visit_is_in_the_rota_a_few_days_ahead_and_clashes_with_nothing(
    app, session, listed
):
    gareth = _user(session, "gareth")
    interest = session.scalar(select(Interest).where(Interest.worker_id == gareth.id))
    trial = interest.trial
    assert trial is not None and trial.status == "agreed"
    assert NOW + timedelta(days=2) < trial.starts_at < NOW + timedelta(days=10)
    visits = list(session.scalars(select(Visit).where(Visit.worker_id == gareth.id)))
    assert len(visits) == 1
    visit = visits[0]
    assert visit.kind == "trial" and visit.status == "accepted"
    assert (visit.starts_at, visit.ends_at) == (trial.starts_at, trial.ends_at)
    assert visit.team_id == interest.opening.team_id


def test_aisha_is_vetted_with_a_check_expiring_soon_and_chloe_is_not_yet_vetted(
    app, session, listed
):
    aisha, chloe = _user(session, "aisha"), _user(session, "chloe")
    with app.app_context():
        assert vetting.is_vetted(session, aisha, NOW)
        assert not vetting.is_vetted(session, chloe, NOW)
        for username in ("nasreen", "kasia", "gareth", "leon"):
            assert vetting.is_vetted(session, _user(session, username), NOW), username
    today = vetting.today(NOW)
    soon = [
        c
        for c in vetting.checks_of(session, aisha.id)
        if c.expires_on and today <= c.expires_on <= today + timedelta(days=30)
    ]
    assert [c.kind for c in soon] == ["insurance"]
    assert (
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(
                Notification.user_id == aisha.id,
                Notification.subject == "A check is due for renewal",
            )
        )
        == 1
    )
    assert (
        session.scalar(select(func.count()).select_from(Check).where(Check.worker_id == chloe.id))
        == 1
    )


def test_profiles_equality_answers_and_sign_ins(app, session, listed):
    usernames = {a.username for a in listed}
    assert {a.username for a in PEOPLE} <= usernames
    assert session.scalar(select(func.count()).select_from(WorkerProfile)) == 6
    assert session.scalar(select(func.count(func.distinct(EqualityAnswer.user_id)))) >= 8
    for account in PEOPLE:
        verdict = check_password_rule(
            account.password, user_inputs=(account.username, account.email, account.display_name)
        )
        assert verdict.ok, (account.username, verdict.problems)


def test_loading_the_demo_twice_changes_nothing(app, session, listed):
    counts = row_counts(session)
    with app.app_context():
        again = demo.seed(session, NOW, demo_parts())
        session.flush()
    assert row_counts(session) == counts
    assert [a.username for a in again] == [a.username for a in listed]
