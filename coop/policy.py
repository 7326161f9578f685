"""Who may do what on the platform: plain predicates shared by pages, the API and templates.

Each takes the acting user (None or an anonymous user for someone not signed in)."""

from __future__ import annotations

from typing import Any

from coop.models import User

STAFF_ROLES = frozenset(
    {"facilitator", "safeguarding_lead", "registered_manager", "secretary", "admin"}
)


def _user(actor: Any) -> User | None:
    return actor if isinstance(actor, User) and actor.is_active else None


def is_signed_in(actor: Any) -> bool:
    return _user(actor) is not None


def has_role(actor: Any, role: str) -> bool:
    user = _user(actor)
    return user is not None and user.has_role(role)


def is_staff(actor: Any) -> bool:
    user = _user(actor)
    return user is not None and bool(user.roles & STAFF_ROLES)


def can_invite_staff(actor: Any) -> bool:
    return has_role(actor, "admin")


def can_manage_settings(actor: Any) -> bool:
    return has_role(actor, "admin")


def can_search_audit(actor: Any) -> bool:
    return has_role(actor, "admin")


def can_view_dashboard(actor: Any) -> bool:
    return is_staff(actor)


def can_manage_own_account(actor: Any) -> bool:
    return is_signed_in(actor)
