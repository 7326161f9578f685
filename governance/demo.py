"""The demo co-op's democracy: twenty members in all four classes, the register of officers,
one closed proposal with its result, one open proposal waiting for votes, and the last annual
meeting with its agenda, attendance and published minutes.

Every member but the credit union has an account, so a newcomer can sign in as any of them
and vote. Running it twice adds nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from coop.demo import DemoAccount, ensure_account
from coop.models import User
from governance.models import Meeting, Member, Officer, Proposal
from governance.services import ballots, meetings, officers, proposals, register

# (username, name, class, password); the password is the same on every run.
PEOPLE = (
    ("margaret", "Margaret Hughes", "supported", "copper-willow-lantern-24"),
    ("dev", "Dev Patel", "supported", "harbour-thistle-marble-37"),
    ("eileen", "Eileen O'Connor", "supported", "saddle-orchid-beacon-45"),
    ("joseph", "Joseph Mensah", "supported", "velvet-quarry-sparrow-58"),
    ("fiona", "Fiona Campbell", "advocate", "maple-cobalt-ferry-62"),
    ("nadia", "Nadia Rahman", "advocate", "pillow-granite-heron-71"),
    ("colin", "Colin Baker", "advocate", "tulip-anchor-meadow-83"),
    ("ruth", "Ruth Adeyemi", "advocate", "cedar-lantern-puffin-96"),
    ("kwame", "Kwame Boateng", "worker", "amber-violin-harbour-15"),
    ("hannah", "Hannah Lewis", "worker", "juniper-kettle-summit-26"),
    ("liwei", "Li Wei", "worker", "pepper-glacier-willow-34"),
    ("siobhan", "Siobhan Kelly", "worker", "orbit-thimble-meadow-47"),
    ("marek", "Marek Nowak", "worker", "lagoon-biscuit-falcon-59"),
    ("rosa", "Rosa Martinez", "worker", "canyon-walnut-poppy-68"),
    ("peter", "Peter Grant", "investor", "saffron-ladder-otter-77"),
    ("anita", "Anita Desai", "investor", "harvest-pebble-raven-88"),
    ("olu", "Olu Adebayo", "investor", "violet-compass-badger-93"),
    ("gwen", "Gwen Thomas", "investor", "meadow-rocket-sable-12"),
)
ADDRESSES = (
    "4 Mill Lane, Hebden Bridge HX7 8AB",
    "12 Station Road, Todmorden OL14 5DG",
    None,
    "27 Albert Street, Halifax HX1 1PQ",
)
CLOSED_TITLE = "Adopt the annual accounts for 2025"
OPEN_TITLE = "Hold this year's annual meeting in Hebden Bridge"
# Who voted on the closed proposal, and how.
CLOSED_VOTES = {
    "margaret": "for",
    "dev": "for",
    "eileen": "against",
    "joseph": "for",
    "fiona": "for",
    "nadia": "abstain",
    "colin": "for",
    "kwame": "for",
    "hannah": "for",
    "liwei": "against",
    "siobhan": "for",
    "peter": "for",
    "anita": "against",
    "olu": "for",
}
OPEN_VOTES = {"dev": "for", "fiona": "against", "kwame": "for", "peter": "for"}
MEETING_TITLE = "Annual general meeting"
MEETING_PRESENT = {
    "margaret": "in-person",
    "dev": "proxy",
    "fiona": "in-person",
    "nadia": "in-person",
    "kwame": "in-person",
    "hannah": "in-person",
    "liwei": "proxy",
    "siobhan": "in-person",
    "peter": "in-person",
    "anita": "proxy",
    "ruth": "in-person",
}
MINUTES = (
    "Ruth Adeyemi chaired; 11 members were present in person or by proxy, so the meeting was "
    "quorate.\nThe board presented the accounts for the year to 31 March; members asked about "
    "pay for worker members and the cost of training.\nMembers agreed to vote on the accounts "
    "online over the following week."
)


def seed_governance(session: Session, now: datetime, made: dict[str, User]) -> list[DemoAccount]:
    """The demo co-op's register, officers and two proposals (idempotent)."""
    key = current_app.config["CARECOOP_BALLOT_HMAC_KEY"]
    sam = made["sam"]
    accounts = [
        DemoAccount(u, name, f"{u}@members.carecoop.example", password, f"{cls} member")
        for u, name, cls, password in PEOPLE
    ]
    users = {a.username: ensure_account(session, a, now) for a in accounts}
    joined = now - timedelta(days=400)
    for i, (username, name, member_class, _pw) in enumerate(PEOPLE):
        user = users[username]
        if session.scalar(select(Member).where(Member.user_id == user.id)) is None:
            register.add_member(
                session,
                sam,
                user_id=user.id,
                name=name,
                member_class=member_class,
                postal_address=ADDRESSES[i % len(ADDRESSES)],
                email=user.email,
                email_use="notices-and-news" if i % 3 == 0 else "notices",
                shares_held=1 if member_class != "investor" else 250,
                shares_paid_pence=100 if member_class != "investor" else 25_000,
                now=joined,
            )
    if session.scalar(select(Member).where(Member.user_id == sam.id)) is None:
        register.add_member(
            session,
            sam,
            user_id=sam.id,
            name=sam.display_name,
            member_class="worker",
            email=sam.email,
            shares_held=1,
            shares_paid_pence=100,
            now=joined,
        )
    if session.scalar(select(Member).where(Member.name == "Calder Valley Credit Union")) is None:
        register.add_member(
            session,
            sam,
            name="Calder Valley Credit Union",
            member_class="investor",
            email="treasurer@caldervalleycu.example",
            shares_held=1000,
            shares_paid_pence=100_000,
            loans_pence=500_000,
            now=joined,
        )
    if session.scalar(select(Officer).where(Officer.ended_at.is_(None))) is None:
        for user, office in (
            (sam, "secretary"),
            (users["ruth"], "chair"),
            (users["kwame"], "treasurer"),
        ):
            officers.appoint_officer(session, sam, user_id=user.id, office=office, now=joined)

    if session.scalar(select(Proposal).where(Proposal.title == CLOSED_TITLE)) is None:
        start = now - timedelta(days=21)
        closed = proposals.create_proposal(
            session,
            sam,
            title=CLOSED_TITLE,
            kind="ordinary",
            secret=True,
            body="The board asks members to adopt the accounts for the year to 31 March 2025, "
            "as presented at the annual meeting.",
            opens_at=start,
            closes_at=now - timedelta(days=14),
            now=start - timedelta(days=1),
        )
        proposals.open_proposal(session, sam, closed.id, now=start)
        for hours, (username, choice) in enumerate(CLOSED_VOTES.items()):
            ballots.cast_ballot(
                session,
                users[username],
                closed.id,
                choice=choice,
                key=key,
                now=start + timedelta(hours=hours + 1),
            )
        proposals.close_proposal(session, closed.id, now=now - timedelta(days=14))

    if session.scalar(select(Proposal).where(Proposal.title == OPEN_TITLE)) is None:
        start = now - timedelta(days=2)
        current = proposals.create_proposal(
            session,
            sam,
            title=OPEN_TITLE,
            kind="ordinary",
            secret=True,
            body="The board proposes to hold this year's annual meeting at the Town Hall in "
            "Hebden Bridge on a Saturday morning, with a phone line for members who cannot come.",
            opens_at=start,
            closes_at=now + timedelta(days=12),
            now=start - timedelta(hours=1),
        )
        proposals.open_proposal(session, sam, current.id, now=start)
        for hours, (username, choice) in enumerate(OPEN_VOTES.items()):
            ballots.cast_ballot(
                session,
                users[username],
                current.id,
                choice=choice,
                key=key,
                now=start + timedelta(hours=hours + 1),
            )

    if session.scalar(select(Meeting).where(Meeting.title == MEETING_TITLE)) is None:
        _seed_meeting(session, sam, users, now)
    return accounts


def _seed_meeting(session: Session, sam: User, users: dict[str, User], now: datetime) -> None:
    """Last annual meeting: its agenda (with the accounts resolution), who came, the minutes."""
    held = (now - timedelta(days=22)).replace(hour=10, minute=0, second=0, microsecond=0)
    meeting = meetings.create_meeting(
        session,
        sam,
        kind="annual",
        title=MEETING_TITLE,
        starts_at=held,
        place="Town Hall, St George's Square, Hebden Bridge HX7 7BY (and by phone)",
        notice_sent_on=(held - timedelta(days=21)).date(),
        now=held - timedelta(days=22),
    ).meeting
    accounts = session.scalar(select(Proposal).where(Proposal.title == CLOSED_TITLE))
    for text, proposal_id in (
        ("Welcome, and apologies", None),
        ("The board's report and the accounts", accounts.id if accounts else None),
        ("Questions from members", None),
    ):
        meetings.add_agenda_item(
            session, sam, meeting.id, text=text, proposal_id=proposal_id, now=held
        )
    by_user = {m.user_id: m for m in session.scalars(select(Member))}
    for username, how in MEETING_PRESENT.items():
        meetings.record_attendance(
            session, sam, meeting.id, member_id=by_user[users[username].id].id, how=how, now=held
        )
    meetings.save_minutes(
        session, sam, meeting.id, minutes=MINUTES, publish=True, now=held + timedelta(days=2)
    )
