"""The teams pages: my teams, a team and its members, invitations, hats, the support plan,
private notes, access from outside the team, "who has seen my information" and the team's
history. Views stay thin: find the person's standing, call the service, render; every
permission question is asked of `teams.policy`, every change is made by `teams.services`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Flask, current_app, render_template, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from coop import extension
from coop.db import current_session
from coop.errors import Conflict, DomainError, Invalid
from coop.models import User
from coop.registries import HomeCard
from coop.views.forms import apply_errors
from coop.web import now, signed_in_user
from teams import policy
from teams.forms import EMPLOYMENT_LABELS
from teams.models import HAT_LABELS, KIND_LABELS, LEGAL_BASIS_LABELS, PLAN_SECTION_LABELS, Hat, Team
from teams.policy import Standing
from teams.services import hats
from teams.services.standing import find_team

# The templates live beside the package, in teams/templates/teams/.
bp = Blueprint("teams", __name__, template_folder="../templates", url_prefix="/teams")

# "... invites you to join as a neighbour": each kind of member, with its article.
KIND_AS = {
    "supported": "the person who leads it",
    "family": "family or a friend",
    "neighbour": "a neighbour",
    "volunteer": "a volunteer",
    "peer": "a peer supporter",
    "worker": "a worker",
}

# Why someone outside the team read the records, as the person who leads it would say it.
BASIS_WORDS = {
    "granted": "With your permission",
    "emergency": "In an emergency",
    "regulatory": "Regulatory duties (registered manager)",
}


@dataclass(frozen=True)
class TeamTab:
    """A page about one team that another part of Carecoop adds to the team's menu (the rota
    adds its week and budget): `endpoint` takes `team_id`; `visible` asks the viewer's Standing."""

    endpoint: str
    label: str
    visible: Callable[[Standing], bool]


@dataclass
class TeamPages:
    """What other parts of Carecoop add to an app's team pages: tabs on the team's menu, and
    how the team's history says an action they record in the team's audit scope (action name
    -> words after the person's name, e.g. "planned a visit"). Kept in the app's registry."""

    tabs: dict[str, TeamTab] = field(default_factory=dict)
    history_words: dict[str, str] = field(default_factory=dict)


def team_pages(app: Flask | None = None) -> TeamPages:
    """`app`'s (or, without one, the current app's)."""
    registry = (extension.of(app) if app is not None else extension.current()).registry
    pages: TeamPages = registry.parts.setdefault("teams", TeamPages())
    return pages


def register_team_tab(app: Flask, tab: TeamTab) -> None:
    team_pages(app).tabs[tab.endpoint] = tab


def register_history_words(app: Flask, words: dict[str, str]) -> None:
    team_pages(app).history_words.update(words)


@bp.context_processor
def _words() -> dict[str, Any]:
    return {
        "team_tabs": list(team_pages().tabs.values()),
        "teams_policy": policy,
        "kind_labels": KIND_LABELS,
        "kind_as": KIND_AS,
        "hat_labels": HAT_LABELS,
        "legal_basis_labels": LEGAL_BASIS_LABELS,
        "employment_labels": EMPLOYMENT_LABELS,
        "section_labels": PLAN_SECTION_LABELS,
        "basis_words": BASIS_WORDS,
    }


_me = signed_in_user


def _standing(team_id: int) -> Standing:
    """The signed-in person's standing in the team; a team they may not see is a 404."""
    return find_team(current_session(), _me(), team_id, now())


def _base_url() -> str:
    url: str = current_app.config["CARECOOP_BASE_URL"]
    return url.rstrip("/")


# What a form page answers by showing the form again, with the problem beside its field. A
# NotFound or Forbidden is not a problem with the form: it becomes the 404 or 403 page.
FORM_ERRORS = (Invalid, Conflict)


def _failed(form: Any, exc: DomainError) -> int:
    """Nothing of a refused change is kept; the person's typing goes back on the form, with the
    service's errors beside their fields. Returns the status to answer with."""
    current_session().rollback()
    apply_errors(form, exc)
    return exc.status


def _confirm(heading: str, explanation: str, action: str, button: str, back: str) -> str:
    return render_template(
        "confirm.html",
        heading=heading,
        explanation=explanation,
        action=action,
        button=button,
        back=back,
    )


def _team_url(s: Standing) -> str:
    return url_for("teams.team", team_id=s.team.id)


def _people(session: Session, ids: list[int | None]) -> dict[int, User]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(wanted)))}


def _hats_by_member(session: Session, team: Team) -> dict[int, list[Hat]]:
    worn: dict[int, list[Hat]] = {}
    for row in hats.hats_of(session, team):
        worn.setdefault(row.membership_id, []).append(row)
    return worn


#: The teams' cards on the home page.
HOME_CARDS = (
    HomeCard(
        "my_teams",
        "My teams",
        "See your care teams, who is in them, and what you can do there.",
        "teams.my_teams",
        lambda user: user.is_active,
        order=1,
    ),
    HomeCard(
        "new_team",
        "Set up a team",
        "Start a care team with the person it supports as its leader.",
        "teams.new_team",
        policy.can_create_team,
        order=20,
    ),
    HomeCard(
        "access_holds",
        "Reads of private records",
        "Hold back an entry from a person's “Who has seen my information” page when "
        "showing it could put them at risk.",
        "teams.access_holds",
        policy.can_hold_access_events,
        order=21,
    ),
)
