"""The rota listens to the teams' events: a trial agreed books its visit, a member leaving or a
team closing cancels the visits that would follow."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from coop import events
from rota.models import Visit
from rota.services.booking import DoubleBooking
from tests.conftest import NOW
from tests.rota.test_visits import MORNING, RotaWorld, build, plan


@pytest.fixture
def world(session) -> RotaWorld:
    return build(session)


def test_a_trial_agreed_books_an_accepted_trial_visit_for_the_worker(app, session, world):
    worker = world.people["worker_elsewhere"]  # not yet in the team: that is what the trial is for
    start = MORNING + timedelta(days=2)
    events.trial_agreed.send(
        object(),
        session=session,
        actor=world.people["leader"],
        now=NOW,
        team_id=world.team.id,
        worker_id=worker.id,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
    )
    visit = session.scalars(
        select(Visit).where(Visit.team_id == world.team.id, Visit.worker_id == worker.id)
    ).one()
    assert (visit.kind, visit.status, visit.starts_at) == ("trial", "accepted", start)


def test_a_trial_that_clashes_with_the_workers_other_visits_is_refused(app, session, world):
    busy = plan(session, world, start=MORNING, worker="worker_elsewhere", team=world.other_team)
    with pytest.raises(DoubleBooking):
        events.trial_agreed.send(
            object(),
            session=session,
            actor=None,
            now=NOW,
            team_id=world.team.id,
            worker_id=world.people["worker_elsewhere"].id,
            starts_at=busy.starts_at,
            ends_at=busy.ends_at,
        )


def test_a_member_leaving_cancels_their_visits_after_their_leaving_date(app, session, world):
    before = plan(session, world, start=MORNING)
    after = plan(session, world, start=MORNING + timedelta(days=7))
    someone_else = plan(session, world, start=MORNING + timedelta(days=8), worker="other_bookable")
    membership = world.memberships["booked_worker"]
    events.member_left.send(
        membership,
        session=session,
        actor=world.people["booked_worker"],
        now=NOW,
        effective_at=MORNING + timedelta(days=3),
    )
    assert [v.status for v in (before, after, someone_else)] == ["offered", "cancelled", "offered"]


def test_a_team_closing_cancels_every_visit_to_come(app, session, world):
    visits = [plan(session, world, start=MORNING + timedelta(days=d)) for d in (1, 2)]
    events.team_closed.send(world.team, session=session, actor=world.people["leader"], now=NOW)
    assert [v.status for v in visits] == ["cancelled", "cancelled"]


def test_the_teams_history_tells_rota_changes_in_plain_words(app, session, world, make_client):
    plan(session, world, start=MORNING)
    session.commit()
    page = (
        make_client(world.people["leader"])
        .get(f"/teams/{world.team.id}/history")
        .get_data(as_text=True)
    )
    assert "planned a visit" in page
    assert "(visit.planned)" not in page
