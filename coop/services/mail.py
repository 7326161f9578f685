"""E-mail: messages wait in the outbox table and the timed job sends each one once.

The backend is the true edge of the system: SMTP in production (`CARECOOP_SMTP_URL`), a folder
of `.eml` files otherwise, so that nobody needs a mail server to try Carecoop.
"""

from __future__ import annotations

import smtplib
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


def queue_mail(
    session: Session, *, to: str, subject: str, body: str, now: datetime
) -> OutboxMessage:
    """Put an e-mail in the outbox; it goes when the timed job next runs."""
    message = OutboxMessage(to_address=to, subject=subject, body=body, created_at=now)
    session.add(message)
    session.flush()
    return message


class MailBackend(Protocol):
    def send(self, message: EmailMessage) -> None: ...


@dataclass
class FileBackend:
    """Writes each message to `folder` as an .eml file (development and tests)."""

    folder: Path

    def send(self, message: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{message['X-Carecoop-Outbox-Id']:0>8}.eml"
        (self.folder / name).write_bytes(bytes(message))


@dataclass
class SmtpBackend:
    url: str

    def send(self, message: EmailMessage) -> None:
        parts = urlsplit(self.url)
        secure = parts.scheme == "smtps"
        port = parts.port or (465 if secure else 587)
        smtp_class = smtplib.SMTP_SSL if secure else smtplib.SMTP
        with smtp_class(parts.hostname or "localhost", port, timeout=30) as smtp:
            if not secure and parts.scheme == "smtp+starttls":
                smtp.starttls()
            if parts.username:
                smtp.login(unquote(parts.username), unquote(parts.password or ""))
            smtp.send_message(message)


def backend_for(smtp_url: str | None, mail_dir: str) -> MailBackend:
    return SmtpBackend(smtp_url) if smtp_url else FileBackend(Path(mail_dir))


def send_outbox(session: Session, backend: MailBackend, *, sender: str, now: datetime) -> int:
    """Send what waits in the outbox; returns how many went. Each message is claimed with a
    conditional update before it is sent, so two ticks at once never send it twice. A failure
    is kept with the message and tried again on the next tick, up to MAX_ATTEMPTS."""
    waiting = list(
        session.scalars(
            select(OutboxMessage.id)
            .where(OutboxMessage.sent_at.is_(None), OutboxMessage.attempts < MAX_ATTEMPTS)
            .order_by(OutboxMessage.id)
        )
    )
    sent = 0
    for message_id in waiting:
        claimed = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.sent_at.is_(None))
            .values(sent_at=now, attempts=OutboxMessage.attempts + 1)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            continue
        message = session.get_one(OutboxMessage, message_id)
        session.refresh(message)
        email = EmailMessage()
        email["From"] = sender
        email["To"] = message.to_address
        email["Subject"] = message.subject
        email["X-Carecoop-Outbox-Id"] = str(message.id)
        email.set_content(message.body)
        try:
            backend.send(email)
        except (OSError, smtplib.SMTPException) as exc:
            message.sent_at = None
            message.last_error = f"{type(exc).__name__}: {exc}"[:500]
            session.flush()
            continue
        sent += 1
    session.flush()
    return sent
