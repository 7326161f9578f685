"""E-mail waits in the outbox and the timed job sends each message once, whenever it runs."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

import pytest
from sqlalchemy.orm import Session

from coop import extension
from coop.models import OutboxMessage
from coop.services import mail
from tests.conftest import NOW


class Sent:
    """Spies on the real backend: which outbox messages went, in order."""

    def __init__(self) -> None:
        self.ids: list[int] = []
        self.messages: list[EmailMessage] = []
        self.failing: str | None = None

    def __call__(self, backend: mail.FileBackend, message: EmailMessage) -> None:
        if self.failing:
            raise OSError(self.failing)
        self.ids.append(int(message["X-Carecoop-Outbox-Id"]))
        self.messages.append(message)


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> Sent:
    spy = Sent()
    # The registered job holds the app's FileBackend (no SMTP in tests): spy on its class.
    monkeypatch.setattr(mail.FileBackend, "send", lambda backend, message: spy(backend, message))
    return spy


def queue(session: Session, *addresses: str) -> list[OutboxMessage]:
    queued = [
        mail.queue_mail(session, to=a, subject=f"Hello {a}", body="A message.", now=NOW)
        for a in addresses
    ]
    session.commit()
    return queued


def send_outbox_job() -> Any:
    [job] = [j for j in extension.current().registry.sorted_tick_jobs() if j.name == "send_outbox"]
    return job


def tick(session: Session) -> int:
    done = send_outbox_job().run(extension.current(), session, NOW)
    session.commit()
    return int(done)


def test_tick_run_twice_sends_each_message_once(session, sent):
    first, second = queue(session, "ada@example.org", "bea@example.org")
    assert tick(session) == 2
    assert tick(session) == 0
    assert sent.ids == [first.id, second.id]
    assert [m["To"] for m in sent.messages] == ["ada@example.org", "bea@example.org"]
    assert sent.messages[0]["Subject"] == "Hello ada@example.org"
    assert sent.messages[0]["From"] == "Carecoop <no-reply@carecoop.invalid>"
    for message in (first, second):
        session.refresh(message)
        assert message.sent_at == NOW
        assert message.attempts == 1


def test_the_tick_command_run_twice_sends_each_message_once(app, session, sent):
    first, second = queue(session, "ada@example.org", "bea@example.org")
    runner = app.test_cli_runner()
    once = runner.invoke(args=["tick"])
    again = runner.invoke(args=["tick"])
    assert once.exit_code == 0 and again.exit_code == 0, once.output + again.output
    assert "send_outbox: 2" in once.output
    assert "send_outbox" not in again.output
    assert sent.ids == [first.id, second.id]
    session.expire_all()
    assert all(m.sent_at is not None and m.attempts == 1 for m in (first, second))


def test_a_failing_backend_keeps_the_message_for_the_next_tick(session, sent):
    [message] = queue(session, "ada@example.org")
    sent.failing = "mail server not answering"
    assert tick(session) == 0
    session.refresh(message)
    assert message.sent_at is None
    assert message.attempts == 1
    assert message.last_error == "OSError: mail server not answering"

    sent.failing = None
    assert tick(session) == 1
    assert tick(session) == 0
    assert sent.ids == [message.id]
    session.refresh(message)
    assert message.sent_at == NOW
    assert message.attempts == 2


def test_a_message_that_keeps_failing_is_given_up_after_five_attempts(session, sent):
    [message] = queue(session, "ada@example.org")
    sent.failing = "no such host"
    for _ in range(mail.MAX_ATTEMPTS + 2):
        tick(session)
    session.refresh(message)
    assert message.attempts == mail.MAX_ATTEMPTS
    sent.failing = None
    assert tick(session) == 0
    assert sent.ids == []


def test_without_a_mail_server_each_message_is_written_to_a_file(tmp_path):
    backend = mail.backend_for(None, str(tmp_path / "mail"))
    message = EmailMessage()
    message["To"] = "ada@example.org"
    message["Subject"] = "Hello"
    message["X-Carecoop-Outbox-Id"] = "12"
    message.set_content("A message.")
    backend.send(message)
    written = (tmp_path / "mail" / "00000012.eml").read_text()
    assert "To: ada@example.org" in written and "A message." in written


def test_with_a_mail_server_the_backend_is_smtp():
    assert isinstance(mail.backend_for("smtp://mail.example.org:25", "/unused"), mail.SmtpBackend)
