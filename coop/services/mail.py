"""E-mail: messages wait in the outbox table and the timed job sends each one once.

The backend is the true edge of the system: SMTP in production (`CARECOOP_SMTP_URL`), a folder
of `.eml` files otherwise, so that nobody needs a mail server to try Carecoop.
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from coop.models import OutboxMessage

MAX_ATTEMPTS = 5
#: Messages sent over one connection before it is closed and a new one opened.
BATCH = 20


def queue_mail(
    session: Session, *, to: str, subject: str, body: str, now: datetime
) -> OutboxMessage:
    """Put an e-mail in the outbox; it goes when the timed job next runs."""
    message = OutboxMessage(to_address=to, subject=subject, body=body, created_at=now)
    session.add(message)
    session.flush()
    return message


class Connection(Protocol):
    def send(self, message: EmailMessage) -> None: ...


class MailBackend(Protocol):
    def connect(self) -> AbstractContextManager[Connection]:
        """One connection for a batch of messages (one SMTP session, say)."""
        ...


@dataclass
class FileBackend:
    """Writes each message to `folder` as an .eml file (development and tests)."""

    folder: Path

    @contextmanager
    def connect(self) -> Iterator[FileBackend]:
        yield self

    def send(self, message: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{message['X-Carecoop-Outbox-Id']:0>8}.eml"
        (self.folder / name).write_bytes(bytes(message))


@dataclass
class SmtpBackend:
    url: str

    @contextmanager
    def connect(self) -> Iterator[_Smtp]:
        parts = urlsplit(self.url)
        secure = parts.scheme == "smtps"
        port = parts.port or (465 if secure else 587)
        smtp_class = smtplib.SMTP_SSL if secure else smtplib.SMTP
        with smtp_class(parts.hostname or "localhost", port, timeout=30) as smtp:
            if not secure and parts.scheme == "smtp+starttls":
                smtp.starttls()
            if parts.username:
                smtp.login(unquote(parts.username), unquote(parts.password or ""))
            yield _Smtp(smtp)


@dataclass
class _Smtp:
    smtp: smtplib.SMTP

    def send(self, message: EmailMessage) -> None:
        self.smtp.send_message(message)


def backend_for(smtp_url: str | None, mail_dir: str) -> MailBackend:
    return SmtpBackend(smtp_url) if smtp_url else FileBackend(Path(mail_dir))


def send_outbox(
    session: Session,
    backend: MailBackend,
    *,
    sender: str,
    now: datetime,
    checkpoint: Callable[[], None],
    batch: int = BATCH,
) -> int:
    """Send what waits in the outbox; returns how many went.

    Messages go `batch` at a time over one connection. The caller owns the transaction and
    hands over `checkpoint` (the timed job passes its session's commit): it is called after
    each message that went or failed, so what was sent stays sent whatever fails next, and
    before each batch goes, so no transaction (nor SQLite's write lock) is open while mail
    goes. A failure is kept with its message, which is tried again on the next tick, up to
    MAX_ATTEMPTS; the batch's connection is dropped and the next batch opens a fresh one. If
    the server cannot be reached at all, the rest wait for the next tick. Ticks never overlap
    (coop.services.tick), so nothing else sends these meanwhile.
    """
    sent = 0
    failed: set[int] = set()
    while True:
        waiting = [
            (m.id, m.to_address, m.subject, m.body)
            for m in session.scalars(
                select(OutboxMessage)
                .where(
                    OutboxMessage.sent_at.is_(None),
                    OutboxMessage.attempts < MAX_ATTEMPTS,
                    OutboxMessage.id.not_in(failed),
                )
                .order_by(OutboxMessage.id)
                .limit(batch)
            )
        ]
        checkpoint()
        if not waiting:
            return sent
        try:
            with backend.connect() as connection:
                for message_id, to, subject, body in waiting:
                    email = EmailMessage()
                    email["From"] = sender
                    email["To"] = to
                    email["Subject"] = subject
                    email["X-Carecoop-Outbox-Id"] = str(message_id)
                    email.set_content(body)
                    try:
                        connection.send(email)
                    except (OSError, smtplib.SMTPException) as exc:
                        _failed(session, message_id, exc)
                        checkpoint()
                        failed.add(message_id)
                        break
                    session.execute(
                        update(OutboxMessage)
                        .where(OutboxMessage.id == message_id)
                        .values(sent_at=now, attempts=OutboxMessage.attempts + 1, last_error=None)
                    )
                    checkpoint()
                    sent += 1
        except (OSError, smtplib.SMTPException) as exc:  # connecting, or closing
            first = waiting[0][0]
            if first not in failed:
                _failed(session, first, exc)
                checkpoint()
            return sent


def _failed(session: Session, message_id: int, exc: Exception) -> None:
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(
            attempts=OutboxMessage.attempts + 1, last_error=f"{type(exc).__name__}: {exc}"[:500]
        )
    )
