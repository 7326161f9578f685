"""The maintainer's commands, run the way `flask --app wsgi ...` runs them.

They run through the app's CLI runner inside the `db` fixture's transaction (the commands'
`Database.transaction()` joins the test connection), except `migrate`, which gets a fresh
SQLite database and an app of its own.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, inspect, select, text
from sqlalchemy.orm import Session

import tests.conftest
from coop import extension
from coop.app import load_models
from coop.config import DOMAINS
from coop.db import Base, Database, make_engine
from coop.models import ROLES, ApiToken, AuditEvent, OutboxMessage, User
from coop.passwords import check_password_rule
from coop.services import mail
from tests.conftest import NOW, post_form

GOOD_PASSWORD = "violet-kestrel-harbour-93"


def cli(app: Flask, *args: str) -> Any:
    result = app.test_cli_runner().invoke(args=list(args))
    return result


def row_counts(db: Database) -> dict[str, int]:
    """How many rows every table holds, as the test's connection sees them."""
    load_models(DOMAINS)
    assert db.test_connection is not None
    return {
        table.name: db.test_connection.scalar(select(func.count()).select_from(table)) or 0
        for table in Base.metadata.sorted_tables
    }


def usernames(db: Database) -> set[str]:
    assert db.test_connection is not None
    return set(db.test_connection.scalars(select(User.username)))


def visitor(app: Flask) -> FlaskClient:
    """A client from an address of its own, so that the sign-in rate limit other tests spend
    from the default test address cannot refuse it."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = f"198.51.100.{uuid.uuid4().int % 250 + 1}"
    return client


# seed-demo


def test_seed_demo_makes_one_account_per_role_and_prints_the_sign_ins(app, db, session):
    result = cli(app, "seed-demo")
    assert result.exit_code == 0, result.output

    people = list(session.scalars(select(User)))
    for role in ROLES:
        holders = [u for u in people if u.has_role(role)]
        assert holders, f"no demo account is a {role}"
        # Each is printed with their e-mail address and their role in plain words.
        lines = [line for line in result.output.splitlines() if holders[0].email in line]
        assert len(lines) == 1, result.output
        assert holders[0].display_name in lines[0]
        assert role.replace("_", " ") in lines[0]
    assert "Sign in at http://localhost" in result.output


def test_seed_demo_twice_neither_fails_nor_duplicates_anything(app, db):
    first = cli(app, "seed-demo")
    assert first.exit_code == 0, first.output
    counts = row_counts(db)
    assert counts["user_account"] >= len(ROLES)

    second = cli(app, "seed-demo")
    assert second.exit_code == 0, second.output
    assert row_counts(db) == counts
    assert second.output == first.output  # the same sign-ins, the same passwords


def test_seed_demo_json_lists_every_account_and_each_signs_in(app, db, session):
    before = usernames(db)
    result = cli(app, "seed-demo", "--json")
    assert result.exit_code == 0, result.output
    accounts = json.loads(result.stdout)
    made = usernames(db) - before

    listed = [a["username"] for a in accounts]
    twice = sorted({u for u in listed if listed.count(u) > 1})
    assert not twice, f"two demo parts list the same username: {twice}"
    assert set(listed) == made
    assert {a["role"] for a in accounts} >= set(ROLES)
    for account in accounts:
        assert {"email", "password", "role"} <= set(account)
        user = session.scalar(select(User).where(User.email == account["email"]))
        assert user is not None, account
        if account["role"] in ROLES:
            assert user.has_role(account["role"])
        verdict = check_password_rule(
            account["password"],
            user_inputs=(account["username"], account["email"], account.get("name", "")),
        )
        assert verdict.ok, (account["email"], verdict.problems)

        client = visitor(app)
        answer = post_form(
            client, "/sign-in", {"login": account["email"], "password": account["password"]}
        )
        assert answer.status_code == 302, (account["email"], answer.get_data(as_text=True))
        me = client.get("/api/v1/me")
        assert me.status_code == 200
        assert me.get_json()["email"] == account["email"]

    # Run again: the same list, with the same passwords.
    again = cli(app, "seed-demo", "--json")
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout) == accounts


# api-token


def test_api_token_is_printed_once_works_as_a_bearer_token_and_is_kept_as_a_digest(
    app, db, session, make_user
):
    ada = make_user(username="ada", email="ada@example.org")
    result = cli(app, "api-token", "ADA@example.org", "--name", "my script")
    assert result.exit_code == 0, result.output

    printed = result.stdout.split()
    assert len(printed) == 1, result.stdout  # the token, and nothing else on standard output
    token = printed[0]
    assert "not be shown again" in result.stderr

    answer = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    assert answer.get_json()["email"] == "ada@example.org"

    stored = session.scalars(select(ApiToken).where(ApiToken.user_id == ada.id)).all()
    assert len(stored) == 1
    assert stored[0].name == "my script"
    assert stored[0].digest == hashlib.sha256(token.encode()).hexdigest()
    for table in ("api_token", "audit_event"):
        dumped = json.dumps(
            [list(row) for row in session.execute(text(f"SELECT * FROM {table}"))], default=str
        )
        assert token not in dumped, f"the token itself is stored in {table}"

    # A second token is a new secret; the first is never shown again.
    again = cli(app, "api-token", "ada@example.org", "--name", "another")
    assert again.exit_code == 0, again.output
    assert token not in again.output


def test_api_token_for_an_unknown_email_is_a_usage_error(app, db, session):
    before = session.scalar(select(func.count()).select_from(ApiToken))
    result = cli(app, "api-token", "nobody@example.org", "--name", "script")
    assert result.exit_code == 2
    assert "No account" in result.output
    assert session.scalar(select(func.count()).select_from(ApiToken)) == before


# create-admin


def test_create_admin_refuses_a_weak_password(app, db, session):
    result = cli(
        app,
        "create-admin",
        "--username",
        "robin",
        "--name",
        "Robin Root",
        "--email",
        "robin@example.org",
        "--password",
        "password1234",
    )
    assert result.exit_code == 2
    assert "too weak" in result.output
    assert session.scalar(select(User).where(User.username == "robin")) is None


def test_create_admin_with_a_good_password_makes_an_admin_who_can_sign_in(app, db, session):
    result = cli(
        app,
        "create-admin",
        "--username",
        "robin",
        "--name",
        "Robin Root",
        "--email",
        "Robin@Example.org",
        "--password",
        GOOD_PASSWORD,
    )
    assert result.exit_code == 0, result.output
    robin = session.scalar(select(User).where(User.username == "robin"))
    assert robin is not None
    assert robin.roles == {"admin"}
    assert robin.email == "robin@example.org"
    assert GOOD_PASSWORD not in robin.password_hash
    assert session.scalar(
        select(func.count()).where(
            AuditEvent.object_type == "user", AuditEvent.object_id == robin.id
        )
    )

    client = visitor(app)
    answer = post_form(client, "/sign-in", {"login": "robin", "password": GOOD_PASSWORD})
    assert answer.status_code == 302

    taken = cli(
        app,
        "create-admin",
        "--username",
        "robin",
        "--name",
        "Robin",
        "--email",
        "",
        "--password",
        GOOD_PASSWORD,
    )
    assert taken.exit_code == 2
    assert "username" in taken.output


# tick


def test_tick_sends_waiting_mail_once(app, db, session: Session, monkeypatch):
    subject = f"Test message {uuid.uuid4().hex}"
    mail.queue_mail(session, to="ada@example.org", subject=subject, body="Hello", now=NOW)
    session.commit()
    sent: list[EmailMessage] = []
    original = mail.FileBackend.send

    def counting_send(self: mail.FileBackend, message: EmailMessage) -> None:
        sent.append(message)
        original(self, message)

    monkeypatch.setattr(mail.FileBackend, "send", counting_send)

    first = cli(app, "tick")
    assert first.exit_code == 0, first.output
    assert "send_outbox: 1" in first.output
    second = cli(app, "tick")
    assert second.exit_code == 0, second.output
    assert "send_outbox" not in second.output

    assert [m["Subject"] for m in sent] == [subject]
    message = session.scalar(select(OutboxMessage).where(OutboxMessage.subject == subject))
    assert message is not None
    session.refresh(message)
    assert message.sent_at is not None
    assert message.attempts == 1


# migrate


def test_migrate_builds_a_fresh_database_and_does_nothing_the_second_time(
    make_app: Any, tmp_path: Path
):
    """On an app of its own (`make_app` builds it with `create_app` and puts the process-wide
    registries back afterwards), on an empty SQLite file."""
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    fresh: Flask = make_app(tests.conftest.test_config(url, tmp_path))
    assert extension.of(fresh).db.url == url

    def schema_and_version() -> tuple[list[Any], list[Any]]:
        engine = make_engine(url)
        try:
            with engine.connect() as connection:
                return (
                    connection.execute(
                        text("SELECT type, name, sql FROM sqlite_master ORDER BY name")
                    ).all(),
                    connection.execute(text("SELECT version_num FROM alembic_version")).all(),
                )
        finally:
            engine.dispose()

    first = fresh.test_cli_runner().invoke(args=["migrate"])
    assert first.exit_code == 0, first.output
    assert "up to date" in first.output

    load_models(DOMAINS)
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
    finally:
        engine.dispose()
    assert tables == set(Base.metadata.tables) | {"alembic_version"}
    schema_before, version_before = schema_and_version()
    assert len(version_before) == 1

    second = fresh.test_cli_runner().invoke(args=["migrate"])
    assert second.exit_code == 0, second.output
    assert schema_and_version() == (schema_before, version_before)
