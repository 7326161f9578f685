"""Visits through the service layer: planning, answering, joining, changing, cancelling, and the
409 for a double booking, which gives the clash's times only. `build` makes the team every rota
test uses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from coop.errors import Conflict, Forbidden, Invalid, NotFound
from coop.models import User, UserRole
from rota.models import Visit
from rota.services import visits
from rota.services.booking import DoubleBooking
from teams.models import Membership, Team
from teams.services import hats, members
from teams.services.standing import standing
from tests import factories
from tests.conftest import NOW, audited, mails_to

ACTORS = (
    "leader",
    "representative",
    "rota_holder",
    "plan_holder",
    "booked_worker",
    "other_bookable",
    "not_bookable",
    "worker_elsewhere",
    "facilitator",
    "stranger",
)
# Tomorrow morning, and the day after, in the co-op's zone (NOW is Wed 25 Nov 2026, 10:00 UTC).
MORNING = datetime(2026, 11, 26, 9, 0, tzinfo=NOW.tzinfo)
AFTERNOON = datetime(2026, 11, 27, 14, 0, tzinfo=NOW.tzinfo)


@dataclass
class RotaWorld:
    team: Team
    other_team: Team
    people: dict[str, User]
    memberships: dict[str, Membership] = field(default_factory=dict)

    def s(self, session: Session, actor: str, team: Team | None = None):
        return standing(session, self.people[actor], team or self.team, NOW)


def build(session: Session, now: datetime = NOW) -> RotaWorld:
    """A team led by `leader`: a representative, a rota holder, a plan holder (another hat), two
    workers who can be booked, a neighbour who cannot; another team with its own worker (who is
    also bookable in... nothing here) and a second leader; a facilitator and a stranger."""
    people = {
        a: factories.user(
            session,
            username=f"rota-{a.replace('_', '-')}",
            display_name=a.replace("_", " ").title(),
        )
        for a in ACTORS
    }
    people["facilitator"].role_rows.append(UserRole(role="facilitator"))
    setup = factories.user(session, roles=["facilitator"])
    session.flush()
    team = members.create_team(
        session, setup, name="Margaret's team", leader=people["leader"], now=now
    )
    other_leader = factories.user(session, display_name="Other Leader")
    other = members.create_team(
        session, setup, name="Secret other team", leader=other_leader, now=now
    )
    world = RotaWorld(team=team, other_team=other, people=people)
    people["other_leader"] = other_leader
    lead = standing(session, people["leader"], team, now)
    kinds = {
        "representative": "family",
        "rota_holder": "volunteer",
        "plan_holder": "volunteer",
        "booked_worker": "worker",
        "other_bookable": "worker",
        "not_bookable": "neighbour",
    }
    for actor, kind in kinds.items():
        m, token = members.invite(
            session,
            lead,
            name=actor,
            email=people[actor].email or "",
            kind=kind,
            employment="independent" if kind == "worker" else None,
            base_url="",
            now=now,
        )
        members.accept_invitation(session, people[actor], token, now=now)
        world.memberships[actor] = m
    review = date(now.year + 1, 6, 30)
    for actor in ("representative", "rota_holder", "plan_holder"):
        hats.offer_hat(
            session,
            lead,
            world.memberships[actor].id,
            hat=actor,
            scope_text="Everything",
            review_on=review,
            legal_basis="own_choice" if actor == "representative" else None,
            now=now,
        )
        hats.answer_hat(
            session,
            standing(session, people[actor], team, now),
            world.memberships[actor].id,
            actor,
            yes=True,
            now=now,
        )
    other_lead = standing(session, other_leader, other, now)
    m, token = members.invite(
        session,
        other_lead,
        name="Elsewhere",
        email=people["worker_elsewhere"].email or "",
        kind="worker",
        employment="independent",
        base_url="",
        now=now,
    )
    members.accept_invitation(session, people["worker_elsewhere"], token, now=now)
    world.memberships["worker_elsewhere"] = m
    session.flush()
    return world


def plan(
    session: Session,
    world: RotaWorld,
    start: datetime = MORNING,
    minutes: int = 60,
    worker: str | None = "booked_worker",
    by: str = "rota_holder",
    team: Team | None = None,
) -> Visit:
    planner = by if team is None else "other_leader"
    s = standing(session, world.people[planner], team or world.team, NOW)
    return visits.plan_visit(
        session,
        s,
        starts_at=start,
        ends_at=start + timedelta(minutes=minutes),
        worker_id=world.people[worker].id if worker else None,
        now=NOW,
    ).visit


@pytest.fixture
def world(session: Session) -> RotaWorld:
    return build(session)


# Planning ----------------------------------------------------------------------------------------


def test_the_rota_holder_offers_a_visit_and_the_worker_is_told(session, world):
    visit = plan(session, world)
    assert (visit.status, visit.worker_id) == ("offered", world.people["booked_worker"].id)
    assert (
        audited(
            session,
            "visit.planned",
            actor=world.people["rota_holder"],
            object_type="visit",
            object_id=visit.id,
        ).scope
        == f"team:{world.team.id}"
    )
    assert any(
        "offered" in m.subject for m in mails_to(session, world.people["booked_worker"].email or "")
    )


def test_a_visit_with_nobody_is_open(session, world):
    assert plan(session, world, worker=None).status == "open"


def test_someone_the_team_cannot_book_is_refused(session, world):
    with pytest.raises(Invalid) as refused:
        plan(session, world, worker="not_bookable")
    assert "worker_id" in refused.value.errors
    with pytest.raises(Invalid):
        plan(session, world, worker="worker_elsewhere")


def test_a_plain_member_cannot_plan(session, world):
    with pytest.raises(Forbidden):
        plan(session, world, by="plan_holder")


def test_times_must_make_sense(session, world):
    s = world.s(session, "leader")
    with pytest.raises(Invalid):
        visits.plan_visit(session, s, starts_at=MORNING, ends_at=MORNING, now=NOW)
    with pytest.raises(Invalid):
        visits.plan_visit(
            session, s, starts_at=MORNING, ends_at=MORNING + timedelta(hours=25), now=NOW
        )


# Never double booked -----------------------------------------------------------------------------


def test_a_clash_in_another_team_is_a_409_with_the_clash_times_only(session, world):
    members.update_member(
        session,
        standing(session, world.people["other_leader"], world.other_team, NOW),
        world.memberships["worker_elsewhere"].id,
        bookable=True,
        now=NOW,
    )
    # The booked worker joins the other team too, and is booked there first.
    other_lead = standing(session, world.people["other_leader"], world.other_team, NOW)
    _m, token = members.invite(
        session,
        other_lead,
        name="W",
        email=world.people["booked_worker"].email or "",
        kind="worker",
        employment="independent",
        base_url="",
        now=NOW,
    )
    members.accept_invitation(session, world.people["booked_worker"], token, now=NOW)
    first = plan(session, world, team=world.other_team)
    first.notes = "Secret notes of the other team"
    session.flush()
    with pytest.raises(DoubleBooking) as refused:
        plan(session, world, start=MORNING + timedelta(minutes=30))
    assert refused.value.status == 409
    detail = refused.value.detail
    assert "09:00 to 10:00" in detail and "Thu 26 Nov 2026" in detail
    assert "Secret" not in detail and "Other Leader" not in detail and "team" not in detail.lower()
    # Half-open: a visit that starts as the other ends is fine.
    assert plan(session, world, start=MORNING + timedelta(hours=1)).status == "offered"


def test_a_cancelled_or_declined_visit_does_not_block(session, world):
    first = plan(session, world)
    visits.answer_visit(session, world.s(session, "booked_worker"), first, yes=False, now=NOW)
    assert plan(session, world).status == "offered"


# Answering and joining ---------------------------------------------------------------------------


def test_the_worker_accepts_once_and_a_second_click_is_a_409(session, world):
    visit = plan(session, world)
    s = world.s(session, "booked_worker")
    visits.answer_visit(session, s, visit, yes=True, now=NOW)
    assert visit.status == "accepted" and visit.sequence == 1
    with pytest.raises(Forbidden):
        visits.answer_visit(session, s, visit, yes=True, now=NOW)


def test_only_the_person_offered_answers(session, world):
    visit = plan(session, world)
    with pytest.raises(Forbidden):
        visits.answer_visit(session, world.s(session, "other_bookable"), visit, yes=True, now=NOW)


def test_joining_an_open_visit_first_come_first_served(session, world):
    visit = plan(session, world, worker=None)
    visits.join_visit(session, world.s(session, "other_bookable"), visit, now=NOW)
    assert (visit.status, visit.worker_id) == ("accepted", world.people["other_bookable"].id)
    with pytest.raises(Conflict):  # the second to join is told it has gone, as a 409
        visits.join_visit(session, world.s(session, "booked_worker"), visit, now=NOW)


def test_joining_when_busy_is_a_double_booking(session, world):
    plan(session, world)
    visit = plan(session, world, worker=None, start=MORNING + timedelta(minutes=15))
    with pytest.raises(DoubleBooking):
        visits.join_visit(session, world.s(session, "booked_worker"), visit, now=NOW)


def test_someone_who_cannot_be_booked_cannot_join(session, world):
    visit = plan(session, world, worker=None)
    with pytest.raises(Forbidden):
        visits.join_visit(session, world.s(session, "not_bookable"), visit, now=NOW)


# Changing and cancelling -------------------------------------------------------------------------


def test_changing_the_person_offers_it_afresh_and_audits_field_names(session, world):
    visit = plan(session, world)
    visits.answer_visit(session, world.s(session, "booked_worker"), visit, yes=True, now=NOW)
    visits.change_visit(
        session,
        world.s(session, "leader"),
        visit,
        now=NOW,
        worker_id=world.people["other_bookable"].id,
    )
    assert (visit.status, visit.worker_id) == ("offered", world.people["other_bookable"].id)
    event = audited(
        session,
        "visit.changed",
        actor=world.people["leader"],
        object_type="visit",
        object_id=visit.id,
    )
    assert event.changes["fields"] == ["worker_id"]


def test_moving_a_visit_onto_a_clash_is_refused_and_nothing_changes(session, world):
    plan(session, world)
    later = plan(session, world, start=AFTERNOON)
    with pytest.raises(DoubleBooking):
        visits.change_visit(
            session,
            world.s(session, "leader"),
            later,
            now=NOW,
            starts_at=MORNING,
            ends_at=MORNING + timedelta(hours=1),
        )
    session.expire_all()
    assert session.get(Visit, later.id).starts_at == AFTERNOON


def test_cancelling_tells_the_person_booked(session, world):
    visit = plan(session, world)
    visits.cancel_visit(session, world.s(session, "representative"), visit, now=NOW)
    assert visit.status == "cancelled"
    subjects = [m.subject for m in mails_to(session, world.people["booked_worker"].email or "")]
    assert "A visit has been cancelled" in subjects
    with pytest.raises(Forbidden):
        visits.cancel_visit(session, world.s(session, "leader"), visit, now=NOW)


def test_a_stale_change_is_a_409(session, world):
    visit = plan(session, world)
    session.execute(Visit.__table__.update().where(Visit.id == visit.id).values(status="declined"))
    with pytest.raises(Conflict):
        visits.change_visit(session, world.s(session, "leader"), visit, now=NOW, notes="New")


# Seeing visits -----------------------------------------------------------------------------------


def test_a_stranger_or_another_teams_worker_cannot_find_a_visit(session, world):
    visit = plan(session, world)
    for actor in ("stranger", "worker_elsewhere"):
        with pytest.raises(NotFound):
            visits.find_visit(session, world.people[actor], visit.id, NOW)


def test_a_worker_who_left_still_sees_their_own_past_visit(session, world):
    visit = plan(session, world)
    membership = world.memberships["booked_worker"]
    membership.status, membership.leaves_at = "left", NOW
    session.flush()
    found, s = visits.find_visit(
        session, world.people["booked_worker"], visit.id, NOW + timedelta(days=2)
    )
    assert found.id == visit.id and not s.is_member


def test_my_visits_lists_mine_and_the_open_ones_i_could_take(session, world):
    mine = plan(session, world)
    open_one = plan(session, world, worker=None, start=AFTERNOON)
    plan(session, world, worker="other_bookable", start=AFTERNOON + timedelta(hours=3))
    found = visits.my_visits(session, world.people["booked_worker"], NOW, NOW + timedelta(days=14))
    assert [v.id for v in found] == [mine.id, open_one.id]
    assert (
        visits.my_visits(session, world.people["not_bookable"], NOW, NOW + timedelta(days=14)) == []
    )


def test_leaving_cancels_future_visits(session, world):
    visit = plan(session, world)
    members.leave(
        session,
        world.s(session, "booked_worker"),
        leaves_at=NOW,
        handover_note="All in the folder",
        now=NOW,
    )
    session.expire_all()
    assert session.scalar(select(Visit.status).where(Visit.id == visit.id)) == "cancelled"
