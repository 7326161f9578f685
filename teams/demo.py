"""The teams part of the demo co-op: three teams led by the people they support, one with a
family member as the leader's representative, a worker in two of them, a neighbour and a
volunteer, hats, a support plan with two versions, a private note and an emergency read."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from coop.demo import DemoAccount, ensure_account
from coop.models import User
from teams.models import Team
from teams.policy import Standing
from teams.services import hats, members, records
from teams.services.standing import current_membership, standing

PEOPLE = (
    DemoAccount(
        "margaret",
        "Margaret Hughes",
        "margaret.hughes@carecoop.example",
        "bluebell-teapot-marmalade-27",
        "supported",
        about="leads her own team",
    ),
    DemoAccount(
        "david",
        "David Hughes",
        "david.hughes@carecoop.example",
        "anchor-lemonade-quarry-83",
        "family",
        about="Margaret's son and her representative",
    ),
    DemoAccount(
        "joyce",
        "Joyce Bennett",
        "joyce.bennett@carecoop.example",
        "parsnip-lighthouse-velvet-45",
        "supported",
        about="leads her own team",
    ),
    DemoAccount(
        "imran",
        "Imran Akhtar",
        "imran.akhtar@carecoop.example",
        "copper-tulip-harmonica-61",
        "supported",
        about="leads his own team, just starting",
    ),
    DemoAccount(
        "aisha",
        "Aisha Khan",
        "aisha.khan@carecoop.example",
        "meadow-pancake-trombone-36",
        "worker",
        about="independent worker in two teams",
    ),
    DemoAccount(
        "bill",
        "Bill Turner",
        "bill.turner@carecoop.example",
        "juniper-satchel-compass-58",
        "neighbour",
        about="Margaret's neighbour, holds her rota",
    ),
    DemoAccount(
        "rosa",
        "Rosa Lindqvist",
        "rosa.lindqvist@carecoop.example",
        "origami-thistle-canoe-74",
        "volunteer",
        about="volunteer in Joyce's team",
    ),
)

PLAN_V1 = {
    "about_me": "I taught music at the village school for thirty years. I live with my cat, Biscuit.",
    "what_matters": "Staying in my own home. Seeing my son David on Sundays. Getting out to the garden.",
    "how_to_support": "Please knock and wait: I take a while to get to the door.",
    "health": "Arthritis in both hands. I use a frame indoors.",
    "people_to_contact": "David Hughes (son), first. Dr Patel at the Elm Street surgery.",
}
PLAN_V2 = dict(
    PLAN_V1,
    how_to_support="Please knock and wait: I take a while to get to the door.\n"
    "Help with buttons and jar lids in the morning.\nA cup of tea, milk no sugar, before we start.",
)


def _team(session: Session, leader: User) -> Team | None:
    return session.scalar(select(Team).where(Team.leader_id == leader.id))


def _join(
    session: Session,
    s: Standing,
    person: User,
    kind: str,
    now: datetime,
    *,
    employment: str | None = None,
    sees_records: bool = True,
) -> None:
    if current_membership(session, person, s.team.id, now) is not None:
        return
    _membership, token = members.invite(
        session,
        s,
        name=person.display_name,
        email=person.email or "",
        kind=kind,
        employment=employment,
        sees_records=sees_records,
        base_url="http://127.0.0.1:5000",
        now=now,
    )
    members.accept_invitation(session, person, token, now=now)


def seed(session: Session, now: datetime, made: dict[str, User]) -> list[DemoAccount]:
    people = {a.username: ensure_account(session, a, now) for a in PEOPLE}
    facilitator = made["priya"]
    if _team(session, people["margaret"]) is not None:
        return list(PEOPLE)
    start = now - timedelta(days=40)
    review = date(now.year + 1, now.month, min(now.day, 28))

    # Margaret leads, with her son David as her representative and Bill next door on the rota.
    margaret = members.create_team(
        session, facilitator, name="Margaret's team", leader=people["margaret"], now=start
    )
    s = standing(session, people["margaret"], margaret, start)
    _join(session, s, people["david"], "family", start)
    _join(session, s, people["aisha"], "worker", start, employment="independent")
    _join(session, s, people["bill"], "neighbour", start, sees_records=False)
    m = {x.user_id: x for x in members.members(session, margaret)}
    david_m, bill_m = m[people["david"].id], m[people["bill"].id]
    hats.offer_hat(
        session,
        s,
        david_m.id,
        hat="representative",
        scope_text="Acts with me on everything",
        review_on=review,
        legal_basis="lpa_health",
        legal_reference="OPG LPA 7001-2294-5521",
        now=start,
    )
    hats.offer_hat(
        session,
        s,
        bill_m.id,
        hat="rota_holder",
        scope_text="Weekday visits only",
        review_on=review,
        now=start,
    )
    hats.answer_hat(
        session,
        standing(session, people["david"], margaret, start),
        david_m.id,
        "representative",
        yes=True,
        now=start,
    )
    hats.answer_hat(
        session,
        standing(session, people["bill"], margaret, start),
        bill_m.id,
        "rota_holder",
        yes=True,
        now=start,
    )
    hats.check_representative(
        session,
        standing(session, facilitator, margaret, start),
        next(h.id for h in david_m.hats if h.hat == "representative"),
        now=start,
    )
    members.update_member(session, s, david_m.id, is_contact=True, now=start)
    records.save_plan(session, s, PLAN_V1, base_version=0, now=start)
    s = standing(session, people["david"], margaret, start + timedelta(days=3))
    records.save_plan(session, s, PLAN_V2, base_version=1, now=start + timedelta(days=3))
    records.add_note(
        session,
        standing(session, people["aisha"], margaret, start + timedelta(days=5)),
        body="Margaret mentioned she would like to try the Tuesday lunch club.",
        reader_ids=[david_m.id],
        now=start + timedelta(days=5),
    )
    emergency = standing(session, facilitator, margaret, now - timedelta(days=2))
    records.open_emergency_access(
        session,
        emergency,
        reason="Margaret did not answer the door at her 9am "
        "visit; checking her GP's number and who to call.",
        now=now - timedelta(days=2),
    )
    records.read_plan(
        session,
        standing(session, facilitator, margaret, now - timedelta(days=2)),
        now - timedelta(days=2),
    )

    # Joyce leads her own team, with Aisha and Rosa the volunteer.
    joyce = members.create_team(
        session, facilitator, name="Joyce's team", leader=people["joyce"], now=start
    )
    s = standing(session, people["joyce"], joyce, start)
    _join(session, s, people["aisha"], "worker", start, employment="independent")
    _join(session, s, people["rosa"], "volunteer", start, sees_records=False)

    # Imran is just starting: one invitation still waiting for an answer.
    imran = members.create_team(
        session, facilitator, name="Imran's team", leader=people["imran"], now=now
    )
    members.invite(
        session,
        standing(session, people["imran"], imran, now),
        name="Rosa Lindqvist",
        email="rosa.lindqvist@carecoop.example",
        kind="volunteer",
        base_url="http://127.0.0.1:5000",
        now=now,
    )
    return list(PEOPLE)
