"""One matching world with every kind of actor, built through the services, for the permission
table and the API tests.

The world is set up a week before `now` (the moment the actions are taken), so that one trial
visit is already over by then; every other trial time lies after `now`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from coop.models import User
from teams.matching import consent, openings, profiles, vetting
from teams.matching.models import Interest, Neighbourhood, Opening, Skill, Trial
from teams.models import Team
from teams.services import hats, members
from teams.services.standing import standing
from tests import factories

ACTORS = (
    "leader",
    "representative",
    "introducer",
    "plain_member",
    "facilitator",
    "vetted_worker",
    "unvetted_worker",
    "worker_elsewhere",
    "stranger",
)
#: Weekday mornings and afternoons, 09:00 to 17:00.
WEEKDAYS_9_TO_5 = [[day, 9 * 60, 17 * 60] for day in range(5)]
#: What each opening is for: one per stage of the state machine the table needs.
STAGES = (
    "fresh",  # open, and nobody in touch about it
    "worker_asked",  # the worker said "I'd like to meet"; the team's answer is due
    "team_asked",  # the team said it; the worker's answer is due
    "mutual",  # both said yes; no trial time yet
    "trial_by_team",  # the team suggested a trial time; the worker's agreement is due
    "trial_by_worker",  # the worker suggested one; the team's agreement is due
    "trial_over",  # the trial visit is over; each side's word is due
)


@dataclass
class World:
    now: datetime
    setup_at: datetime
    team: Team
    other_team: Team
    people: dict[str, User]
    places: list[Neighbourhood]
    skills: list[Skill]
    openings: dict[str, Opening] = field(default_factory=dict)
    interests: dict[str, Interest] = field(default_factory=dict)
    trials: dict[str, Trial] = field(default_factory=dict)

    def trial(self, stage: str) -> Trial:
        return self.trials[stage]

    def opening_values(self, title: str = "Company on weekday mornings") -> dict[str, Any]:
        return opening_values(self, title)


def profile_values(world_places: list[Neighbourhood], skills: list[Skill]) -> dict[str, Any]:
    return {
        "about": "I have cared for my grandmother and love a good chat.",
        "employment": "independent",
        "rate_pence": 1500,
        "neighbourhood_id": world_places[0].id,
        "travel_miles": 5,
        "skills": [skills[0].id],
        "other_skills": "",
        "languages": ["english", "urdu"],
        "interests": ["gardening"],
        "windows": WEEKDAYS_9_TO_5,
        "open_to_new_teams": True,
    }


def opening_values(world: World, title: str) -> dict[str, Any]:
    return {
        "title": title,
        "support": "Company and a chat over coffee, and a walk when the weather is fine.",
        "what_matters": "Someone patient who likes gardens.",
        "tasks": ["companionship"],
        "windows": [[0, 10 * 60, 12 * 60], [2, 10 * 60, 12 * 60]],
        "neighbourhood_id": world.places[1].id,
        "required_skills": [],
        "preferred_skills": [world.skills[0].id],
        "required_languages": [],
        "preferred_languages": ["urdu"],
        "interests": ["gardening"],
        "max_rate_pence": 2000,
    }


def vet(session: Session, facilitator: User, worker: User, at: datetime) -> None:
    """Every check an independent worker needs for any task but medicines."""
    checked_on = at.date() - timedelta(days=30)
    for kind, number in (
        ("identity", "PASSPORT-1"),
        ("reference", "REF-1"),
        ("reference", "REF-2"),
        ("dbs", "001234567890"),
        ("care_certificate", "CC-1"),
        ("insurance", "INS-1"),
    ):
        vetting.record_check(
            session,
            facilitator,
            worker.id,
            kind=kind,
            outcome="passed",
            number=number,
            checked_on=checked_on,
            expires_on=date(checked_on.year + 3, 1, 31),
            update_service_consent=True if kind == "dbs" else None,
            now=at,
        )


def build(session: Session, now: datetime) -> World:
    """A team led by `leader`, with a representative, an introducer and a plain member (family);
    a vetted worker and an unvetted one, both with profiles open to new teams; a worker in
    another team; a stranger; a facilitator; and an open companionship opening for each stage
    of the state machine (STAGES), the vetted worker in touch about all but the fresh one."""
    at = now - timedelta(days=7)
    people = {
        name: factories.user(
            session,
            username=name.replace("_", "-"),
            display_name=name.replace("_", " ").title(),
            roles=["facilitator"] if name == "facilitator" else [],
            now=at,
        )
        for name in ACTORS
    }
    fac = people["facilitator"]
    places = [
        profiles.add_neighbourhood(session, fac, name=n, easting=e, northing=430_000, now=at)
        for n, e in (("Northfield", 430_000), ("Southside", 431_000))
    ]
    skills = [
        profiles.add_skill(session, fac, name=n, now=at)
        for n in ("Cooking", "British Sign Language")
    ]
    team = members.create_team(session, fac, name="Leader's team", leader=people["leader"], now=at)
    other = members.create_team(
        session, fac, name="Another team", leader=factories.user(session, now=at), now=at
    )
    lead = standing(session, people["leader"], team, at)
    review = date(at.year + 1, 1, 31)
    for name, kind, hat in (
        ("representative", "family", "representative"),
        ("introducer", "neighbour", "introducer"),
        ("plain_member", "family", None),
    ):
        m, token = members.invite(
            session, lead, name=name, email=people[name].email or "", kind=kind, base_url="", now=at
        )
        members.accept_invitation(session, people[name], token, now=at)
        if hat is not None:
            hats.offer_hat(
                session,
                lead,
                m.id,
                hat=hat,
                scope_text="Everything",
                review_on=review,
                legal_basis="own_choice" if hat == "representative" else None,
                now=at,
            )
            hats.answer_hat(
                session, standing(session, people[name], team, at), m.id, hat, yes=True, now=at
            )
    other_lead = standing(session, other.leader, other, at)
    _m, token = members.invite(
        session,
        other_lead,
        name="Worker",
        email=people["worker_elsewhere"].email or "",
        kind="worker",
        employment="independent",
        base_url="",
        now=at,
    )
    members.accept_invitation(session, people["worker_elsewhere"], token, now=at)
    for name in ("vetted_worker", "unvetted_worker"):
        profiles.save_profile(session, people[name], profile_values(places, skills), now=at)
    vet(session, fac, people["vetted_worker"], at)

    world = World(
        now=now,
        setup_at=at,
        team=team,
        other_team=other,
        people=people,
        places=places,
        skills=skills,
    )
    for stage in STAGES:
        world.openings[stage] = openings.create_opening(
            session, lead, opening_values(world, f"Opening: {stage.replace('_', ' ')}"), now=at
        )
    worker, leader = people["vetted_worker"], people["leader"]

    def meet(stage: str, by: User, worker_id: int | None = None) -> Interest:
        interest = consent.express_interest(
            session, by, opening_id=world.openings[stage].id, worker_id=worker_id, now=at
        )
        world.interests[stage] = interest
        return interest

    meet("worker_asked", worker)
    meet("team_asked", leader, worker.id)
    for stage in ("mutual", "trial_by_team", "trial_by_worker", "trial_over"):
        interest = meet(stage, worker)
        consent.answer_interest(session, leader, interest.id, yes=True, now=at)
    day = now.replace(hour=10, minute=0, second=0, microsecond=0)
    world.trials["trial_by_team"] = consent.propose_trial(
        session,
        leader,
        world.interests["trial_by_team"].id,
        starts_at=day + timedelta(days=2),
        ends_at=day + timedelta(days=2, hours=2),
        now=at,
    )
    world.trials["trial_by_worker"] = consent.propose_trial(
        session,
        worker,
        world.interests["trial_by_worker"].id,
        starts_at=day + timedelta(days=3),
        ends_at=day + timedelta(days=3, hours=2),
        now=at,
    )
    world.trials["trial_over"] = over = consent.propose_trial(
        session,
        leader,
        world.interests["trial_over"].id,
        starts_at=at + timedelta(days=1),
        ends_at=at + timedelta(days=1, hours=2),
        now=at,
    )
    consent.agree_trial(session, worker, over.id, now=at)
    session.flush()
    return world
