"""The in-app inbox: every notification lands here, and by e-mail through the outbox when the
person has an address."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from coop.errors import NotFound
from coop.extension import current
from coop.models import Notification, User
from coop.services.mail import queue_mail


def notify(
    session: Session,
    people: User | Iterable[User | None] | None,
    *,
    subject: str,
    body: str,
    now: datetime,
    link: str | None = None,
) -> list[Notification]:
    """Tell each person (once, however often they are listed): a row in their inbox, and an
    e-mail in the outbox when they have an address. The body is plain words, addressed to no
    one in particular, so that the same text reads well in both places."""
    if people is None or isinstance(people, User):
        people = [people]
    seen: set[int] = set()
    told: list[tuple[User, Notification]] = []
    for person in people:
        if person is None or person.id in seen or not person.active:
            continue
        seen.add(person.id)
        told.append(
            (
                person,
                Notification(
                    user_id=person.id, subject=subject, body=body, link=link, created_at=now
                ),
            )
        )
    session.add_all(n for _, n in told)
    session.flush()
    base = current().mail.base_url  # CARECOOP_BASE_URL: the e-mail links to the message
    for person, note in told:
        if not person.email:
            continue
        # Through the inbox, so that following the e-mail marks the message read too.
        where = (
            f"Read more here:\n{base.rstrip('/')}/inbox/{note.id}\n"
            if base and link
            else "You can also read this in your Carecoop inbox.\n"
        )
        queue_mail(
            session,
            to=person.email,
            subject=subject,
            body=f"Hello {person.display_name},\n\n{body}\n\n{where}",
            now=now,
        )
    return [n for _, n in told]


def inbox(session: Session, user: User, *, limit: int = 100) -> list[Notification]:
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def unread(session: Session, user: User, *, limit: int = 5) -> list[Notification]:
    """The person's unread notifications, newest first: what is waiting for them."""
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def unread_count(session: Session, user: User) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        )
        or 0
    )


def mark_read(session: Session, user: User, notification_id: int, *, now: datetime) -> Notification:
    """Mark one of the person's own notifications read. Raises NotFound for anyone else's."""
    note = session.get(Notification, notification_id)
    if note is None or note.user_id != user.id:
        raise NotFound("We could not find that message.")
    if note.read_at is None:
        note.read_at = now
        session.flush()
    return note


def mark_all_read(session: Session, user: User, *, now: datetime) -> int:
    done = session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=now)
    )
    return int(done.rowcount)  # type: ignore[attr-defined]
