"""Builders for matching tests, made through the real services: a facilitator who keeps the
lists and records checks, vetted workers with profiles, and teams with openings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from coop.models import User
from teams.matching import openings, profiles, vetting
from teams.matching.models import Neighbourhood, Opening, Skill
from teams.models import Team
from teams.services import hats, members
from teams.services.standing import standing
from tests import factories
from tests.conftest import NOW

# Two miles apart east to west, and a third ten miles north.
POINTS = {
    "Hebden Bridge": (399_000, 427_000),
    "Mytholmroyd": (402_219, 427_000),
    "Keighley": (399_000, 443_093),
}
ALL_CHECKS = (
    "identity",
    "reference",
    "reference",
    "dbs",
    "care_certificate",
    "insurance",
    "right_to_work",
)


@dataclass
class Places:
    facilitator: User
    places: dict[str, Neighbourhood]
    skills: dict[str, Skill]


def places(session: Session, now: datetime = NOW) -> Places:
    facilitator = factories.user(
        session, roles=("facilitator",), display_name="Fatima (facilitator)"
    )
    found = {
        name: profiles.add_neighbourhood(
            session, facilitator, name=name, easting=e, northing=n, now=now
        )
        for name, (e, n) in POINTS.items()
    }
    skills = {
        name: profiles.add_skill(session, facilitator, name=name, now=now)
        for name in ("Moving and handling", "Cooking", "Dementia care")
    }
    return Places(facilitator, found, skills)


def check_all(
    session: Session,
    facilitator: User,
    worker: User,
    *,
    kinds: tuple[str, ...] = ALL_CHECKS,
    expires_on: date | None = None,
    now: datetime = NOW,
) -> None:
    for kind in kinds:
        vetting.record_check(
            session,
            facilitator,
            worker.id,
            kind=kind,
            outcome="passed",
            number=f"{kind}-1",
            checked_on=now.date() - timedelta(days=30),
            expires_on=expires_on,
            now=now,
        )


def worker(
    session: Session,
    world: Places,
    *,
    name: str = "Aisha Khan",
    place: str = "Hebden Bridge",
    vetted: bool = True,
    now: datetime = NOW,
    **values: Any,
) -> User:
    person = factories.user(session, display_name=name)
    profile: dict[str, Any] = {
        "about": "I have cared for my own grandmother for years.",
        "employment": "independent",
        "rate_pence": 1600,
        "neighbourhood_id": world.places[place].id,
        "travel_miles": 5,
        "skills": [],
        "languages": ["english"],
        "interests": [],
        "windows": [[1, 9 * 60, 12 * 60], [3, 13 * 60, 17 * 60]],
        "open_to_new_teams": True,
    }
    profile.update(values)
    profiles.save_profile(session, person, profile, now=now)
    if vetted:
        check_all(session, world.facilitator, person, now=now)
    return person


def team_with_opening(
    session: Session,
    world: Places,
    *,
    leader_name: str = "Margaret Hughes",
    now: datetime = NOW,
    **values: Any,
) -> tuple[Team, User, Opening]:
    leader = factories.user(session, display_name=leader_name)
    team = members.create_team(
        session, world.facilitator, name=f"{leader_name}'s team", leader=leader, now=now
    )
    opening_values: dict[str, Any] = {
        "title": "Tuesday mornings and Thursday afternoons",
        "support": "Help getting up, and company over lunch.",
        "tasks": ["companionship"],
        "windows": [[1, 9 * 60, 12 * 60], [3, 13 * 60, 17 * 60]],
        "neighbourhood_id": world.places["Hebden Bridge"].id,
        "max_rate_pence": 1800,
    }
    opening_values.update(values)
    opening = openings.create_opening(
        session, standing(session, leader, team, now), opening_values, now=now
    )
    return team, leader, opening


def introducer(session, team, leader):
    """A neighbour in the team who wears the introducer hat."""
    person = factories.user(session, display_name="Bill the neighbour")
    lead = standing(session, leader, team, NOW)
    membership, token = members.invite(
        session, lead, name="Bill", email=person.email or "", kind="neighbour", base_url="", now=NOW
    )
    members.accept_invitation(session, person, token, now=NOW)
    hats.offer_hat(
        session,
        lead,
        membership.id,
        hat="introducer",
        scope_text="Finding workers",
        review_on=(NOW + timedelta(days=90)).date(),
        now=NOW,
    )
    hats.answer_hat(
        session,
        standing(session, person, team, NOW),
        membership.id,
        "introducer",
        yes=True,
        now=NOW,
    )
    return person
