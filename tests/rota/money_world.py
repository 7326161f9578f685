"""A team for the money, working-time, calendar and figures tests: Margaret leads it; her
representative (a family member who is also paid, as an independent worker), a rota holder, an
employed worker (Emma) and an independent one (Ivan); a facilitator and a stranger. Visits are
made either through the real services or, for the past, written as rows with `add_visit`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from coop.models import Setting, User, UserRole
from rota.models import PayRate, Visit, VisitLog
from teams.models import Membership, Team
from teams.policy import Standing
from teams.services import hats, members
from teams.services.standing import standing
from tests import factories
from tests.conftest import NOW

MEMBERS = {
    # actor: (kind, employment, hat)
    "representative": ("worker", "independent", "representative"),
    "rota_holder": ("volunteer", None, "rota_holder"),
    "emma": ("worker", "employed", None),
    "ivan": ("worker", "independent", None),
}
NAMES = {
    "leader": "Margaret Okafor",
    "representative": "Rita Okafor",
    "rota_holder": "Rosa Holder",
    "emma": "Emma Employed",
    "ivan": "Ivan Independent",
    "facilitator": "Fay Facilitator",
    "stranger": "Sam Stranger",
}


@dataclass
class MoneyWorld:
    team: Team
    people: dict[str, User]
    memberships: dict[str, Membership] = field(default_factory=dict)

    def s(self, session: Session, actor: str, now: datetime = NOW) -> Standing:
        return standing(session, self.people[actor], self.team, now)


def build(session: Session, now: datetime = NOW) -> MoneyWorld:
    people = {
        actor: factories.user(
            session, username=f"money-{actor.replace('_', '-')}", display_name=name
        )
        for actor, name in NAMES.items()
    }
    people["facilitator"].role_rows.append(UserRole(role="facilitator"))
    setup = factories.user(session, roles=["facilitator"])
    session.flush()
    team = members.create_team(
        session, setup, name="Margaret's team", leader=people["leader"], now=now
    )
    world = MoneyWorld(team=team, people=people)
    lead = standing(session, people["leader"], team, now)
    for actor, (kind, employment, _hat) in MEMBERS.items():
        m, token = members.invite(
            session,
            lead,
            name=NAMES[actor],
            email=people[actor].email or "",
            kind=kind,
            employment=employment,
            base_url="",
            now=now,
        )
        members.accept_invitation(session, people[actor], token, now=now)
        world.memberships[actor] = m
    for actor, (_kind, _employment, hat) in MEMBERS.items():
        if hat is None:
            continue
        hats.offer_hat(
            session,
            lead,
            world.memberships[actor].id,
            hat=hat,
            scope_text="Everything",
            review_on=date(now.year + 1, 6, 30),
            legal_basis="own_choice" if hat == "representative" else None,
            now=now,
        )
        hats.answer_hat(
            session,
            standing(session, people[actor], team, now),
            world.memberships[actor].id,
            hat,
            yes=True,
            now=now,
        )
    session.flush()
    return world


def add_team(
    session: Session,
    world: MoneyWorld,
    name: str,
    leader_name: str,
    workers: dict[str, str],
    now: datetime = NOW,
) -> Team:
    """Another team, led by someone new, with these workers (actor: employment) joining it."""
    setup = factories.user(session, roles=["facilitator"])
    leader = factories.user(session, display_name=leader_name)
    team = members.create_team(session, setup, name=name, leader=leader, now=now)
    lead = standing(session, leader, team, now)
    for actor, employment in workers.items():
        if actor not in world.people:
            world.people[actor] = factories.user(session, display_name=actor.title())
        _m, token = members.invite(
            session,
            lead,
            name=actor,
            email=world.people[actor].email or "",
            kind="worker",
            employment=employment,
            base_url="",
            now=now,
        )
        members.accept_invitation(session, world.people[actor], token, now=now)
    session.flush()
    return team


def set_rate(
    session: Session,
    world: MoneyWorld,
    actor: str,
    pence: int,
    effective_from: date,
    team: Team | None = None,
) -> None:
    session.add(
        PayRate(
            user_id=world.people[actor].id,
            team_id=(team or world.team).id,
            hourly_pence=pence,
            effective_from=effective_from,
        )
    )
    session.flush()


def set_setting(session: Session, name: str, value: object) -> None:
    session.merge(Setting(name=name, value=value, updated_at=NOW, updated_by_id=None))
    session.flush()


def add_visit(
    session: Session,
    world: MoneyWorld,
    worker: str | None,
    start: datetime,
    minutes: int,
    *,
    status: str = "accepted",
    arrived: datetime | None = None,
    left: datetime | None = None,
    log: str | None = None,
    cancelled_at: datetime | None = None,
    kind: str = "visit",
    team: Team | None = None,
    notes: str = "",
) -> Visit:
    """A visit row as the rota would leave it: booked (or open), perhaps arrived and left, with
    a visit log in state `log` (written, confirmed, queried) or none."""
    person = world.people[worker] if worker else None
    visit = Visit(
        team_id=(team or world.team).id,
        worker_id=person.id if person else None,
        kind=kind,
        status="open" if person is None else status,
        starts_at=start,
        ends_at=start + timedelta(minutes=minutes),
        notes=notes,
        sequence=0,
        created_at=NOW,
        created_by_id=world.people["leader"].id,
        updated_at=NOW,
        arrived_at=arrived,
        left_at=left,
        cancelled_at=cancelled_at,
    )
    session.add(visit)
    session.flush()
    if log is not None and person is not None:
        session.add(
            VisitLog(
                visit_id=visit.id,
                author_id=person.id,
                what_was_done="Lunch",
                status=log,
                written_at=visit.ends_at,
            )
        )
        session.flush()
    return visit
