"""The consent state machine through the services: no match before both say "carry on"; either
side may stop at any state without a reason, and the other side is never shown one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from coop.errors import Conflict, Forbidden, NotFound
from coop.models import Notification, User
from rota import policy as rota_policy
from rota.models import Visit
from teams.matching import consent, conversations, openings, suggestions
from teams.matching.models import Interest, MatchDecision, MatchNote
from teams.models import Membership
from teams.services.standing import standing
from tests import factories
from tests.conftest import NOW
from tests.teams.matching import people

TRIAL_START = NOW + timedelta(days=3)
TRIAL_END = TRIAL_START + timedelta(hours=2)
AFTER = TRIAL_END + timedelta(minutes=1)
SECRET_NOTE = "They seemed rushed and I felt uneasy"


@pytest.fixture
def world(session):
    places = people.places(session)
    worker = people.worker(session, places)
    team, leader, opening = people.team_with_opening(session, places)
    return places, worker, team, leader, opening


def _to_trial(session, worker, leader, opening):
    interest = consent.express_interest(session, worker, opening_id=opening.id, now=NOW)
    consent.answer_interest(session, leader, interest.id, yes=True, now=NOW)
    trial = consent.propose_trial(
        session, leader, interest.id, starts_at=TRIAL_START, ends_at=TRIAL_END, now=NOW
    )
    consent.agree_trial(session, worker, trial.id, now=NOW)
    return interest, trial


def _membership(session, team, person):
    return session.scalar(
        select(Membership).where(
            Membership.team_id == team.id,
            Membership.user_id == person.id,
            Membership.status == "active",
        )
    )


def _inbox(session, person) -> list[Notification]:
    return list(
        session.scalars(
            select(Notification).where(Notification.user_id == person.id).order_by(Notification.id)
        )
    )


def test_nobody_is_matched_before_both_say_carry_on_after_the_trial(session, world):
    _, worker, team, leader, opening = world
    interest = consent.express_interest(session, worker, opening_id=opening.id, now=NOW)
    assert interest.state == "interested" and _membership(session, team, worker) is None
    consent.answer_interest(session, leader, interest.id, yes=True, now=NOW)
    assert interest.state == "mutual"
    trial = consent.propose_trial(
        session, leader, interest.id, starts_at=TRIAL_START, ends_at=TRIAL_END, now=NOW
    )
    assert interest.state == "mutual"
    consent.agree_trial(session, worker, trial.id, now=NOW)
    assert interest.state == "trial"
    visit = session.scalar(
        select(Visit).where(Visit.team_id == team.id, Visit.worker_id == worker.id)
    )
    assert (visit.kind, visit.status, visit.starts_at) == ("trial", "accepted", TRIAL_START)
    # A trial is for meeting that one person: nobody else can be asked to take it.
    assert not rota_policy.can_ask_swap(standing(session, worker, team, NOW), visit)

    with pytest.raises(Conflict):  # not before the trial is over
        consent.decide_after_trial(session, worker, trial.id, carry_on=True, now=TRIAL_START)
    consent.decide_after_trial(session, worker, trial.id, carry_on=True, now=AFTER)
    assert interest.state == "trial" and _membership(session, team, worker) is None
    with pytest.raises(Conflict):  # saying it twice does not count twice
        consent.decide_after_trial(session, worker, trial.id, carry_on=True, now=AFTER)
    assert interest.state == "trial" and _membership(session, team, worker) is None

    consent.decide_after_trial(session, leader, trial.id, carry_on=True, now=AFTER)
    assert interest.state == "member" and interest.matched_at == AFTER
    joined = _membership(session, team, worker)
    assert (joined.kind, joined.employment, joined.bookable) == ("worker", "independent", True)
    assert interest.membership_id == joined.id
    said = session.scalars(
        select(MatchDecision.decision)
        .where(MatchDecision.interest_id == interest.id)
        .order_by(MatchDecision.id)
    )
    assert list(said) == ["interested", "yes", "trial_agreed", "carry_on", "carry_on"]


def test_a_team_can_start_and_the_worker_says_yes(session, world):
    _, worker, _, leader, opening = world
    interest = consent.express_interest(
        session, leader, opening_id=opening.id, worker_id=worker.id, now=NOW
    )
    assert interest.started_by == "team"
    told = _inbox(session, worker)[-1]
    assert (
        "would like to meet you" in told.body and "Margaret" not in told.body
    )  # no name before mutual
    with pytest.raises(Conflict):  # the answer is the other side's to give
        consent.answer_interest(session, leader, interest.id, yes=True, now=NOW)
    consent.answer_interest(session, worker, interest.id, yes=True, now=NOW)
    assert interest.state == "mutual"
    # The leader hears of it by name; the worker, who just said yes, gets no message about it.
    assert f"You and {worker.display_name} both said yes" in _inbox(session, leader)[-1].body
    assert len(_inbox(session, worker)) == 1


def test_two_clicks_on_yes_do_one_thing(session, world):
    _, worker, _, leader, opening = world
    interest = consent.express_interest(session, worker, opening_id=opening.id, now=NOW)
    consent.answer_interest(session, leader, interest.id, yes=True, now=NOW)
    with pytest.raises(Conflict):
        consent.answer_interest(session, leader, interest.id, yes=True, now=NOW)
    assert (
        session.scalar(select(MatchDecision.id).where(MatchDecision.decision == "yes").offset(1))
        is None
    )


def _reach(session, stage, worker, leader, opening):
    interest = consent.express_interest(session, worker, opening_id=opening.id, now=NOW)
    if stage == "interested":
        return interest
    consent.answer_interest(session, leader, interest.id, yes=True, now=NOW)
    if stage == "mutual":
        return interest
    trial = consent.propose_trial(
        session, leader, interest.id, starts_at=TRIAL_START, ends_at=TRIAL_END, now=NOW
    )
    if stage == "trial proposed":
        return interest
    consent.agree_trial(session, worker, trial.id, now=NOW)
    if stage == "trial":
        return interest
    consent.decide_after_trial(session, worker, trial.id, carry_on=True, now=AFTER)
    return interest  # "one said carry on"


STAGES = ("interested", "mutual", "trial proposed", "trial", "one said carry on")


@pytest.mark.parametrize("stopper", ["team", "worker"])
@pytest.mark.parametrize("stage", STAGES)
def test_either_side_can_stop_at_any_state_and_the_other_is_never_shown_a_reason(
    session, world, stage, stopper
):
    _, worker, team, leader, opening = world
    interest = _reach(session, stage, worker, leader, opening)
    actor, other = (leader, worker) if stopper == "team" else (worker, leader)
    lawful = "shared_language" if stopper == "team" else None
    before = len(_inbox(session, other))
    when = AFTER if stage == "one said carry on" else NOW
    consent.stop(session, actor, interest.id, note=SECRET_NOTE, lawful_requirement=lawful, now=when)

    assert interest.state == ("declined" if stage == "interested" else "stopped")
    assert interest.ended_by == stopper and _membership(session, team, worker) is None
    told = _inbox(session, other)[before:]
    assert len(told) == 1
    assert SECRET_NOTE not in told[0].body and "language" not in told[0].body.lower()
    assert "reason" not in told[0].body.lower() or "all sorts of reasons" in told[0].body
    assert (
        session.scalar(select(MatchNote.body).where(MatchNote.interest_id == interest.id))
        == SECRET_NOTE
    )
    last = session.scalars(
        select(MatchDecision)
        .where(MatchDecision.interest_id == interest.id)
        .order_by(MatchDecision.id.desc())
    ).first()
    assert (last.side, last.decision, last.lawful_requirement) == (
        stopper,
        "no" if stage == "interested" else "stop",
        lawful,
    )
    trial_visit = session.scalar(
        select(Visit).where(Visit.worker_id == worker.id, Visit.kind == "trial")
    )
    if trial_visit is not None and stage == "trial":
        assert trial_visit.status == "cancelled"  # stopped before the trial: it is called off
    with pytest.raises(Conflict):
        consent.stop(session, actor, interest.id, now=when)


def test_only_the_side_that_said_no_can_start_again(session, world):
    _, worker, _, leader, opening = world
    interest = consent.express_interest(session, worker, opening_id=opening.id, now=NOW)
    consent.answer_interest(session, leader, interest.id, yes=False, now=NOW)
    with pytest.raises(Conflict):
        consent.express_interest(session, worker, opening_id=opening.id, now=NOW)
    again = consent.express_interest(
        session, leader, opening_id=opening.id, worker_id=worker.id, now=NOW
    )
    assert (again.id, again.state, again.started_by) == (interest.id, "interested", "team")


def test_an_introducer_suggests_a_worker_and_only_the_leaders_yes_tells_them(session, world):
    _places, worker, team, leader, opening = world
    introducer = people.introducer(session, team, leader)
    interest = consent.express_interest(
        session, introducer, opening_id=opening.id, worker_id=worker.id, now=NOW
    )
    # A suggestion to the leader: the worker hears nothing and cannot see it.
    assert interest.state == "suggested" and _inbox(session, worker) == []
    assert "Bill the neighbour suggests meeting" in _inbox(session, leader)[-1].body
    with pytest.raises(NotFound):
        consent.answer_interest(session, worker, interest.id, yes=True, now=NOW)
    with pytest.raises(Forbidden):
        consent.answer_interest(session, introducer, interest.id, yes=True, now=NOW)
    consent.answer_interest(session, leader, interest.id, yes=True, now=NOW)
    assert interest.state == "interested" and "Margaret" not in _inbox(session, worker)[-1].body
    consent.answer_interest(session, worker, interest.id, yes=True, now=NOW)
    trial = consent.propose_trial(
        session, worker, interest.id, starts_at=TRIAL_START, ends_at=TRIAL_END, now=NOW
    )
    with pytest.raises(Forbidden):
        consent.agree_trial(session, introducer, trial.id, now=NOW)
    consent.agree_trial(session, leader, trial.id, now=NOW)


def test_strangers_and_facilitators_do_not_speak_for_either_side(session, world):
    places, worker, _, _leader, opening = world
    interest = consent.express_interest(session, worker, opening_id=opening.id, now=NOW)
    for outsider in (factories.user(session), places.facilitator):
        with pytest.raises(NotFound):
            consent.answer_interest(session, outsider, interest.id, yes=True, now=NOW)
        with pytest.raises(NotFound):
            consent.stop(session, outsider, interest.id, now=NOW)


def test_a_worker_missing_a_check_the_tasks_need_cannot_say_id_like_to_meet(session, world):
    places, _, _, _leader, opening = world
    partly = people.worker(session, places, name="Tom Price", vetted=False)
    people.check_all(
        session, places.facilitator, partly, kinds=("identity", "reference", "reference", "dbs")
    )
    _, _, personal = people.team_with_opening(
        session, places, leader_name="Joyce Bell", tasks=["personal_care"]
    )
    with pytest.raises(Conflict):
        consent.express_interest(session, partly, opening_id=personal.id, now=NOW)
    with pytest.raises(Conflict):
        joyce = session.get(User, personal.team.leader_id)
        consent.express_interest(
            session, joyce, opening_id=personal.id, worker_id=partly.id, now=NOW
        )
    consent.express_interest(
        session, partly, opening_id=opening.id, now=NOW
    )  # companionship is fine


def test_after_a_no_the_team_is_not_suggested_that_worker_again_for_a_while_unless_it_asks(
    session, world
):
    places, worker, team, leader, opening = world
    interest = consent.express_interest(session, worker, opening_id=opening.id, now=NOW)
    consent.answer_interest(session, leader, interest.id, yes=False, now=NOW)
    second = people.team_with_opening(session, places, leader_name="Rosa Diaz")[2]
    s = standing(session, leader, team, NOW)
    from teams.matching import openings

    another = openings.create_opening(
        session, s, {**_values(opening), "title": "Weekend company"}, now=NOW
    )
    ids = lambda found: [x.worker.user_id for x in found]  # noqa: E731
    assert worker.id not in ids(suggestions.for_opening(session, s, another.id, now=NOW))
    assert worker.id in ids(
        suggestions.for_opening(session, s, another.id, now=NOW, include_declined=True)
    )
    later = NOW + timedelta(days=91)
    assert worker.id in ids(
        suggestions.for_opening(
            session, standing(session, leader, team, later), another.id, now=later
        )
    )
    rosa = session.get(User, second.team.leader_id)
    assert worker.id in ids(
        suggestions.for_opening(
            session, standing(session, rosa, second.team, NOW), second.id, now=NOW
        )
    )


def _values(opening):
    return {
        f: getattr(opening, f)
        for f in ("support", "tasks", "windows", "neighbourhood_id", "max_rate_pence")
    }


def test_starting_again_after_a_stop_keeps_the_earlier_trial_on_record(session, world):
    _, worker, _, leader, opening = world
    interest, first = _to_trial(session, worker, leader, opening)
    consent.stop(session, leader, interest.id, now=NOW)
    again = consent.express_interest(
        session, leader, opening_id=opening.id, worker_id=worker.id, now=NOW
    )
    assert (again.id, again.round, again.trial) == (interest.id, 2, None)
    assert (first.round, first.status) == (1, "ended")
    consent.answer_interest(session, worker, again.id, yes=True, now=NOW)
    later = consent.propose_trial(
        session,
        worker,
        again.id,
        starts_at=TRIAL_START + timedelta(days=7),
        ends_at=TRIAL_END + timedelta(days=7),
        now=NOW,
    )
    assert later.id != first.id and again.trial is later and len(again.trials) == 2


def test_a_leader_saying_no_to_a_suggestion_ends_it_without_the_worker_hearing(session, world):
    _places, worker, team, leader, opening = world
    introducer = people.introducer(session, team, leader)
    interest = consent.express_interest(
        session, introducer, opening_id=opening.id, worker_id=worker.id, now=NOW
    )
    # While it waits for the leader, the worker sees nothing of it anywhere.
    assert conversations.interests_of_worker(session, worker) == []
    assert openings.opening_for_viewer(session, worker, opening.id, NOW).interest is None
    assert opening.id in [
        s.opening.opening_id for s in suggestions.for_worker(session, worker, now=NOW)
    ]
    consent.answer_interest(session, leader, interest.id, yes=False, now=NOW)
    # The no removes it, as if never made: nothing to show the worker, nothing counted, and
    # the worker may still say "I'd like to meet" themselves.
    assert _inbox(session, worker) == []
    assert session.scalar(select(Interest).where(Interest.worker_id == worker.id)) is None
    assert session.scalar(select(MatchDecision.id)) is None
    again = consent.express_interest(session, worker, opening_id=opening.id, now=NOW)
    assert (again.state, again.started_by) == ("interested", "worker")


def test_a_worker_asking_first_takes_up_a_suggestion_waiting_for_the_leader(session, world):
    _places, worker, team, leader, opening = world
    introducer = people.introducer(session, team, leader)
    suggested = consent.express_interest(
        session, introducer, opening_id=opening.id, worker_id=worker.id, now=NOW
    )
    asked = consent.express_interest(session, worker, opening_id=opening.id, now=NOW)
    assert (asked.id, asked.state, asked.started_by) == (suggested.id, "interested", "worker")


def test_an_introducer_cannot_start_again_what_the_team_ended(session, world):
    _places, worker, team, leader, opening = world
    introducer = people.introducer(session, team, leader)
    interest = consent.express_interest(session, worker, opening_id=opening.id, now=NOW)
    consent.answer_interest(session, leader, interest.id, yes=False, now=NOW)
    with pytest.raises(Conflict):
        consent.express_interest(
            session, introducer, opening_id=opening.id, worker_id=worker.id, now=NOW
        )


def test_stopping_one_trial_calls_off_that_visit_only(session, world):
    _places, worker, team, leader, opening = world
    from teams.matching import openings as opening_services

    second = opening_services.create_opening(
        session,
        standing(session, leader, team, NOW),
        {**_values(opening), "title": "Evenings"},
        now=NOW,
    )
    _first_interest, _ = _to_trial(session, worker, leader, opening)
    other = consent.express_interest(session, worker, opening_id=second.id, now=NOW)
    consent.answer_interest(session, leader, other.id, yes=True, now=NOW)
    later = consent.propose_trial(
        session,
        leader,
        other.id,
        starts_at=TRIAL_START + timedelta(days=1),
        ends_at=TRIAL_END + timedelta(days=1),
        now=NOW,
    )
    consent.agree_trial(session, worker, later.id, now=NOW)
    consent.stop(session, worker, other.id, now=NOW)
    visits = {
        v.starts_at: v.status
        for v in session.scalars(select(Visit).where(Visit.worker_id == worker.id))
    }
    assert visits == {TRIAL_START: "accepted", TRIAL_START + timedelta(days=1): "cancelled"}
    assert "will not happen" in _inbox(session, leader)[-1].body


def test_a_trial_time_from_an_earlier_round_cannot_be_agreed(session, world):
    _, worker, _, leader, opening = world
    interest = consent.express_interest(session, worker, opening_id=opening.id, now=NOW)
    consent.answer_interest(session, leader, interest.id, yes=True, now=NOW)
    old = consent.propose_trial(
        session, leader, interest.id, starts_at=TRIAL_START, ends_at=TRIAL_END, now=NOW
    )
    consent.stop(session, worker, interest.id, now=NOW)
    consent.express_interest(session, worker, opening_id=opening.id, now=NOW)
    consent.answer_interest(session, leader, interest.id, yes=True, now=NOW)
    with pytest.raises(Conflict):
        consent.agree_trial(session, worker, old.id, now=NOW)


def test_a_team_is_told_the_same_whatever_keeps_a_worker_from_being_contacted(session, world):
    places, _, _, leader, opening = world
    paused = people.worker(session, places, name="Paused")
    vetting_pause(session, places, paused)
    unvetted = people.worker(session, places, name="Unvetted", vetted=False)
    closed = people.worker(session, places, name="Closed", open_to_new_teams=False)
    details = set()
    for worker in (paused, unvetted, closed):
        with pytest.raises(Conflict) as refused:
            consent.express_interest(
                session, leader, opening_id=opening.id, worker_id=worker.id, now=NOW
            )
        details.add(refused.value.detail)
    assert details == {consent.CANNOT_CONTACT}


def vetting_pause(session, places, worker):
    from teams.matching import vetting

    vetting.pause_worker(session, places.facilitator, worker.id, note="Looking into it", now=NOW)


def test_a_trial_visit_the_rota_moved_is_still_called_off(session, world):
    _, worker, _team, leader, opening = world
    interest, _ = _to_trial(session, worker, leader, opening)
    visit = session.scalar(select(Visit).where(Visit.worker_id == worker.id))
    visit.starts_at += timedelta(hours=1)  # a planner moved it an hour later
    visit.ends_at += timedelta(hours=1)
    session.flush()
    consent.stop(session, leader, interest.id, now=NOW)
    assert visit.status == "cancelled"
