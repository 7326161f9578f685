"""Factories: people and things for tests, made through the real services where it matters."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from coop.models import User
from coop.passwords import hash_password
from coop.services import accounts

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
        now=now or datetime.now(UTC),
    )
    for key, value in extra.items():
        setattr(made, key, value)
    session.flush()
    return made
