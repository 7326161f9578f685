"""The facilitator's matching pages, without a browser: workers and their checks, the co-op's
lists, the private notes, the figures (page and CSV) and the equality monitor; nobody else
finds any of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from coop.models import User
from teams.matching import consent, equality, figures, profiles, reports, vetting
from teams.matching.equality import Decision
from teams.matching.figures import Figure
from teams.matching.models import Neighbourhood, Opening
from teams.models import Team
from tests import factories
from tests.conftest import NOW, element, elements, field_errors, post_form
from tests.teams.matching import people


@dataclass
class Setting:
    places: people.Places
    team: Team
    leader: User
    opening: Opening
    worker: User
    lapsed: User
    unchecked: User
    stranger: User


@pytest.fixture
def setting(session: Session, clock) -> Setting:
    """Margaret's team has an opening. Aisha's checks are all in date; Lee's identity check
    lapsed last week; Una has no checks at all. Aisha said she'd like to meet the team, and the
    team said no, with a note for the co-op."""
    world = people.places(session)
    team, leader, opening = people.team_with_opening(session, world)
    worker = people.worker(session, world, name="Aisha Khan")
    lapsed = people.worker(session, world, name="Lee Lapsed", vetted=False)
    people.check_all(
        session, world.facilitator, lapsed, kinds=("reference", "reference", "dbs"), now=NOW
    )
    vetting.record_check(
        session,
        world.facilitator,
        lapsed.id,
        kind="identity",
        outcome="passed",
        number="P1",
        checked_on=date(2025, 1, 1),
        expires_on=(NOW - timedelta(days=7)).date(),
        now=NOW,
    )
    unchecked = people.worker(session, world, name="Una Unchecked", vetted=False)
    interest = consent.express_interest(session, worker, opening_id=opening.id, now=NOW)
    consent.stop(session, leader, interest.id, note="NOTE-FOR-COOP: not the right fit", now=NOW)
    stranger = factories.user(session, display_name="Sam Stranger")
    session.commit()
    return Setting(world, team, leader, opening, worker, lapsed, unchecked, stranger)


STAFF_PAGES = (
    "/matching/workers",
    "/matching/lists",
    "/matching/notes",
    "/matching/figures",
    "/matching/figures.csv",
    "/matching/equality",
)


@pytest.mark.parametrize("who", ["leader", "worker", "stranger"])
def test_non_facilitators_get_404_on_every_staff_page(setting, make_client, who):
    client = make_client(getattr(setting, who))
    for path in STAFF_PAGES:
        assert client.get(path).status_code == 404, path
    answer = post_form(client, "/matching/lists", {"skill-name": "Juggling"}, page="/")
    assert answer.status_code == 404
    home = client.get("/").get_data(as_text=True)
    assert "Equality monitor" not in home and "Workers and checks" not in home


def test_the_facilitator_finds_the_pages_from_home_and_the_dashboard(setting, make_client):
    client = make_client(setting.places.facilitator)
    links = {a.text: a.attrs["href"] for a in elements(client.get("/"), "a")}
    for title, path in (
        ("Workers and checks", "/matching/workers"),
        ("Matching figures", "/matching/figures"),
        ("Equality monitor", "/matching/equality"),
        ("Notes from people who said no", "/matching/notes"),
        ("Neighbourhoods and skills", "/matching/lists"),
    ):
        assert links.get(title) == path, title
    dashboard = client.get("/dashboard")
    assert dashboard.status_code == 200
    assert "Matching" in [h.text for h in elements(dashboard, "h2")]
    assert "Both said yes" in dashboard.get_data(as_text=True)


def test_workers_page_puts_problems_first_in_words(setting, make_client):
    page = make_client(setting.places.facilitator).get("/matching/workers")
    assert page.status_code == 200
    rows = [tr.text for tr in elements(page, "tr")][1:]
    assert rows[0].startswith("Lee Lapsed") and "A check has lapsed" in rows[0]
    assert rows[1].startswith("Una Unchecked") and "Missing: Identity" in rows[1]
    assert rows[-1].startswith("Aisha Khan") and "All checks in date" in rows[-1]


def test_workers_page_warns_of_a_check_about_to_expire(session, setting, make_client):
    vetting.record_check(
        session,
        setting.places.facilitator,
        setting.unchecked.id,
        kind="identity",
        outcome="passed",
        number="X",
        checked_on=date(2026, 1, 1),
        expires_on=date(2026, 12, 10),
        now=NOW,
    )
    session.commit()
    page = make_client(setting.places.facilitator).get("/matching/workers")
    una = next(tr.text for tr in elements(page, "tr") if tr.text.startswith("Una"))
    assert "Identity expires on 10 December 2026" in una


def test_facilitator_adds_a_neighbourhood_and_a_skill(session, setting, make_client):
    client = make_client(setting.places.facilitator)
    page = client.get("/matching/lists")
    assert "Ordnance Survey grid reference in metres" in page.get_data(as_text=True)
    added = post_form(
        client,
        "/matching/lists",
        {"place-name": "Todmorden", "place-easting": "393000", "place-northing": "424000"},
    )
    assert added.status_code == 302
    assert (
        session.scalars(select(Neighbourhood).where(Neighbourhood.name == "Todmorden"))
        .one()
        .easting
        == 393000
    )
    refused = post_form(
        client,
        "/matching/lists",
        {"place-name": "Todmorden", "place-easting": "9000000", "place-northing": "x"},
    )
    assert refused.status_code == 422
    assert field_errors(refused, "place-northing") == "Error: Please give a whole number of metres."
    assert element(refused, "input", id="place-easting").attrs["value"] == "9000000"
    assert post_form(client, "/matching/lists", {"skill-name": "Gardening"}).status_code == 302
    assert "Gardening" in [s.name for s in profiles.skills(session)]
    again = post_form(client, "/matching/lists", {"skill-name": "Gardening"})
    assert again.status_code == 422
    assert "already on the list" in field_errors(again, "skill-name")


def test_notes_page_shows_who_wrote_what_about_whom(setting, make_client):
    page = make_client(setting.places.facilitator).get("/matching/notes")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "NOTE-FOR-COOP: not the right fit" in text
    assert setting.leader.display_name in element(page, "h2", class_="card-heading").text
    assert "Aisha Khan" in text and setting.opening.title in text


def test_figures_page_and_csv_render_for_facilitators(setting, make_client):
    client = make_client(setting.places.facilitator)
    page = client.get("/matching/figures")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Matching success" in text
    assert "Fewer than 5 to count, so not shown" in text
    assert setting.opening.title in [a.text for a in elements(page, "a")]
    csv = client.get("/matching/figures.csv")
    assert csv.status_code == 200
    assert csv.mimetype == "text/csv"
    assert csv.headers["Content-Disposition"].startswith("attachment;")
    lines = csv.get_data(as_text=True).splitlines()
    assert lines[0] == "figure,numerator,denominator,value"
    assert "Matching success,,," in lines
    assert any(line.startswith(f"Opening {setting.opening.id} days waiting") for line in lines)


def test_equality_page_renders_proper_tables_and_hides_small_groups(setting, make_client):
    page = make_client(setting.places.facilitator).get("/matching/equality")
    assert page.status_code == 200
    tables = elements(page, "table")
    assert len(tables) == 12  # six characteristics, for each side
    assert len(elements(page, "caption")) == 12
    assert all(th.attrs.get("scope") in ("col", "row") for th in elements(page, "th"))
    assert "Not shown (fewer than 5)" in page.get_data(as_text=True)
    assert "Higher than usual" not in page.get_data(as_text=True)


def test_shown_figures_give_their_numerator_and_denominator(setting, make_client, monkeypatch):
    shown = reports.MatchingFigures(
        success=Figure("Matching success", 13, 15, 13 / 15, "share", None),
        time_to_match=Figure("Time to match (median days)", 6, 6, 12.5, "days", None),
        turnover=Figure("Worker turnover", None, None, None, "share", figures.HIDDEN_REASON),
        funnel=[("interested", 40), ("mutual", 20), ("trial", 15), ("matched", None)],
        waiting=[],
    )
    monkeypatch.setattr(reports, "matching_figures", lambda *_args: shown)
    page = make_client(setting.places.facilitator).get("/matching/figures")
    text = " ".join(page.get_data(as_text=True).split())
    assert "87%" in text and "13 of 15 trials that ended carried on" in text
    assert "12.5 days" in text and "The middle value of 6 matches" in text
    assert "Fewer than 5 to count, so not shown" in text
    cells = [c.text for c in elements(page) if c.tag in ("th", "td")]
    assert cells[cells.index("Both said yes") + 1] == "20"


def test_a_flagged_group_is_marked_in_words(setting, make_client, monkeypatch):
    decisions = [Decision(i, declined=i < 30) for i in range(60)]
    answers = {i: {"age": "65_plus" if i < 24 or i >= 54 else "25_44"} for i in range(60)}
    found = equality.monitor(decisions, answers, [], {})
    assert any(r.flagged for r in found["workers"][0].rows)
    monkeypatch.setattr(reports, "equality_monitor", lambda *_args: found)
    page = make_client(setting.places.facilitator).get("/matching/equality")
    flagged = [tr.text for tr in elements(page, "tr", class_="flagged")]
    assert flagged and flagged[0].startswith("65 or over")
    assert "Higher than usual: please look into this" in flagged[0]
    assert "%" in flagged[0] and " to " in flagged[0]
