"""Factories: people and things for tests, made through the real services where it matters."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from coop.models import ApiToken, Invitation, OutboxMessage, User
from coop.passwords import hash_password
from coop.services import accounts, tokens
from tests.clock import clock_now

_counter = itertools.count(1)
DEFAULT_PASSWORD = "correct-horse-battery-staple-7"
_hash_cache: dict[str, str] = {}


def user(
    session: Session,
    *,
    roles: tuple[str, ...] | list[str] = (),
    password: str = DEFAULT_PASSWORD,
    email: str | None = "",
    username: str | None = None,
    display_name: str | None = None,
    now: datetime | None = None,
    **extra: Any,
) -> User:
    n = next(_counter)
    username = username or f"person{n}"
    if password not in _hash_cache:
        _hash_cache[password] = hash_password(password)
    made = accounts.create_user(
        session,
        None,
        username=username,
        display_name=display_name or f"Person {n}",
        password=password,
        password_hash=_hash_cache[password],
        email=f"{username}@example.org" if email == "" else email,
        roles=roles,
        now=now or clock_now(),
    )
    for key, value in extra.items():
        setattr(made, key, value)
    session.flush()
    return made


def api_token(
    session: Session, owner: User, *, scope: str = "read-write", name: str = "my script"
) -> tuple[ApiToken, str]:
    """A personal API token and its secret, as the account page makes them."""
    return tokens.create_token(session, owner, name=name, scope=scope, now=clock_now())


def invitation(
    session: Session,
    inviter: User,
    *,
    email: str = "newcomer@example.org",
    display_name: str = "Nia Newcomer",
    roles: tuple[str, ...] | list[str] = ("facilitator",),
    now: datetime | None = None,
) -> tuple[Invitation, str]:
    """An invitation and the token from the link in its e-mail (the token is stored nowhere)."""
    made = accounts.invite_staff(
        session,
        inviter,
        email=email,
        display_name=display_name,
        roles=roles,
        base_url="http://localhost",
        now=now or clock_now(),
    )
    body = session.scalars(
        select(OutboxMessage.body)
        .where(OutboxMessage.to_address == made.email)
        .order_by(OutboxMessage.id.desc())
    ).first()
    assert body is not None
    return made, body.split("/join/", 1)[1].split()[0]
