"""One team with every kind of actor DOMAIN.md names, for the permission tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from coop.models import User, UserRole
from teams.models import Membership, Note, Team
from teams.services import hats, members, records
from teams.services.standing import standing
from tests import factories

ACTORS = (
    "leader",
    "representative",
    "rota_holder",
    "plan_holder",
    "introducer",
    "medication_holder",
    "plain_member",
    "worker_elsewhere",
    "facilitator",
    "facilitator_with_access",
    "registered_manager",
    "stranger",
)
HAT_ACTORS = ("rota_holder", "plan_holder", "introducer", "medication_holder")


@dataclass
class World:
    team: Team
    other_team: Team
    people: dict[str, User]
    memberships: dict[str, Membership] = field(default_factory=dict)
    note: Note | None = None
    invitee: User | None = None
    invite_token: str = ""
    offered_to_plain_member: str = "medication_holder"


def build(session: Session, now: datetime) -> World:
    """A team led by `leader`, with a representative, one member wearing each hat, a plain
    member who may not see records, a private note for the plain member, a support plan, a
    facilitator given access, and a pending invitation."""
    people = {
        name: factories.user(
            session, username=name.replace("_", "-"), display_name=name.replace("_", " ").title()
        )
        for name in ACTORS
    }
    for name, role in (
        ("facilitator", "facilitator"),
        ("facilitator_with_access", "facilitator"),
        ("registered_manager", "registered_manager"),
    ):
        people[name].role_rows.append(UserRole(role=role))
    setup = factories.user(session, username="setup-facilitator", roles=["facilitator"])
    session.flush()
    team = members.create_team(
        session, setup, name="Leader's team", leader=people["leader"], now=now
    )
    other = members.create_team(
        session, setup, name="Another team", leader=factories.user(session), now=now
    )
    lead = standing(session, people["leader"], team, now)
    world = World(team=team, other_team=other, people=people)
    for name in ("representative", *HAT_ACTORS, "plain_member"):
        kind = "family" if name == "representative" else "volunteer"
        m, token = members.invite(
            session,
            lead,
            name=name,
            email=people[name].email or "",
            kind=kind,
            sees_records=name in ("representative", "plan_holder"),
            base_url="",
            now=now,
        )
        members.accept_invitation(session, people[name], token, now=now)
        world.memberships[name] = m
    world.memberships["leader"] = next(
        m for m in team.memberships if m.user_id == people["leader"].id
    )
    other_lead = standing(session, other.leader, other, now)
    m, token = members.invite(
        session,
        other_lead,
        name="Worker",
        email=people["worker_elsewhere"].email or "",
        kind="worker",
        employment="independent",
        base_url="",
        now=now,
    )
    members.accept_invitation(session, people["worker_elsewhere"], token, now=now)
    review = date(now.year + 1, 1, 31)
    for name, hat in (("representative", "representative"), *((h, h) for h in HAT_ACTORS)):
        hats.offer_hat(
            session,
            lead,
            world.memberships[name].id,
            hat=hat,
            scope_text="Everything",
            review_on=review,
            legal_basis="own_choice" if hat == "representative" else None,
            now=now,
        )
        hats.answer_hat(
            session,
            standing(session, people[name], team, now),
            world.memberships[name].id,
            hat,
            yes=True,
            now=now,
        )
    # A hat offered to the plain member and not yet answered.
    hats.offer_hat(
        session,
        lead,
        world.memberships["plain_member"].id,
        hat="medication_holder",
        scope_text="Tablets only",
        review_on=review,
        now=now,
    )
    records.save_plan(session, lead, {"about_me": "PLAN-SECRET about me"}, base_version=0, now=now)
    world.note = records.add_note(
        session,
        lead,
        body="NOTE-SECRET for the plain member",
        reader_ids=[world.memberships["plain_member"].id],
        now=now,
    )
    records.grant_access(
        session,
        lead,
        facilitator_id=people["facilitator_with_access"].id,
        until=(now + timedelta(days=7)).date(),
        now=now,
    )
    world.invitee = factories.user(session, username="invitee")
    _m, world.invite_token = members.invite(
        session,
        lead,
        name="Invitee",
        email=world.invitee.email or "",
        kind="neighbour",
        base_url="",
        now=now,
    )
    session.flush()
    return world
