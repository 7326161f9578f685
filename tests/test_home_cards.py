"""The home page offers each person what is theirs to do: someone who leads their own team is
not offered timesheets or work in other teams; a worker is."""

from __future__ import annotations

from teams.services import members
from tests import factories
from tests.conftest import NOW, elements
from tests.teams.matching import people

WORKER_CARDS = {"My visits", "My timesheets and invoices", "Find a team to work with"}


def _cards(client) -> set[str]:
    return {a.text for a in elements(client.get("/"), "a") if a.text in WORKER_CARDS}


def test_a_leader_is_not_offered_work_and_a_worker_is(session, make_client):
    places = people.places(session)
    leader = factories.user(session, display_name="Margaret Hughes")
    members.create_team(session, places.facilitator, name="Margaret's team", leader=leader, now=NOW)
    worker = people.worker(session, places)
    newcomer = factories.user(session)
    session.commit()
    assert _cards(make_client(leader)) == set()
    assert _cards(make_client(worker)) == WORKER_CARDS
    # Someone new, with no team yet, may be looking for work.
    assert _cards(make_client(newcomer)) == {"Find a team to work with"}


def test_a_leader_who_also_works_keeps_the_worker_cards(session, make_client):
    places = people.places(session)
    working_leader = people.worker(session, places, name="Rosa Diaz")
    members.create_team(
        session, places.facilitator, name="Rosa's team", leader=working_leader, now=NOW
    )
    session.commit()
    assert _cards(make_client(working_leader)) == WORKER_CARDS
