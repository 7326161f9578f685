"""Two apps in one process share nothing: each has its own database, settings, time zone,
password hasher, rate limits, registries and mail folder (`coop.extension`), and using one never
changes what the other does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, render_template_string

from coop import clock, extension
from coop.models import User
from coop.registries import HomeCard
from coop.services import inbox
from tests import conftest, factories
from tests.conftest import NOW, post_form


def _app(make_app: Any, folder: Path, **settings: Any) -> Flask:
    folder.mkdir()
    app: Flask = make_app(
        conftest.test_config(f"sqlite:///{folder / 'carecoop.sqlite3'}", folder, **settings)
    )
    migrated = app.test_cli_runner().invoke(args=["migrate"])
    assert migrated.exit_code == 0, migrated.output
    return app


def _someone(app: Flask, name: str) -> int:
    with app.app_context(), extension.of(app).db.transaction() as session:
        person = factories.user(
            session, username=name, password="a different one each time " + name
        )
        inbox.notify(session, person, subject="Hello", body="A message.", now=NOW, link="/inbox")
        return person.id


def _local_time(app: Flask) -> str:
    with app.test_request_context():
        return render_template_string("{{ moment|local_time }}", moment=NOW)


def test_two_apps_in_one_process_see_nothing_of_each_other(make_app, tmp_path):
    london = _app(
        make_app,
        tmp_path / "london",
        CARECOOP_TIMEZONE="Europe/London",
        CARECOOP_BASE_URL="https://london.example",
        CARECOOP_SIGNIN_RATE_LIMIT="2 per minute",
    )
    auckland = _app(
        make_app,
        tmp_path / "auckland",
        CARECOOP_TIMEZONE="Pacific/Auckland",
        CARECOOP_BASE_URL="https://auckland.example",
        CARECOOP_PASSWORD_HASH="default",
    )
    ours, theirs = extension.of(london), extension.of(auckland)
    for part in ("db", "passwords", "limiter", "mail", "registry"):
        assert getattr(ours, part) is not getattr(theirs, part), part

    # Time zones: each app reads times out in its own, even inside the other's context.
    with london.app_context():
        assert clock.local(NOW).utcoffset().total_seconds() == 0
        assert _local_time(auckland) == "Wed 25 Nov 2026, 23:00"
        assert clock.zone().key == "Europe/London"  # put back when auckland's context ended
    assert _local_time(london) == "Wed 25 Nov 2026, 10:00"

    # Databases and hashers: each app's person is in its own database, hashed its own way.
    ada, bea = _someone(london, "ada"), _someone(auckland, "bea")
    with ours.db.transaction(write=False) as session:
        assert [u.username for u in session.query(User)] == ["ada"]
        assert "m=8," in session.get_one(User, ada).password_hash  # the test hasher
    with theirs.db.transaction(write=False) as session:
        assert [u.username for u in session.query(User)] == ["bea"]
        assert "m=65536," in session.get_one(User, bea).password_hash  # argon2's default

    # Mail: each app's tick sends its own outbox to its own folder, with its own address.
    for app in (london, auckland):
        ticked = app.test_cli_runner().invoke(args=["tick"])
        assert ticked.exit_code == 0, ticked.output
    london_mail = list((tmp_path / "london" / "mail").glob("*.eml"))
    auckland_mail = list((tmp_path / "auckland" / "mail").glob("*.eml"))
    assert len(london_mail) == len(auckland_mail) == 1
    assert "ada@example.org" in london_mail[0].read_text()
    assert "https://london.example/inbox/" in london_mail[0].read_text()
    assert "bea@example.org" in auckland_mail[0].read_text()
    assert "https://auckland.example/inbox/" in auckland_mail[0].read_text()

    # Settings and rate limits: london allows two sign-in attempts a minute; auckland's
    # limit (the usual 60) is its own, and london's count never reaches it.
    wrong = {"login": "nobody", "password": "not a real password at all"}
    london_client, auckland_client = london.test_client(), auckland.test_client()
    assert [post_form(london_client, "/sign-in", wrong).status_code for _ in range(3)] == [
        200,
        200,
        429,
    ]
    assert [post_form(auckland_client, "/sign-in", wrong).status_code for _ in range(3)] == [
        200
    ] * 3

    # Registries: a card one app adds is not on the other's home page.
    ours.registry.add_home_card(
        HomeCard("only_here", "Only in London", "", "home.index", lambda _: True)
    )
    assert "only_here" not in theirs.registry.home_cards
    with london.app_context():
        london_cards = [c.name for c in ours.registry.home_cards_for(_detached(ours, ada))]
    assert "only_here" in london_cards


def _detached(app: extension.Carecoop, user_id: int) -> User:
    with app.db.transaction(write=False) as session:
        person = session.get_one(User, user_id)
        session.expunge(person)
        return person
