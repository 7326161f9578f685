"""The team's matching pages, without a browser: a leader opening a place on the team, who may
see the openings, the people suggested and the people the team is in touch with, and a
facilitator's checks and pause on a worker's page."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from coop.models import User
from teams.matching import consent, vetting
from teams.matching.models import Interest, Opening, WorkerProfile
from teams.models import Team
from teams.services import hats, members
from teams.services.standing import standing
from tests import factories
from tests.conftest import NOW, element, elements, field_errors, post_form
from tests.teams.matching import people


@dataclass
class Setting:
    places: people.Places
    team: Team
    leader: User
    opening: Opening
    introducer: User
    plain_member: User
    vetted: User
    unvetted: User
    outsider: User


@pytest.fixture
def setting(session: Session, clock) -> Setting:
    """Margaret leads a team with an opening for Tuesday mornings in Hebden Bridge; Ivan is its
    introducer and Fred family without a hat. Aisha is vetted and suits; Ben has a profile but
    no checks; Olga works for another team."""
    world = people.places(session)
    team, leader, opening = people.team_with_opening(session, world)
    lead = standing(session, leader, team, NOW)
    found: dict[str, User] = {}
    for name, kind in (("Ivan Introducer", "neighbour"), ("Fred Family", "family")):
        person = factories.user(session, display_name=name)
        m, token = members.invite(
            session, lead, name=name, email=person.email or "", kind=kind, base_url="", now=NOW
        )
        members.accept_invitation(session, person, token, now=NOW)
        found[name] = person
        if kind == "neighbour":
            hats.offer_hat(
                session,
                lead,
                m.id,
                hat="introducer",
                scope_text="Finding workers",
                review_on=(NOW + timedelta(days=180)).date(),
                now=NOW,
            )
            hats.answer_hat(
                session, standing(session, person, team, NOW), m.id, "introducer", yes=True, now=NOW
            )
    vetted = people.worker(session, world, name="Aisha Khan", languages=["urdu", "english"])
    unvetted = people.worker(session, world, name="Ben Unchecked", vetted=False)
    outsider = people.worker(session, world, name="Olga Outside")
    session.commit()
    return Setting(
        world,
        team,
        leader,
        opening,
        found["Ivan Introducer"],
        found["Fred Family"],
        vetted,
        unvetted,
        outsider,
    )


def _form(setting: Setting, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "title": "Weekend mornings",
        "support": "Help getting up and dressed, and a chat over breakfast.",
        "what_matters": "Someone calm.",
        "tasks": ["companionship", "household"],
        "day5_1_from": "09:00",
        "day5_1_to": "11:30",
        "day6_1_from": "08:30",
        "day6_1_to": "10:00",
        "neighbourhood_id": str(setting.places.places["Mytholmroyd"].id),
        "preferred_skills": [str(setting.places.skills["Cooking"].id)],
        "preferred_languages": "Urdu, English",
        "interests": "gardening",
        "max_rate_pence": "15.50",
    }
    data.update(changes)
    return data


def test_leader_opens_a_place_through_the_form(session, setting, make_client):
    leader = make_client(setting.leader)
    new = f"/teams/{setting.team.id}/openings/new"
    page = leader.get(new)
    assert page.status_code == 200
    assert element(page, "label", **{"for": "max_rate_pence"}).text.startswith(
        "The most we can pay"
    )
    answer = post_form(leader, new, _form(setting))
    assert answer.status_code == 302, answer.get_data(as_text=True)
    made = session.scalars(select(Opening).where(Opening.title == "Weekend mornings")).one()
    assert answer.headers["Location"] == f"/teams/{setting.team.id}/openings/{made.id}"
    assert made.max_rate_pence == 1550
    assert made.windows == [[5, 540, 690], [6, 510, 600]]
    assert made.tasks == ["companionship", "household"]
    assert made.preferred_languages == ["urdu", "english"]
    assert made.preferred_skills == [setting.places.skills["Cooking"].id]
    listed = leader.get(f"/teams/{setting.team.id}/openings")
    assert "Weekend mornings" in [a.text for a in elements(listed, "a")]


def test_an_opening_form_with_problems_keeps_what_was_typed(session, setting, make_client):
    leader = make_client(setting.leader)
    new = f"/teams/{setting.team.id}/openings/new"
    answer = post_form(
        leader, new, _form(setting, support="", max_rate_pence="lots", day5_1_to="", tasks=[])
    )
    assert answer.status_code == 422
    assert "what support" in field_errors(answer, "support")
    assert "£0 and £1,000" in field_errors(answer, "max_rate_pence")
    assert "Please give this time too" in field_errors(answer, "day5_1_to")
    assert element(answer, "input", id="title").attrs["value"] == "Weekend mornings"
    assert element(answer, "input", id="max_rate_pence").attrs["value"] == "lots"
    assert element(answer, "input", id="day5_1_from").attrs["value"] == "09:00"
    assert "preferred_languages" in element(answer, "input", value="Urdu, English").attrs["id"]
    assert element(answer, "div", class_="error-summary")
    assert (
        session.scalars(select(Opening).where(Opening.title == "Weekend mornings")).first() is None
    )


def test_an_opening_needs_a_time_in_the_week_said_beside_the_weekly_grid(setting, make_client):
    leader = make_client(setting.leader)
    no_times = _form(setting, day5_1_from="", day5_1_to="", day6_1_from="", day6_1_to="")
    answer = post_form(leader, f"/teams/{setting.team.id}/openings/new", no_times)
    assert answer.status_code == 422
    assert "at least one time in the week" in field_errors(answer, "windows")
    backwards = _form(setting, day5_1_from="11:00", day5_1_to="10:00")
    answer = post_form(leader, f"/teams/{setting.team.id}/openings/new", backwards)
    assert answer.status_code == 422
    assert "after the “from” time" in field_errors(answer, "day5_1_to")


def test_an_empty_maximum_means_no_maximum_and_the_leader_can_change_it(
    session, setting, make_client
):
    leader = make_client(setting.leader)
    edit = f"/teams/{setting.team.id}/openings/{setting.opening.id}/edit"
    form = leader.get(edit)
    assert element(form, "input", id="max_rate_pence").attrs["value"] == "18.00"
    assert element(form, "input", id="day1_1_from").attrs["value"] == "09:00"
    answer = post_form(leader, edit, _form(setting, max_rate_pence=""))
    assert answer.status_code == 302
    session.expire_all()
    assert session.get(Opening, setting.opening.id).max_rate_pence is None


@pytest.mark.parametrize("who", ["plain_member", "outsider", "unvetted"])
def test_a_member_without_a_hat_or_a_worker_outside_the_team_gets_404(setting, make_client, who):
    client = make_client(getattr(setting, who))
    team_id, opening_id = setting.team.id, setting.opening.id
    for path in (
        f"/teams/{team_id}/openings",
        f"/teams/{team_id}/openings/new",
        f"/teams/{team_id}/openings/{opening_id}",
        f"/teams/{team_id}/openings/{opening_id}/edit",
        f"/teams/{team_id}/openings/{opening_id}/close/filled",
    ):
        assert client.get(path).status_code == 404, path
    answer = post_form(
        client,
        f"/teams/{team_id}/openings/{opening_id}/interest",
        {"worker_id": str(setting.vetted.id)},
        page="/",
    )
    assert answer.status_code == 404


def test_the_team_menu_shows_openings_to_the_leader_only_among_members(setting, make_client):
    leader = make_client(setting.leader).get(f"/teams/{setting.team.id}")
    assert "Openings" in [a.text for a in elements(leader, "a")]
    plain = make_client(setting.plain_member).get(f"/teams/{setting.team.id}")
    assert "Openings" not in [a.text for a in elements(plain, "a")]


def test_the_opening_lists_a_suggested_vetted_worker_with_reasons_and_not_an_unvetted_one(
    setting, make_client
):
    page = make_client(setting.leader).get(
        f"/teams/{setting.team.id}/openings/{setting.opening.id}"
    )
    assert page.status_code == 200
    cards = elements(page, "li", class_="card")
    names = [h.text for h in elements(page, "h3")]
    assert "Aisha Khan" in names
    assert "Ben Unchecked" not in names
    aisha = next(c for c in cards if c.text.startswith("Aisha Khan"))
    assert "Free Tuesday mornings" in aisha.text
    assert "I'd like to meet" in aisha.text
    headings = [h.tag for h in elements(page) if h.tag in ("h1", "h2", "h3", "h4")]
    assert headings[0] == "h1" and all(
        int(b[1]) - int(a[1]) <= 1 for a, b in itertools.pairwise(headings)
    )


def test_introducer_says_id_like_to_meet_but_sees_no_yes_or_no_buttons(
    session, setting, make_client
):
    introducer = make_client(setting.introducer)
    opening_page = f"/teams/{setting.team.id}/openings/{setting.opening.id}"
    page = introducer.get(opening_page)
    assert page.status_code == 200
    assert "Aisha Khan" in page.get_data(as_text=True)
    answer = post_form(
        introducer,
        f"{opening_page}/interest",
        {"worker_id": str(setting.outsider.id)},
        page=opening_page,
    )
    assert answer.status_code == 302
    interest = session.scalars(
        select(Interest).where(Interest.worker_id == setting.outsider.id)
    ).one()
    # An introducer's "I'd like to meet" is a suggestion to the leader: Olga is not told yet.
    assert (interest.state, interest.started_by) == ("suggested", "team")
    olga_page = make_client(setting.outsider).get("/matching/me").get_data(as_text=True)
    assert "suggests meeting" not in olga_page and "Waiting for" not in olga_page
    # Now that the team is in touch with Olga, those who speak for it may read her profile.
    olga = f"/matching/workers/{setting.outsider.id}"
    assert make_client(setting.leader).get(olga).status_code == 200
    assert make_client(setting.plain_member).get(olga).status_code == 404
    # Aisha would like to meet the team: only the leader may answer her.
    mine = consent.express_interest(session, setting.vetted, opening_id=setting.opening.id, now=NOW)
    session.commit()
    answer_url = f"/matching/interests/{mine.id}/answer"
    page = introducer.get(opening_page)
    in_touch = page.get_data(as_text=True)
    assert "Aisha Khan" in in_touch and "Olga Outside" in in_touch
    assert not elements(page, "form", action=answer_url)
    assert not [b for b in elements(page, "button") if b.attrs.get("name") == "answer"]
    leader_page = make_client(setting.leader).get(opening_page)
    assert elements(leader_page, "form", action=answer_url)


def test_the_leader_may_ask_to_see_people_they_said_no_to_lately(session, setting, make_client):
    lead = make_client(setting.leader)
    interest = consent.express_interest(
        session, setting.leader, opening_id=setting.opening.id, worker_id=setting.vetted.id, now=NOW
    )
    consent.stop(session, setting.vetted, interest.id, now=NOW)
    session.commit()
    page = lead.get(f"/teams/{setting.team.id}/openings/{setting.opening.id}")
    link = element(
        page, "a", href=f"/teams/{setting.team.id}/openings/{setting.opening.id}?include_declined=1"
    )
    assert link.text == "Also show people we said no to lately"


def test_the_leader_closes_an_opening_after_saying_so_twice(session, setting, make_client):
    lead = make_client(setting.leader)
    path = f"/teams/{setting.team.id}/openings/{setting.opening.id}/close/filled"
    confirm = lead.get(path)
    assert confirm.status_code == 200
    assert element(confirm, "h1").text.startswith("Close “")
    assert post_form(lead, path, {}).status_code == 302
    session.expire_all()
    assert session.get(Opening, setting.opening.id).status == "filled"
    # The introducer may see the opening but not close it.
    assert make_client(setting.introducer).get(path).status_code == 403


def test_a_worker_profile_is_seen_by_the_team_it_is_suggested_to_and_not_by_strangers(
    setting, make_client
):
    path = f"/matching/workers/{setting.vetted.id}"
    assert make_client(setting.leader).get(path).status_code == 404
    page = make_client(setting.leader).get(f"{path}?opening={setting.opening.id}")
    assert page.status_code == 200
    assert element(page, "h1").text == "Aisha Khan"
    assert "Urdu" in page.get_data(as_text=True)
    assert "Tuesday 9am to 12pm" in page.get_data(as_text=True)
    assert "Checks" not in [h.text for h in elements(page, "h2")]
    assert (
        make_client(setting.plain_member).get(f"{path}?opening={setting.opening.id}").status_code
        == 404
    )
    assert make_client(setting.outsider).get(path).status_code == 404
    assert make_client(setting.vetted).get(path).status_code == 200


def test_facilitator_records_a_check_and_pauses_a_worker_who_then_leaves_the_suggestions(
    session, setting, make_client
):
    facilitator = make_client(setting.places.facilitator)
    profile = f"/matching/workers/{setting.unvetted.id}"
    page = facilitator.get(profile)
    assert page.status_code == 200
    assert "No checks are recorded yet." in page.get_data(as_text=True)
    answer = post_form(
        facilitator,
        f"{profile}/checks",
        {
            "check-kind": "dbs",
            "check-outcome": "passed",
            "check-number": "001234567890",
            "check-checked_on": "2026-11-01",
            "check-expires_on": "",
            "check-update_service_consent": "y",
        },
        page=profile,
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)
    checks = vetting.checks_of(session, setting.unvetted.id)
    assert [(c.kind, c.number, c.expires_on, c.update_service_consent) for c in checks] == [
        ("dbs", "001234567890", None, True)
    ]
    shown = facilitator.get(profile)
    assert "001234567890" in element(shown, "table").text

    refused = post_form(facilitator, f"{profile}/checks", {"check-kind": "dbs"}, page=profile)
    assert refused.status_code == 422
    assert "date of the check" in field_errors(refused, "check-checked_on")

    opening_page = f"/teams/{setting.team.id}/openings/{setting.opening.id}"
    leader = make_client(setting.leader)
    assert "Aisha Khan" in leader.get(opening_page).get_data(as_text=True)
    aisha = f"/matching/workers/{setting.vetted.id}"
    no_note = post_form(facilitator, f"{aisha}/pause", {"pause-note": " "}, page=aisha)
    assert no_note.status_code == 422
    assert "note for the co-op" in field_errors(no_note, "pause-note")
    paused = post_form(
        facilitator, f"{aisha}/pause", {"pause-note": "Looking into a query."}, page=aisha
    )
    assert paused.status_code == 302
    session.expire_all()
    assert session.get(WorkerProfile, setting.vetted.id).paused_at is not None
    assert "Aisha Khan" not in leader.get(opening_page).get_data(as_text=True)
    assert "Looking into a query." in facilitator.get(aisha).get_data(as_text=True)
    assert post_form(facilitator, f"{aisha}/unpause", {}, page=aisha).status_code == 302
    assert "Aisha Khan" in leader.get(opening_page).get_data(as_text=True)


def test_only_facilitators_record_checks_or_pause(setting, make_client):
    aisha = f"/matching/workers/{setting.vetted.id}"
    for who in (setting.leader, setting.vetted):
        client = make_client(who)
        page = client.get(aisha)
        assert "Record a check" not in page.get_data(as_text=True)
        for action, data in (
            (
                "checks",
                {"check-kind": "dbs", "check-outcome": "passed", "check-checked_on": "2026-11-01"},
            ),
            ("pause", {"pause-note": "No."}),
            ("unpause", {}),
        ):
            assert post_form(client, f"{aisha}/{action}", data, page="/").status_code == 404
