"""The demo co-op that a newcomer meets after `make run`: believable people, plain names, the
same passwords on every run. Each domain adds its part to the app's registry (`Registry.add_demo_part`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from coop.models import User
from coop.services import accounts, settings


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    email: str
    password: str
    role: str
    roles: tuple[str, ...] = ()
    about: str = ""


STAFF = (
    DemoAccount(
        "alex",
        "Alex Morgan",
        "alex.morgan@carecoop.example",
        "lantern-orchard-harbour-71",
        "admin",
        ("admin",),
    ),
    DemoAccount(
        "priya",
        "Priya Shah",
        "priya.shah@carecoop.example",
        "kettle-meadow-violin-38",
        "facilitator",
        ("facilitator",),
    ),
    DemoAccount(
        "tom",
        "Tom Okafor",
        "tom.okafor@carecoop.example",
        "pebble-cinnamon-glacier-52",
        "safeguarding_lead",
        ("safeguarding_lead",),
    ),
    DemoAccount(
        "grace",
        "Grace Miller",
        "grace.miller@carecoop.example",
        "thimble-saffron-canyon-64",
        "registered_manager",
        ("registered_manager",),
    ),
    DemoAccount(
        "sam",
        "Sam Whitfield",
        "sam.whitfield@carecoop.example",
        "walnut-harbour-comet-19",
        "secretary",
        ("secretary",),
    ),
)


def ensure_account(session: Session, account: DemoAccount, now: datetime) -> User:
    """The demo account, made once; a second run finds it and changes nothing."""
    user = session.scalar(select(User).where(User.username == account.username))
    if user is None:
        user = accounts.create_user(
            session,
            None,
            username=account.username,
            display_name=account.display_name,
            password=account.password,
            email=account.email,
            roles=account.roles,
            now=now,
        )
    return user


def seed(
    session: Session,
    now: datetime,
    parts: Iterable[Callable[[Session, datetime, dict[str, User]], list[DemoAccount]]],
) -> list[DemoAccount]:
    """Load the demo co-op (the staff, then each domain's part, as the app's registry lists
    them); running it again adds nothing. Returns every demo account."""
    made = {a.username: ensure_account(session, a, now) for a in STAFF}
    if settings.get(session, "on_call_facilitator") is None:
        settings.update_settings(
            session, made["alex"], {"on_call_facilitator": str(made["priya"].id)}, now=now
        )
    listed = {a.username: a for a in STAFF}
    for part in parts:
        for account in part(session, now, made):
            # Later parts find earlier parts' people by username (a demo person is one account).
            # Someone an earlier part made keeps that part's e-mail and password, so each person
            # is listed once, as first made, and every printed sign-in works.
            listed.setdefault(account.username, account)
            made.setdefault(account.username, ensure_account(session, account, now))
    return list(listed.values())
