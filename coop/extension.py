"""What one app owns, kept on the app as `app.extensions["carecoop"]`: its database, time zone,
password hasher, rate limiter, mail, and the registries its domains fill in their `init_app`.

Nothing of an app's lives in a module, so two apps in one process (a test's second worker, a
production and a development app) never see each other's. Code that runs for an app (a request,
a command, the timed job, a test inside `app.app_context()`) finds that app's through `current()`:
pushing an app's context makes its `Carecoop` current, and popping it puts back the one before.
This module knows nothing of Flask, so the services that read the time zone or the registries
stay free of it.
"""

from __future__ import annotations

from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from coop.registries import Registry

if TYPE_CHECKING:
    from flask_limiter import Limiter

    from coop.db import Database
    from coop.passwords import Passwords
    from coop.services.mail import MailBackend


@dataclass(frozen=True)
class Mail:
    """Where the app's e-mail goes, who it is from, and the address its links start with."""

    backend: MailBackend
    sender: str
    base_url: str


@dataclass
class Carecoop:
    db: Database
    zone: ZoneInfo
    passwords: Passwords
    limiter: Limiter
    mail: Mail
    registry: Registry = field(default_factory=Registry)


_current: ContextVar[Carecoop] = ContextVar("carecoop")


def of(app: Any) -> Carecoop:
    """The app's own (`app` is a Flask app)."""
    found: Carecoop = app.extensions["carecoop"]
    return found


def current() -> Carecoop:
    """The app this code runs for. Outside any app's context there is none, and saying so is
    better than guessing: a test that calls a service directly makes the app current first
    (the `db` fixture does, with `activate`)."""
    try:
        return _current.get()
    except LookupError:
        raise RuntimeError(
            "No Carecoop app is active here: run this inside `with app.app_context():`."
        ) from None


def activate(state: Carecoop) -> Token[Carecoop]:
    return _current.set(state)


def deactivate(token: Token[Carecoop]) -> None:
    _current.reset(token)
