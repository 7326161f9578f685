"""Two matches of one worker into one team at the same moment make one membership: the worker's
row is locked before the check. Real threads on a database of their own (SQLite, and
PostgreSQL when TEST_DATABASE_URL is set), with a pause between the check and the write so the
race really happens on two cores; with the lock off on PostgreSQL, it does go wrong."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from coop import pauses
from coop.db import Database
from coop.models import User
from teams.models import Membership
from teams.services import members
from tests import factories
from tests.clock import clock_now
from tests.rota.test_booking_races import (
    AT_ONCE,
    DATABASES,
    PAUSE,
    all_at_once,
    as_request,
    scratch_database,
)

ROUNDS = 10


@pytest.fixture
def race(request: pytest.FixtureRequest, tmp_path) -> Iterator[tuple[Database, int, int]]:
    with scratch_database(request.param, tmp_path) as url:
        db = Database(url, pool_size=AT_ONCE + 2)
        with db.transaction() as session:
            setup = factories.user(session, roles=["facilitator"])
            worker = factories.user(session, display_name="Wren Worker")
            ids = (setup.id, worker.id)
        try:
            yield db, *ids
        finally:
            db.engine.dispose()


pytestmark = pytest.mark.usefixtures("app_is_current")


@pytest.fixture(autouse=True)
def _pause_between_check_and_write(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every join waits between its check and its write, so that the eight really meet."""
    monkeypatch.setattr(pauses, "pause_point", lambda _name: time.sleep(PAUSE))


def _rounds(db: Database, setup_id: int, worker_id: int, rounds: int) -> list[int]:
    """Each round a new team, and eight joins of the worker at once: how many memberships."""
    made = []
    for r in range(rounds):
        now = clock_now()
        with db.transaction() as session:
            setup = session.get_one(User, setup_id)
            team = members.create_team(
                session, setup, name=f"Team {r}", leader=factories.user(session), now=now
            )
            team_id = team.id

        def join(session, team_id=team_id, now=now):
            members.join_matched_worker(
                session,
                team_id,
                worker_id,
                employment="independent",
                invited_by_id=setup_id,
                actor=session.get_one(User, setup_id),
                now=now,
            )

        answers = all_at_once([lambda: as_request(db, join) for _ in range(AT_ONCE)])
        assert all(a == (200, "") for a in answers), answers
        with db.transaction(write=False) as session:
            made.append(
                session.scalar(
                    select(func.count())
                    .select_from(Membership)
                    .where(Membership.team_id == team_id, Membership.user_id == worker_id)
                )
            )
    return made


@pytest.mark.parametrize("race", DATABASES, indirect=True)
def test_eight_joins_at_once_make_one_membership(race, monkeypatch):
    db, setup_id, worker_id = race
    assert _rounds(db, setup_id, worker_id, ROUNDS) == [1] * ROUNDS
    if db.dialect != "postgresql":
        return  # on SQLite, BEGIN IMMEDIATE is the guard, and it held above
    # Without the lock the race really does happen: some team gets the worker twice.
    monkeypatch.setattr(members, "_lock_worker", lambda *_: None)
    assert max(_rounds(db, setup_id, worker_id, 3)) > 1
