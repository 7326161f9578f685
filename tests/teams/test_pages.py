"""The teams pages, without a browser: what a person sees when two people edit the plan at
once, when they open a team they may not see, and when an invitation form comes back."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from coop.models import AccessEvent, User
from teams.models import SupportPlan, Team
from teams.services import hats, members, records
from teams.services.standing import standing
from tests.conftest import NOW, post_form
from tests.teams.permissions import ALLOWED
from tests.teams.world import ACTORS, World, build


@dataclass
class Setting:
    team: Team
    leader: User
    plan_holder: User
    neighbour: User


@pytest.fixture
def setting(session: Session, make_user, clock) -> Setting:
    """Ann leads a team; Priya set it up; Carl holds the plan; Nell is a neighbour who does not
    see private records. The plan has one version."""
    facilitator = make_user(roles=["facilitator"], display_name="Priya Facilitator")
    leader = make_user(display_name="Ann Leader")
    plan_holder = make_user(display_name="Carl Planholder")
    neighbour = make_user(display_name="Nell Neighbour")
    team = members.create_team(session, facilitator, name="Ann's team", leader=leader, now=NOW)
    lead = standing(session, leader, team, NOW)
    for person, kind in ((plan_holder, "family"), (neighbour, "neighbour")):
        _m, token = members.invite(
            session,
            lead,
            name=person.display_name,
            email=person.email or "",
            kind=kind,
            sees_records=person is plan_holder,
            base_url="",
            now=NOW,
        )
        members.accept_invitation(session, person, token, now=NOW)
    holder = members.find_membership(
        session, lead, next(m.id for m in team.memberships if m.user_id == plan_holder.id)
    )
    hats.offer_hat(
        session,
        lead,
        holder.id,
        hat="plan_holder",
        scope_text="All of it",
        review_on=(NOW + timedelta(days=180)).date(),
        now=NOW,
    )
    hats.answer_hat(
        session,
        standing(session, plan_holder, team, NOW),
        holder.id,
        "plan_holder",
        yes=True,
        now=NOW,
    )
    records.save_plan(session, lead, {"about_me": "I like gardening."}, base_version=0, now=NOW)
    session.commit()
    return Setting(team, leader, plan_holder, neighbour)


def _hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="{name}"', page)
    assert match, f"no {name} on the page"
    return match.group(1) or match.group(2)


def test_a_plan_saved_by_someone_else_meanwhile_is_a_409_that_keeps_what_i_typed(
    session, setting, make_client
):
    leader = make_client(setting.leader)
    edit = f"/teams/{setting.team.id}/plan/edit"
    assert _hidden(leader.get(edit).get_data(as_text=True), "base_version") == "1"
    # Carl saves while Ann is still typing.
    holder = standing(session, setting.plan_holder, setting.team, NOW)
    records.save_plan(
        session,
        holder,
        {"about_me": "Ann loves roses.", "health": "Takes insulin."},
        base_version=1,
        now=NOW,
    )
    session.commit()

    answer = post_form(
        leader, edit, {"base_version": "1", "about_me": "I grow tomatoes & beans.", "health": ""}
    )

    assert answer.status_code == 409
    page = answer.get_data(as_text=True)
    assert "Someone else saved the plan while you were writing" in page
    assert "Carl Planholder saved version 2" in page
    assert "Ann loves roses." in page  # their version, beside...
    assert re.search(r"<textarea[^>]*>\s*I grow tomatoes &amp; beans.</textarea>", page)  # ...mine
    assert _hidden(page, "base_version") == "2"  # so that saving again works
    # Ann left "My health" as it was: the box takes Carl's words, so saving again keeps them.
    assert re.search(r"<textarea[^>]*>\s*Takes insulin.</textarea>", page)
    assert "Only Carl Planholder changed this part" in page
    plan = session.scalar(select(SupportPlan).where(SupportPlan.team_id == setting.team.id))
    assert plan is not None and plan.version == 2  # nothing of mine was saved yet

    again = post_form(
        leader,
        edit,
        {"base_version": "2", "about_me": "I grow tomatoes & beans.", "health": "Takes insulin."},
    )

    assert again.status_code == 302
    session.expire_all()
    plan = session.scalar(select(SupportPlan).where(SupportPlan.team_id == setting.team.id))
    assert plan is not None and plan.version == 3
    assert plan.sections["about_me"] == "I grow tomatoes & beans."
    assert plan.sections["health"] == "Takes insulin."


@pytest.mark.parametrize("path", ["", "/plan", "/notes", "/history", "/members/1", "/invite"])
def test_a_team_i_may_not_see_is_the_html_not_found_page(setting, make_user, make_client, path):
    stranger = make_client(make_user(display_name="Sam Stranger"))

    answer = stranger.get(f"/teams/{setting.team.id}{path}")

    assert answer.status_code == 404
    assert answer.mimetype == "text/html"
    page = answer.get_data(as_text=True)
    assert "<h1>" in page and "Ann" not in page  # not even the leader's name


def test_a_member_who_may_not_see_records_is_told_the_plan_is_not_there(setting, make_client):
    answer = make_client(setting.neighbour).get(f"/teams/{setting.team.id}/plan")

    assert answer.status_code == 404
    assert "I like gardening." not in answer.get_data(as_text=True)


def test_an_action_i_cannot_take_in_a_team_i_can_see_is_the_403_page(setting, make_client):
    answer = make_client(setting.neighbour).get(f"/teams/{setting.team.id}/invite")

    assert answer.status_code == 403
    assert answer.mimetype == "text/html"
    assert "Not allowed" in answer.get_data(as_text=True)


def test_the_invite_form_keeps_what_was_typed_and_ties_each_error_to_its_field(
    setting, make_client
):
    leader = make_client(setting.leader)

    answer = post_form(
        leader,
        f"/teams/{setting.team.id}/invite",
        {"name": "Bill Turner", "email": "bill at home", "kind": "worker", "sees_records": "y"},
    )

    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert 'value="Bill Turner"' in page
    assert 'value="bill at home"' in page
    assert re.search(
        r'<input[^>]*checked[^>]*value="worker"|<input[^>]*value="worker"[^>]*checked', page
    )
    assert re.search(r'id="sees_records"[^>]*checked|checked[^>]*id="sees_records"', page)
    # The e-mail and the missing "how are they paid?" each say what is wrong, beside the field.
    assert re.search(
        r'<input[^>]*aria-describedby="[^"]*email-error[^"]*"[^>]*aria-invalid="true"', page
    )
    assert 'id="email-error"' in page and "e-mail address the invitation should go to" in page
    assert 'aria-describedby="employment-error"' in page and 'id="employment-error"' in page


def test_the_history_page_tells_each_change_in_plain_words_without_private_text(
    setting, make_client
):
    page = (
        make_client(setting.leader).get(f"/teams/{setting.team.id}/history").get_data(as_text=True)
    )

    assert "Priya Facilitator set up the team." in page
    assert "Ann Leader invited Nell Neighbour to join as a neighbour." in page
    assert "Carl Planholder accepted the hat “Support plan holder”." in page
    assert "Ann Leader saved version 1 of the support plan (About me changed)." in page
    assert "gardening" not in page


def test_a_read_of_the_plan_from_outside_the_team_is_logged_for_the_leader(
    session, setting, make_user, make_client
):
    manager = make_user(roles=["registered_manager"], display_name="Grace Manager")

    answer = make_client(manager).get(f"/teams/{setting.team.id}/plan")

    assert answer.status_code == 200 and "I like gardening." in answer.get_data(as_text=True)
    reads = session.scalars(
        select(AccessEvent).where(AccessEvent.record_id == setting.team.id)
    ).all()
    assert [(r.reader_id, r.what, r.basis) for r in reads] == [
        (manager.id, "support plan", "regulatory")
    ]
    log = make_client(setting.leader).get(f"/teams/{setting.team.id}/access-log")
    assert "Grace Manager" in log.get_data(as_text=True)
    assert "Regulatory duties (registered manager)" in log.get_data(as_text=True)


def test_taking_someone_off_the_team_asks_first(session, setting, make_client):
    nell = next(m for m in setting.team.memberships if m.user_id == setting.neighbour.id)
    leader = make_client(setting.leader)
    path = f"/teams/{setting.team.id}/members/{nell.id}/remove"

    asked = leader.get(path)

    assert asked.status_code == 200
    assert "Take Nell Neighbour off the team?" in asked.get_data(as_text=True)
    session.refresh(nell)
    assert nell.status == "active"

    done = post_form(leader, path, {})

    assert done.status_code == 302
    session.refresh(nell)
    assert nell.status == "left"


# The permission table, through the pages ---------------------------------------------------------


def _page_action(world: World, action: str) -> tuple[str, str, dict[str, str]]:
    """How a person takes each action of the table on the pages: method, path, form."""
    t, m = f"/teams/{world.team.id}", world.memberships
    review = (NOW + timedelta(days=90)).date().isoformat()
    hat_form = {"scope": "Any", "review_on": review}
    return {
        "view_team": ("GET", t, {}),
        "invite": (
            "POST",
            f"{t}/invite",
            {"name": "New", "email": "new@example.org", "kind": "neighbour"},
        ),
        "accept_invitation_sent_to_someone_else": (
            "POST",
            f"/teams/invitations/{world.invite_token}/accept",
            {},
        ),
        "propose": (
            "POST",
            f"{t}/suggest",
            {
                "name": "Friend",
                "email": "friend@example.org",
                "kind": "volunteer",
                "reason": "Lives nearby",
            },
        ),
        "offer_hat": (
            "POST",
            f"{t}/members/{m['plain_member'].id}/hats",
            {"hat": "introducer", **hat_form},
        ),
        "offer_representative_hat": (
            "POST",
            f"{t}/members/{m['plain_member'].id}/hats",
            {"hat": "representative", "legal_basis": "own_choice", **hat_form},
        ),
        "accept_hat_offered_to_plain_member": (
            "POST",
            f"{t}/members/{m['plain_member'].id}/hats/medication_holder/answer",
            {"answer": "yes"},
        ),
        "take_back_rota_hat": (
            "POST",
            f"{t}/members/{m['rota_holder'].id}/hats/rota_holder/take-back",
            {},
        ),
        "put_down_rota_hat": (
            "POST",
            f"{t}/members/{m['rota_holder'].id}/hats/rota_holder/put-down",
            {},
        ),
        "view_plan": ("GET", f"{t}/plan", {}),
        "edit_plan": ("POST", f"{t}/plan/edit", {"base_version": "1", "about_me": "new"}),
        "view_private_note": ("GET", f"{t}/notes", {}),
        "view_access_page": ("GET", f"{t}/access-log", {}),
    }[action]


@pytest.mark.parametrize("action", sorted(ALLOWED))
def test_each_page_action_is_allowed_for_exactly_the_right_people(
    db, session, clock, make_client, action
):
    world = build(session, NOW)
    session.commit()
    method, path, form = _page_action(world, action)
    outcomes: dict[str, int] = {}
    allowed = set()
    for actor in ACTORS:
        client = make_client(world.people[actor])
        undo = db.test_connection.begin_nested()  # each actor meets the world as it was
        try:
            if method == "GET":
                answer = client.get(path)
            else:  # any page of theirs carries their CSRF token (the sign-out button has it)
                answer = post_form(client, path, form, page="/account/")
            outcomes[actor] = answer.status_code
            page = answer.get_data(as_text=True)
            took = answer.status_code < 400 and (
                action != "view_private_note" or "NOTE-SECRET" in page
            )
            if took:
                allowed.add(actor)
        finally:
            undo.rollback()
    assert allowed == ALLOWED[action], outcomes
    refused = {a: s for a, s in outcomes.items() if a not in allowed and s >= 400}
    assert set(refused.values()) <= {403, 404}, outcomes
    if action != "accept_invitation_sent_to_someone_else":  # the link itself is the key
        for actor in ("worker_elsewhere", "stranger"):
            assert outcomes[actor] == 404, f"{actor} must not learn the team exists: {outcomes}"


def test_a_facilitator_sets_up_a_team_for_someone_found_by_username_or_e_mail(
    session, make_user, make_client
):
    facilitator = make_client(make_user(roles=["facilitator"]))
    imran = make_user(display_name="Imran Akhtar", username="imran")
    make_user(display_name="No Address", email=None)  # an e-mail of NULL must not match

    unknown = post_form(facilitator, "/teams/new", {"name": "A team", "person": "nobody"})
    assert unknown.status_code == 422
    assert "We could not find anyone with that username" in unknown.get_data(as_text=True)
    assert 'value="A team"' in unknown.get_data(as_text=True)

    made = post_form(facilitator, "/teams/new", {"name": "Imran's team", "person": imran.email})
    assert made.status_code == 302
    team = session.scalar(select(Team).where(Team.name == "Imran's team"))
    assert team is not None and team.leader_id == imran.id


def test_only_facilitators_may_set_up_a_team(make_user, make_client):
    assert make_client(make_user()).get("/teams/new").status_code == 404
