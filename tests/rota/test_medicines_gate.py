"""Visits with medicines go only to someone recorded as trained to help with medicines (DOMAIN.md,
"Safe care"), whichever way they would be booked: planned, changed, accepted, joined, swapped,
repeated, suggested as cover, through the pages or the API. `rota.services.bookable` is the one
answer; once a facilitator records the training, the same requests succeed."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from coop.errors import Invalid
from rota.services import bookable, cover, patterns, swaps, visits
from teams.matching import vetting
from tests import factories
from tests.conftest import NOW, element, field_errors, post_form, problem
from tests.rota.test_visits import MORNING, RotaWorld, build

UNTRAINED = "is not recorded as trained to help with medicines"
YOU_UNTRAINED = "you are not recorded as trained to help with medicines"


@pytest.fixture
def world(session) -> RotaWorld:
    made = build(session)
    session.commit()
    return made


def trained(session, world: RotaWorld, who: str, *, expires_on: date | None = None) -> None:
    """A facilitator records a passed medicines-competence check for `who`."""
    vetting.record_check(
        session,
        world.people["facilitator"],
        world.people[who].id,
        kind="medicines_competence",
        outcome="passed",
        number="MED-1",
        checked_on=date(2026, 10, 1),
        expires_on=expires_on,
        now=NOW,
    )
    session.commit()


def _plan(session, world, *, worker="booked_worker", medicines=True, by="rota_holder"):
    return visits.plan_visit(
        session,
        world.s(session, by),
        starts_at=MORNING,
        ends_at=MORNING + timedelta(hours=1),
        worker_id=world.people[worker].id if worker else None,
        includes_medicines=medicines,
        now=NOW,
    ).visit


def test_planning_a_visit_with_medicines_needs_a_trained_worker(session, world):
    with pytest.raises(Invalid) as refused:
        _plan(session, world)
    assert UNTRAINED in str(refused.value) and "Booked Worker" in str(refused.value)
    assert refused.value.errors == {"worker_id": [str(refused.value)]}
    _plan(session, world, medicines=False)  # without medicines, anyone bookable
    session.rollback()
    trained(session, world, "booked_worker")
    assert _plan(session, world).worker_id == world.people["booked_worker"].id


def test_training_that_has_expired_does_not_count(session, world):
    trained(session, world, "booked_worker", expires_on=NOW.date() - timedelta(days=1))
    assert not bookable.is_medicines_competent(session, world.people["booked_worker"], NOW)
    with pytest.raises(Invalid, match=UNTRAINED):
        _plan(session, world)


def test_medicines_added_to_a_booked_visit_or_a_new_worker_are_checked(session, world):
    visit = _plan(session, world, medicines=False)
    lead = world.s(session, "rota_holder")
    with pytest.raises(Invalid, match=UNTRAINED):
        visits.change_visit(session, lead, visit, includes_medicines=True, now=NOW)
    trained(session, world, "booked_worker")
    visits.change_visit(session, lead, visit, includes_medicines=True, now=NOW)
    with pytest.raises(Invalid, match="Other Bookable " + UNTRAINED):
        visits.change_visit(
            session, lead, visit, worker_id=world.people["other_bookable"].id, now=NOW
        )


def test_an_untrained_worker_can_neither_accept_nor_join_a_visit_with_medicines(session, world):
    trained(session, world, "booked_worker")
    offered = _plan(session, world)
    # Their training is found to be wrong and taken off the record: the offer still stands,
    # but saying yes is refused, in words for them.
    session.execute(vetting.Check.__table__.delete())
    session.commit()
    mine = world.s(session, "booked_worker")
    with pytest.raises(Invalid, match=YOU_UNTRAINED):
        visits.answer_visit(session, mine, offered, yes=True, now=NOW)
    visits.answer_visit(session, mine, offered, yes=False, now=NOW)  # saying no is always fine
    open_visit = _plan(session, world, worker=None)
    with pytest.raises(Invalid, match=YOU_UNTRAINED):
        visits.join_visit(session, world.s(session, "other_bookable"), open_visit, now=NOW)
    trained(session, world, "other_bookable")
    visits.join_visit(session, world.s(session, "other_bookable"), open_visit, now=NOW)


def test_a_swap_and_cover_for_a_visit_with_medicines_go_only_to_the_trained(session, world):
    trained(session, world, "booked_worker")
    visit = _plan(session, world)
    visits.answer_visit(session, world.s(session, "booked_worker"), visit, yes=True, now=NOW)
    with pytest.raises(Invalid) as refused:
        swaps.ask_swap(
            session,
            world.s(session, "booked_worker"),
            visit,
            to_user_id=world.people["other_bookable"].id,
            now=NOW,
        )
    assert list(refused.value.errors) == ["to_user_id"] and UNTRAINED in str(refused.value)
    open_visit = _plan(session, world, worker=None)
    lead = world.s(session, "rota_holder")
    names = {c.person.id for c in cover.suggest_cover(session, lead, open_visit, now=NOW)}
    assert world.people["other_bookable"].id not in names
    trained(session, world, "other_bookable")
    names = {c.person.id for c in cover.suggest_cover(session, lead, open_visit, now=NOW)}
    assert world.people["other_bookable"].id in names
    swaps.ask_swap(
        session,
        world.s(session, "booked_worker"),
        visit,
        to_user_id=world.people["other_bookable"].id,
        now=NOW,
    )


def test_repeating_visits_with_medicines_need_a_trained_worker(session, world):
    def repeat():
        return patterns.create_pattern(
            session,
            world.s(session, "rota_holder"),
            frequency="weekly",
            weekdays=[MORNING.weekday()],
            local_start=time(9, 0),
            minutes=60,
            starts_on=MORNING.date(),
            worker_id=world.people["booked_worker"].id,
            includes_medicines=True,
            now=NOW,
        )

    with pytest.raises(Invalid, match=UNTRAINED):
        repeat()
    trained(session, world, "booked_worker")
    pattern, _notes = repeat()
    assert pattern.worker_id == world.people["booked_worker"].id


def test_the_page_and_the_api_refuse_with_the_same_words(session, client, make_client, world):
    page = post_form(
        make_client(world.people["rota_holder"]),
        f"/rota/teams/{world.team.id}/visits/new",
        {
            "day": "2026-11-26",
            "start": "09:00",
            "minutes": "60",
            "kind": "visit",
            "worker_id": str(world.people["booked_worker"].id),
            "includes_medicines": "y",
        },
    )
    assert page.status_code == 422
    assert UNTRAINED in field_errors(page, "worker_id")
    token = factories.api_token(session, world.people["rota_holder"])[1]
    session.commit()
    body = {
        "starts_at": MORNING.isoformat(),
        "ends_at": (MORNING + timedelta(hours=1)).isoformat(),
        "worker_id": world.people["booked_worker"].id,
        "includes_medicines": True,
    }
    headers = {"Authorization": f"Bearer {token}"}
    refused = problem(
        client.post(f"/api/v1/teams/{world.team.id}/visits", json=body, headers=headers), 422
    )
    assert UNTRAINED in refused["detail"]
    assert UNTRAINED in refused["errors"]["worker_id"][0]
    trained(session, world, "booked_worker")
    made = client.post(f"/api/v1/teams/{world.team.id}/visits", json=body, headers=headers)
    assert made.status_code == 201, made.get_json()
    assert element(page, "h1").text
