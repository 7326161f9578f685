"""Care activity that makes people eligible to join the co-op, as governance sees it through
coop's registry: two months of regular support (2 hours a week on average over 8 weeks of
confirmed visits, trials not counted) for a supported person; a confirmed visit for a worker."""

from __future__ import annotations

from datetime import timedelta

import pytest

from coop import extension
from rota.models import Visit, VisitLog
from tests.conftest import NOW
from tests.rota.test_visits import RotaWorld, build


@pytest.fixture
def world(app, session) -> RotaWorld:
    return build(session)


def _confirmed_visits(
    session, world: RotaWorld, minutes: int, *, kind: str = "visit", weeks: int = 8
) -> None:
    worker = world.people["booked_worker"]
    for week in range(1, weeks + 1):
        start = NOW - timedelta(weeks=week, hours=-1)
        visit = Visit(
            team_id=world.team.id,
            worker_id=worker.id,
            kind=kind,
            status="done",
            starts_at=start,
            ends_at=start + timedelta(minutes=minutes),
            notes="",
            sequence=0,
            created_at=start,
            created_by_id=worker.id,
            updated_at=start,
        )
        session.add(visit)
        session.flush()
        session.add(
            VisitLog(
                visit_id=visit.id,
                author_id=worker.id,
                what_was_done="Visit",
                status="confirmed",
                written_at=start,
            )
        )
    session.flush()


def _eligible(session) -> set[tuple[int, str]]:
    return {
        (a.user_id, a.member_class)
        for a in extension.current().registry.care_activity(session, NOW)
    }


def test_two_hours_a_week_of_confirmed_visits_for_eight_weeks_makes_the_leader_eligible(
    session, world
):
    _confirmed_visits(session, world, minutes=120)
    eligible = _eligible(session)
    assert (world.people["leader"].id, "supported") in eligible
    assert (world.people["booked_worker"].id, "worker") in eligible


def test_a_minute_a_week_short_is_not_enough(session, world):
    _confirmed_visits(session, world, minutes=119)  # 8 x 119 = 952 minutes, under 960
    assert (world.people["leader"].id, "supported") not in _eligible(session)


def test_trial_visits_do_not_count(session, world):
    _confirmed_visits(session, world, minutes=180, kind="trial")
    assert _eligible(session) == set()


@pytest.mark.parametrize("minutes", [119, 120])
def test_one_persons_activity_is_theirs_alone_and_the_same_as_in_the_whole_coops(
    session, world, minutes
):
    """A home page asks for the signed-in person only: the answer for each person is exactly
    their part of the whole co-op's, and holds no one else."""
    _confirmed_visits(session, world, minutes=minutes)
    everyone = _eligible(session)
    for person in world.people.values():
        own = {
            (a.user_id, a.member_class)
            for a in extension.current().registry.care_activity(session, NOW, user_id=person.id)
        }
        assert own == {e for e in everyone if e[0] == person.id}
    assert (world.people["booked_worker"].id, "worker") in everyone
