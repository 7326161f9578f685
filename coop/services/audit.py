"""The audit trail and the access log, written in the same transaction as the change."""

from __future__ import annotations

import re
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from coop.models import AccessEvent, AuditEvent, User

#: The request id of the request being served, set by the web layer (None from the CLI).
request_id: ContextVar[str | None] = ContextVar("carecoop_request_id", default=None)

# What an audit entry may say about a change: ids, numbers, flags and names of fields or
# states. Free text (a plan, a note, a reason) cannot match this, so it cannot leak in.
_TOKEN = re.compile(r"^[A-Za-z0-9_.:@+-]{0,64}$")


def _check_value(key: str, value: Any) -> None:
    if value is None or isinstance(value, bool | int):
        return
    if isinstance(value, str) and _TOKEN.match(value):
        return
    if isinstance(value, list | tuple):
        for item in value:
            _check_value(key, item)
        return
    raise ValueError(
        f"audit change {key!r} must be ids, numbers or field names, not {type(value).__name__}"
    )


def record(
    session: Session,
    actor: User | None,
    action: str,
    object_type: str,
    object_id: int | None,
    *,
    now: datetime,
    changes: dict[str, Any] | None = None,
    acting_for: User | None = None,
    scope: str | None = None,
) -> AuditEvent:
    """Append an audit event. Raises ValueError if `changes` holds anything but ids, numbers
    and field names."""
    changes = dict(changes or {})
    for key, value in changes.items():
        _check_value(key, value)
    event = AuditEvent(
        at=now,
        actor=actor,
        acting_for=acting_for,
        action=action,
        object_type=object_type,
        object_id=object_id,
        changes=changes,
        scope=scope,
        request_id=request_id.get(),
    )
    session.add(event)
    session.flush()
    return event


def record_access(
    session: Session,
    reader: User,
    subject: User,
    *,
    what: str,
    record_type: str,
    record_id: int | None,
    basis: str,
    reason: str | None,
    now: datetime,
) -> AccessEvent:
    """Log a read of `subject`'s private records by someone outside their team."""
    event = AccessEvent(
        at=now,
        reader_id=reader.id,
        subject_user_id=subject.id,
        what=what,
        record_type=record_type,
        record_id=record_id,
        basis=basis,
        reason=reason,
    )
    session.add(event)
    session.flush()
    return event
