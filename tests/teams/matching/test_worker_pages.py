"""A worker's matching pages, without a browser: their profile and checks, "about you", the
teams suggested to them, an opening as they see it, and saying yes, no and stop."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from coop.models import Notification, User
from teams.matching import consent, openings, profiles, vetting
from teams.matching.models import EqualityAnswer, Interest, MatchNote, Opening, WorkerProfile
from teams.models import Team
from teams.services import members
from teams.services.standing import standing
from tests.conftest import NOW, element, elements, field_errors, post_form


@dataclass
class Setting:
    facilitator: User
    leader: User
    team: Team
    opening: Opening
    worker: User
    place_id: int
    skill_id: int


def _profile(**extra: Any) -> dict[str, Any]:
    return {
        "about": "I love a good chat.",
        "employment": "independent",
        "rate_pence": 1450,
        "travel_miles": 5,
        "skills": [],
        "languages": "English, Urdu",
        "interests": "gardening",
        "windows": [[1, 9 * 60, 12 * 60]],
        "open_to_new_teams": True,
        **extra,
    }


def _vet(session: Session, facilitator: User, worker: User) -> None:
    for kind in ("identity", "reference", "reference", "dbs"):
        vetting.record_check(
            session,
            facilitator,
            worker.id,
            kind=kind,
            outcome="passed",
            number="DBS-NUMBER-7731",
            checked_on=date(2026, 1, 5),
            expires_on=None,
            now=NOW,
        )


@pytest.fixture
def setting(session: Session, make_user: Any, clock: Any) -> Setting:
    """Priya keeps the co-op's lists; Ann leads a team in Chapeltown with an opening for
    company on Tuesday mornings, where Urdu is welcome; Wes is a worker a mile away with a
    profile but no checks yet."""
    facilitator = make_user(roles=["facilitator"], display_name="Priya Facilitator")
    leader = make_user(display_name="Ann Leader")
    worker = make_user(display_name="Wes Worker")
    place = profiles.add_neighbourhood(
        session, facilitator, name="Chapeltown", easting=430_500, northing=435_500, now=NOW
    )
    near = profiles.add_neighbourhood(
        session, facilitator, name="Harehills", easting=432_000, northing=435_500, now=NOW
    )
    skill = profiles.add_skill(session, facilitator, name="Moving and handling", now=NOW)
    team = members.create_team(session, facilitator, name="Ann's team", leader=leader, now=NOW)
    opening = openings.create_opening(
        session,
        standing(session, leader, team, NOW),
        {
            "title": "Company on Tuesday mornings",
            "support": "A chat and a walk to the park.",
            "what_matters": "Being on time.",
            "tasks": ["companionship"],
            "windows": [[1, 9 * 60, 12 * 60]],
            "neighbourhood_id": place.id,
            "preferred_languages": "urdu",
            "preferred_skills": [skill.id],
            "max_rate_pence": 1600,
        },
        now=NOW,
    )
    profiles.save_profile(session, worker, _profile(neighbourhood_id=near.id), now=NOW)
    session.commit()
    return Setting(facilitator, leader, team, opening, worker, near.id, skill.id)


def _vetted(session: Session, setting: Setting) -> None:
    _vet(session, setting.facilitator, setting.worker)
    session.commit()


def _form(setting: Setting, **changes: str) -> dict[str, Any]:
    return {
        "about": "Retired nurse, happy to help.",
        "employment": "independent",
        "rate": "14.50",
        "neighbourhood_id": str(setting.place_id),
        "travel_miles": "4",
        "skills": [str(setting.skill_id)],
        "other_skills": "Baking",
        "languages": "English, Punjabi",
        "interests": "Cricket, cooking",
        "d0_1_from": "09:00",
        "d0_1_to": "12:30",
        "d4_2_from": "18:00",
        "d4_2_to": "00:00",
        "open_to_new_teams": "y",
        **changes,
    }


# The profile -----------------------------------------------------------------------------------


def test_a_worker_saves_their_profile_and_the_rate_is_kept_in_pence(session, setting, make_client):
    client = make_client(setting.worker)
    answer = post_form(client, "/matching/profile", _form(setting))
    assert answer.status_code == 302, answer.get_data(as_text=True)
    session.expire_all()
    saved = session.get(WorkerProfile, setting.worker.id)
    assert saved is not None
    assert saved.rate_pence == 1450
    assert saved.travel_miles == 4
    assert saved.skills == [setting.skill_id]
    assert saved.languages == ["english", "punjabi"]
    # Monday 9:00 to 12:30, and Friday 18:00 until midnight.
    assert saved.windows == [[0, 540, 750], [4, 1080, 1440]]
    page = client.get("/matching/profile")
    assert element(page, "input", id="rate").attrs["value"] == "14.50"
    assert element(page, "input", id="d4_1_from").attrs["value"] == "18:00"
    assert element(page, "input", id="d4_1_to").attrs["value"] == "00:00"


def test_a_rate_that_is_not_money_is_shown_beside_the_field_and_kept(session, setting, make_client):
    client = make_client(setting.worker)
    answer = post_form(
        client, "/matching/profile", _form(setting, rate="fourteen", travel_miles="far")
    )
    assert answer.status_code == 422
    assert "pounds and pence" in field_errors(answer, "rate")
    assert "from 0 to 100 miles" in field_errors(answer, "travel_miles")
    assert element(answer, "input", id="rate").attrs["value"] == "fourteen"
    assert element(answer, "textarea", id="about").text == "Retired nurse, happy to help."
    session.expire_all()
    assert session.get(WorkerProfile, setting.worker.id).rate_pence == 1450  # unchanged


def test_a_time_without_its_end_is_shown_beside_the_box(session, setting, make_client):
    answer = post_form(make_client(setting.worker), "/matching/profile", _form(setting, d0_1_to=""))
    assert answer.status_code == 422
    assert "free until" in field_errors(answer, "d0_1_to")


def test_the_profile_page_lists_checks_by_kind_and_outcome_only(session, setting, make_client):
    _vetted(session, setting)
    page = make_client(setting.worker).get("/matching/profile")
    checks = [c.text for c in elements(page, "li") if c.text.startswith(("Identity", "Reference"))]
    assert checks == [
        "Identity: passed. It does not expire.",
        "Reference: passed. It does not expire.",
        "Reference: passed. It does not expire.",
    ]
    assert "DBS-NUMBER-7731" not in page.get_data(
        as_text=True
    )  # a check's number stays with facilitators
    assert "Still needed before you see openings" not in page.get_data(as_text=True)


# Finding teams -----------------------------------------------------------------------------------


def test_an_unvetted_worker_cannot_open_an_opening_and_is_told_why(session, setting, make_client):
    client = make_client(setting.worker)
    assert client.get(f"/matching/openings/{setting.opening.id}").status_code == 404
    page = client.get("/matching/me")
    assert page.status_code == 200
    # The worker has no checks yet: every one that all openings need is named.
    assert (
        "Still needed before you see openings: Identity, Enhanced DBS check with the adults&#39; "
        "barred list, 2 references." in page.get_data(as_text=True)
    )
    assert setting.opening.title not in page.get_data(as_text=True)


def test_someone_without_a_profile_is_invited_to_fill_it_in(
    session, setting, make_user, make_client
):
    page = make_client(make_user()).get("/matching/me").get_data(as_text=True)
    assert "Start with your worker profile" in page


def test_a_vetted_worker_sees_suggestions_with_reasons_and_can_ask_to_meet(
    session, setting, make_client
):
    _vetted(session, setting)
    client = make_client(setting.worker)
    page = client.get("/matching/me")
    card = next(c for c in elements(page, "li", class_="card") if setting.opening.title in c.text)
    assert "speaks Urdu" in card.text
    assert "free Tuesday mornings" in card.text
    assert "Ann" not in card.text
    answer = post_form(
        client, f"/matching/openings/{setting.opening.id}/interest", {}, page="/matching/me"
    )
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/matching/me"
    interest = session.scalar(select(Interest).where(Interest.worker_id == setting.worker.id))
    assert interest is not None
    assert (interest.state, interest.started_by) == ("interested", "worker")
    told = session.scalars(
        select(Notification).where(Notification.user_id == setting.leader.id)
    ).all()
    assert [n.subject for n in told] == [f"{setting.worker.display_name} would like to meet you"]
    # The conversation shows on the worker's page, and the opening is no longer suggested.
    page = client.get("/matching/me").get_data(as_text=True)
    assert "Waiting for their answer" in page
    assert "It is their turn to answer" in page


def test_an_opening_shows_the_leaders_name_only_once_both_said_yes(session, setting, make_client):
    _vetted(session, setting)
    client = make_client(setting.worker)
    path = f"/matching/openings/{setting.opening.id}"
    before = client.get(path).get_data(as_text=True)
    assert "A chat and a walk to the park." in before
    assert "Tuesday 9am to 12pm" in before
    assert "Ann" not in before
    interest = consent.express_interest(
        session, setting.worker, opening_id=setting.opening.id, now=NOW
    )
    session.commit()
    assert "Ann" not in client.get(path).get_data(as_text=True)
    consent.answer_interest(session, setting.leader, interest.id, yes=True, now=NOW)
    session.commit()
    after = client.get(path)
    assert "Ann Leader's team" in element(after, "p", class_="lead").text
    assert "Suggest a time for a trial visit" in after.get_data(as_text=True)


def test_a_worker_answers_a_team_and_suggests_a_trial_time(session, setting, make_client):
    _vetted(session, setting)
    interest = consent.express_interest(
        session,
        setting.leader,
        opening_id=setting.opening.id,
        worker_id=setting.worker.id,
        now=NOW,
    )
    session.commit()
    client = make_client(setting.worker)
    answer = post_form(
        client,
        f"/matching/interests/{interest.id}/answer",
        {"answer": "yes"},
        page="/matching/me",
    )
    assert answer.status_code == 302
    session.expire_all()
    assert session.get(Interest, interest.id).state == "mutual"
    trial_page = f"/matching/interests/{interest.id}/trial"
    answer = post_form(
        client,
        trial_page,
        {"on": "2026-12-01", "starts_at": "10:00", "ends_at": "09:00"},
    )
    assert answer.status_code == 422
    assert "end after it starts" in field_errors(answer, "ends_at")
    answer = post_form(
        client,
        trial_page,
        {
            "on": "2026-12-01",
            "starts_at": "10:00",
            "ends_at": "12:00",
            "next": "https://evil.example",
        },
    )
    assert answer.headers["Location"] == "/matching/me"
    session.expire_all()
    trial = session.get(Interest, interest.id).trial
    assert trial is not None and trial.proposed_by == "worker"
    assert trial.starts_at == NOW.replace(day=1, month=12, hour=10)  # GMT in December


def test_saying_no_goes_through_a_page_that_keeps_the_note_for_the_co_op(
    session, setting, make_client
):
    _vetted(session, setting)
    interest = consent.express_interest(
        session,
        setting.leader,
        opening_id=setting.opening.id,
        worker_id=setting.worker.id,
        now=NOW,
    )
    session.commit()
    client = make_client(setting.worker)
    answer = post_form(
        client,
        f"/matching/interests/{interest.id}/answer",
        {"answer": "no"},
        page="/matching/me",
    )
    assert answer.status_code == 303
    stop_page = answer.headers["Location"]
    page = client.get(stop_page)
    assert "You don't need to give a reason" in page.get_data(as_text=True)
    assert elements(page, "select", id="lawful_requirement") == []  # for the team side only
    assert "never shown to them" in element(page, "label", **{"for": "note"}).text
    answer = post_form(client, stop_page, {"note": "Too far for me in winter."})
    assert answer.status_code == 302
    session.expire_all()
    assert session.get(Interest, interest.id).state == "declined"
    assert [n.body for n in session.scalars(select(MatchNote))] == ["Too far for me in winter."]


def test_the_other_sides_note_and_reason_never_reach_the_worker(session, setting, make_client):
    _vetted(session, setting)
    interest = consent.express_interest(
        session, setting.worker, opening_id=setting.opening.id, now=NOW
    )
    consent.answer_interest(session, setting.leader, interest.id, yes=True, now=NOW)
    leader = make_client(setting.leader)
    session.commit()
    stop_page = f"/matching/interests/{interest.id}/stop"
    # The team's side is asked about a lawful requirement; the worker never is.
    assert element(leader.get(stop_page), "select", id="lawful_requirement")
    answer = post_form(
        leader,
        stop_page,
        {"note": "PRIVATE-NOTE-FOR-CO-OP", "lawful_requirement": "shared_language"},
    )
    assert answer.status_code == 302
    worker = make_client(setting.worker)
    for path in (
        "/matching/me",
        f"/matching/openings/{setting.opening.id}",
        "/inbox",
    ):
        page = worker.get(path).get_data(as_text=True)
        assert "PRIVATE-NOTE-FOR-CO-OP" not in page, path
        assert "language I need" not in page and "shared_language" not in page, path
    assert "Not going ahead" in worker.get("/matching/me").get_data(as_text=True)
    assert worker.get(stop_page).status_code == 409


def test_someone_outside_the_conversation_gets_a_404(session, setting, make_user, make_client):
    _vetted(session, setting)
    interest = consent.express_interest(
        session, setting.worker, opening_id=setting.opening.id, now=NOW
    )
    session.commit()
    stranger = make_client(make_user())
    assert stranger.get(f"/matching/interests/{interest.id}/stop").status_code == 404


# About you ---------------------------------------------------------------------------------------


def test_equality_answers_are_saved_and_can_be_left_unanswered(session, setting, make_client):
    client = make_client(setting.leader)  # supported people answer too
    page = client.get("/matching/about-you")
    assert page.status_code == 200
    legends = [e.text for e in elements(page, "legend")]
    assert "Your sex" in legends and "Your age" in legends
    assert "never shown to teams" in page.get_data(as_text=True)
    answer = post_form(
        client, "/matching/about-you", {"sex": "female", "age": "prefer_not_to_say", "religion": ""}
    )
    assert answer.status_code == 302
    saved = {
        a.characteristic: a.answer
        for a in session.scalars(
            select(EqualityAnswer).where(EqualityAnswer.user_id == setting.leader.id)
        )
    }
    assert saved == {"sex": "female", "age": "prefer_not_to_say"}
    page = client.get("/matching/about-you")
    assert element(page, "input", name="sex", value="female").attrs.get("checked") is not None
    answer = post_form(client, "/matching/about-you", {"sex": "martian"})
    assert answer.status_code == 422
    assert "choose one of the answers" in field_errors(answer, "sex")


def test_the_home_page_offers_finding_a_team_and_about_you(session, setting, make_client):
    page = make_client(setting.worker).get("/").get_data(as_text=True)
    assert "Find a team to work with" in page
    assert "About you (optional)" in page


def test_an_agreed_trial_that_is_over_offers_carry_on(session, setting, make_client, clock):
    _vetted(session, setting)
    interest = consent.express_interest(
        session, setting.worker, opening_id=setting.opening.id, now=NOW
    )
    consent.answer_interest(session, setting.leader, interest.id, yes=True, now=NOW)
    trial = consent.propose_trial(
        session,
        setting.leader,
        interest.id,
        starts_at=NOW + timedelta(days=1),
        ends_at=NOW + timedelta(days=1, hours=2),
        now=NOW,
    )
    session.commit()
    client = make_client(setting.worker)
    answer = post_form(client, f"/matching/trials/{trial.id}/agree", {}, page="/matching/me")
    assert answer.status_code == 302, answer.get_data(as_text=True)
    assert "Carry on" not in client.get("/matching/me").get_data(as_text=True)
    clock.advance(days=2)
    page = client.get("/matching/me").get_data(as_text=True)
    assert "Would you like to carry on?" in page
    answer = post_form(client, f"/matching/trials/{trial.id}/carry-on", {}, page="/matching/me")
    assert answer.status_code == 302
    session.expire_all()
    assert session.get(Interest, interest.id).trial.worker_decision == "carry_on"
