"""Co-op settings: typed values over the defaults that domains register."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from coop.errors import Invalid
from coop.extension import current
from coop.models import Setting, User, UserRole
from coop.registries import SettingSpec
from coop.services import audit

MAX_ID = 2**63 - 1


def spec(name: str) -> SettingSpec:
    try:
        return current().registry.settings[name]
    except KeyError:
        raise KeyError(f"no setting named {name!r} is registered") from None


def get(session: Session, name: str) -> Any:
    """The setting's value, or its default."""
    found = session.get(Setting, name)
    return spec(name).default if found is None else found.value


def all_values(session: Session) -> dict[str, Any]:
    stored = {s.name: s.value for s in session.scalars(select(Setting))}
    return {name: stored.get(name, s.default) for name, s in current().registry.settings.items()}


def parse(session: Session, s: SettingSpec, raw: str | None) -> Any:
    """Turn what was typed into the setting's type. Raises ValueError with a plain message."""
    raw = (raw or "").strip()
    if s.type == "bool":
        return raw in ("on", "true", "1", "yes")
    if s.type == "int":
        try:
            value = int(raw)
        except ValueError:
            raise ValueError("Please enter a whole number.") from None
        if s.minimum is not None and value < s.minimum:
            raise ValueError(f"Please enter {s.minimum} or more.")
        if s.maximum is not None and value > s.maximum:
            raise ValueError(f"Please enter {s.maximum} or less.")
        return value
    if s.type == "choice":
        if raw not in {value for value, _ in s.choices}:
            raise ValueError("Please choose one of the options.")
        return raw
    if s.type == "user":
        if raw == "":
            return None
        try:
            user_id = int(raw)
        except ValueError:
            raise ValueError("Please choose a person from the list.") from None
        if not 1 <= user_id <= MAX_ID:  # the database's integer would overflow
            raise ValueError("Please choose a person from the list.")
        allowed = session.scalar(
            select(User.id)
            .join(UserRole)
            .where(User.id == user_id, User.active.is_(True), UserRole.role == s.role)
        )
        if allowed is None:
            raise ValueError("Please choose a person from the list.")
        return user_id
    if len(raw) > 200:
        raise ValueError("Please keep this to 200 characters.")
    return raw


def update_settings(
    session: Session, actor: User, raw: dict[str, str | None], *, now: datetime
) -> list[str]:
    """Save the settings named in `raw` (as typed into the form). All or nothing: raises Invalid
    with an error per field. Returns the names that changed; audits `settings.changed` with
    those names."""
    errors: dict[str, list[str]] = {}
    parsed: dict[str, Any] = {}
    for name, value in raw.items():
        s = spec(name)
        try:
            parsed[name] = parse(session, s, value)
        except ValueError as exc:
            errors[name] = [str(exc)]
    if errors:
        raise Invalid("The settings were not saved.", errors=errors)
    current = all_values(session)
    changed = [name for name, value in parsed.items() if value != current[name]]
    for name in changed:
        row = session.get(Setting, name)
        if row is None:
            session.add(
                Setting(name=name, value=parsed[name], updated_at=now, updated_by_id=actor.id)
            )
        else:
            row.value, row.updated_at, row.updated_by_id = parsed[name], now, actor.id
    session.flush()
    if changed:
        audit.record(
            session,
            actor,
            "settings.changed",
            "settings",
            None,
            now=now,
            changes={"fields": sorted(changed)},
        )
    return changed


def people_with_role(session: Session, role: str) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(UserRole)
            .where(UserRole.role == role, User.active.is_(True))
            .order_by(User.display_name)
        )
    )
