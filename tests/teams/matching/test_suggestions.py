"""Suggestions read from the database: hard filters on real checks and profiles, the quiet time
after a no, and 200 workers against 50 openings ranked with reasons in a few queries."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from sqlalchemy import event, select

from coop.errors import NotFound
from coop.models import Notification
from teams.matching import consent, scoring, suggestions, vetting
from teams.matching.models import Check, WorkerProfile
from teams.services.standing import standing
from tests import factories
from tests.conftest import NOW
from tests.teams.matching import people

TODAY = NOW.date()


@pytest.fixture
def places(session):
    return people.places(session)


def _ids(found):
    return [s.worker.user_id for s in found]


def test_a_worker_with_a_lapsed_or_missing_check_is_never_suggested_for_the_tasks_that_need_it(
    session, places
):
    team, leader, opening = people.team_with_opening(
        session, places, tasks=["personal_care", "companionship"]
    )
    s = standing(session, leader, team, NOW)
    complete = people.worker(session, places, name="Complete")
    lapsed = people.worker(session, places, name="Lapsed", vetted=False)
    people.check_all(
        session, places.facilitator, lapsed, kinds=tuple(k for k in people.ALL_CHECKS if k != "dbs")
    )
    vetting.record_check(
        session,
        places.facilitator,
        lapsed.id,
        kind="dbs",
        outcome="passed",
        number="D1",
        checked_on=TODAY - timedelta(days=400),
        expires_on=TODAY - timedelta(days=1),
        now=NOW,
    )
    missing = people.worker(session, places, name="Missing", vetted=False)
    people.check_all(
        session, places.facilitator, missing, kinds=("identity", "reference", "reference", "dbs")
    )
    failed = people.worker(session, places, name="Failed", vetted=False)
    people.check_all(
        session,
        places.facilitator,
        failed,
        kinds=tuple(k for k in people.ALL_CHECKS if k != "care_certificate"),
    )
    vetting.record_check(
        session,
        places.facilitator,
        failed.id,
        kind="care_certificate",
        outcome="failed",
        number="C1",
        checked_on=TODAY,
        expires_on=None,
        now=NOW,
    )

    found = _ids(suggestions.for_opening(session, s, opening.id, now=NOW))
    assert complete.id in found
    assert not {lapsed.id, missing.id, failed.id} & set(found)
    # The same people, for companionship only: identity, references and DBS are enough.
    _, other_leader, light = people.team_with_opening(session, places, leader_name="Joyce Bell")
    light_found = _ids(
        suggestions.for_opening(
            session, standing(session, other_leader, light.team, NOW), light.id, now=NOW
        )
    )
    assert {complete.id, missing.id, failed.id} <= set(light_found) and lapsed.id not in light_found
    # From the worker's side, the opening whose tasks need a missing check is not offered,
    offered = [x.opening.opening_id for x in suggestions.for_worker(session, missing, now=NOW)]
    assert light.id in offered and opening.id not in offered
    # and with DBS lapsed (which companionship needs too, by default) no opening is shown at all.
    with pytest.raises(NotFound):
        suggestions.for_worker(session, lapsed, now=NOW)


def test_a_paused_worker_and_one_not_open_to_new_teams_are_not_suggested(session, places):
    team, leader, opening = people.team_with_opening(session, places)
    paused = people.worker(session, places, name="Paused")
    closed = people.worker(session, places, name="Closed", open_to_new_teams=False)
    vetting.pause_worker(
        session, places.facilitator, paused.id, note="Looking into a query", now=NOW
    )
    found = _ids(
        suggestions.for_opening(session, standing(session, leader, team, NOW), opening.id, now=NOW)
    )
    assert paused.id not in found and closed.id not in found
    vetting.unpause_worker(session, places.facilitator, paused.id, now=NOW)
    assert paused.id in _ids(
        suggestions.for_opening(session, standing(session, leader, team, NOW), opening.id, now=NOW)
    )


def test_people_in_touch_or_in_the_team_are_not_suggested_again(session, places):
    team, leader, opening = people.team_with_opening(session, places)
    worker = people.worker(session, places)
    consent.express_interest(session, worker, opening_id=opening.id, now=NOW)
    s = standing(session, leader, team, NOW)
    assert worker.id not in _ids(suggestions.for_opening(session, s, opening.id, now=NOW))
    assert leader.id not in _ids(suggestions.for_opening(session, s, opening.id, now=NOW))


def test_the_timed_job_warns_before_a_check_expires_and_says_once_when_it_lapses(session, places):
    worker = people.worker(session, places, vetted=False)
    people.check_all(
        session, places.facilitator, worker, kinds=("identity", "reference", "reference")
    )
    vetting.record_check(
        session,
        places.facilitator,
        worker.id,
        kind="dbs",
        outcome="passed",
        number="D1",
        checked_on=TODAY - timedelta(days=300),
        expires_on=TODAY + timedelta(days=10),
        now=NOW,
    )
    assert vetting.watch_expiry(session, NOW) == 1
    assert vetting.watch_expiry(session, NOW + timedelta(hours=1)) == 0  # once, not every minute
    later = NOW + timedelta(days=11)
    assert vetting.watch_expiry(session, later) == 1
    assert vetting.watch_expiry(session, later) == 0
    subjects = list(
        session.scalars(select(Notification.subject).where(Notification.user_id == worker.id))
    )
    assert subjects == ["A check is due for renewal", "A check has lapsed"]
    told = session.scalars(
        select(Notification.subject).where(Notification.user_id == places.facilitator.id)
    )
    assert any("lapsed" in s for s in told)
    # Renewed: the old row is not warned about again.
    vetting.record_check(
        session,
        places.facilitator,
        worker.id,
        kind="dbs",
        outcome="passed",
        number="D2",
        checked_on=later.date(),
        expires_on=later.date() + timedelta(days=1000),
        now=later,
    )
    assert vetting.watch_expiry(session, later + timedelta(days=1)) == 0


LANGUAGES = ("urdu", "polish", "punjabi", "welsh", "bsl", "english")
INTERESTS = ("gardening", "football", "knitting", "music", "cooking", "walking")


def _seed(session, places, rng: random.Random, workers: int, openings_count: int):
    names = list(places.places)
    skill_ids = [s.id for s in places.skills.values()]
    people_made = []
    for n in range(workers):
        windows = sorted(
            {(rng.randrange(7), rng.choice((8, 9, 13, 17)) * 60) for _ in range(rng.randint(1, 4))}
        )
        person = factories.user(session, display_name=f"Worker {n}")
        session.add(
            WorkerProfile(
                user_id=person.id,
                about="",
                employment=rng.choice(("independent", "employed")),
                rate_pence=rng.randrange(1200, 2200, 50),
                neighbourhood_id=places.places[rng.choice(names)].id,
                travel_miles=rng.randint(1, 15),
                skills=rng.sample(skill_ids, rng.randint(0, 2)),
                languages=rng.sample(LANGUAGES, rng.randint(1, 2)),
                interests=rng.sample(INTERESTS, rng.randint(0, 2)),
                windows=[[d, s, s + 180] for d, s in windows],
                open_to_new_teams=rng.random() > 0.1,
                updated_at=NOW,
            )
        )
        for kind in rng.sample(people.ALL_CHECKS, rng.randint(3, len(people.ALL_CHECKS))):
            session.add(
                Check(
                    worker_id=person.id,
                    kind=kind,
                    outcome="passed",
                    number="",
                    checked_on=TODAY,
                    expires_on=None,
                    recorded_at=NOW,
                    recorded_by_id=places.facilitator.id,
                )
            )
        people_made.append(person)
    made = []
    for n in range(openings_count):
        team, leader, opening = people.team_with_opening(
            session,
            places,
            leader_name=f"Leader {n}",
            tasks=rng.sample(
                ("personal_care", "companionship", "household", "medicines"), rng.randint(1, 2)
            ),
            windows=[[rng.randrange(7), 9 * 60, 12 * 60], [rng.randrange(7), 13 * 60, 16 * 60]],
            neighbourhood_id=places.places[rng.choice(names)].id,
            preferred_languages=rng.sample(LANGUAGES, 1),
            preferred_skills=rng.sample(skill_ids, 1),
            interests=rng.sample(INTERESTS, 1),
            max_rate_pence=rng.choice((None, 1600, 2000)),
        )
        made.append((team, leader, opening))
    session.flush()
    return people_made, made


def test_200_workers_and_50_openings_come_back_ranked_with_reasons_in_a_few_queries(
    session, places, db
):
    rng = random.Random(20261125)
    _, made = _seed(session, places, rng, workers=200, openings_count=50)
    statements: list[str] = []

    def count(*_args):
        statements.append("x")

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        results = [
            (
                opening,
                suggestions.for_opening(
                    session, standing(session, leader, team, NOW), opening.id, now=NOW, limit=None
                ),
            )
            for team, leader, opening in made
        ]
    finally:
        event.remove(engine, "before_cursor_execute", count)
    # A fixed handful of queries per opening, whatever the number of workers (no query per worker).
    # (14 each today; a query per worker would be 200 or more each.)
    assert len(statements) < 50 * 20
    profiles = {p.user_id: p for p in session.scalars(select(WorkerProfile))}
    needs_dbs = vetting.companionship_needs_dbs(session)
    facts = {
        f.user_id: f for f in suggestions.worker_facts(session, list(profiles.values()), TODAY)
    }
    suggested_somewhere = 0
    for opening, found in results:
        keys = [(-x.score, x.worker.current_teams, x.worker.user_id) for x in found]
        assert keys == sorted(keys)
        for x in found:
            assert x.reasons and any("away" in r for r in x.reasons)
            assert (
                scoring.exclusions(
                    facts[x.worker.user_id],
                    suggestions.opening_facts(opening),
                    companionship_needs_dbs=needs_dbs,
                )
                == []
            )
            assert (
                scoring.score(facts[x.worker.user_id], suggestions.opening_facts(opening))[0]
                == x.score
            )
        passing = {
            w
            for w, f in facts.items()
            if not scoring.exclusions(
                f, suggestions.opening_facts(opening), companionship_needs_dbs=needs_dbs
            )
        }
        assert set(_ids(found)) == passing
        suggested_somewhere += bool(found)
    assert suggested_somewhere >= 25  # the seed is believable: most openings find someone


def test_the_check_expiry_date_is_in_the_co_ops_zone(session, places):
    late_evening = NOW.replace(hour=23, minute=30)  # 23:30 UTC in November is 23:30 in London
    assert vetting.today(late_evening) == date(2026, 11, 25)
