"""Commands for every chore a maintainer would otherwise do by hand."""

from __future__ import annotations

import json
import os
import socket
import sys
import threading

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from coop import demo, extension, schema
from coop.db import Database
from coop.errors import Invalid
from coop.models import User
from coop.passwords import check_password_rule
from coop.services import accounts, tick, tokens
from coop.web import now


def _db() -> Database:
    return extension.of(current_app).db


@click.command("migrate")
@with_appcontext
def migrate_command() -> None:
    """Bring the database's schema up to date (Alembic migrations)."""
    with _db().engine.begin() as connection:
        schema.upgrade(connection)
    click.echo("The database is up to date.")


@click.command("create-admin")
@click.option("--username", prompt="Username")
@click.option("--name", "display_name", prompt="Your name")
@click.option("--email", prompt="E-mail address (optional)", default="", show_default=False)
@click.password_option(help="At least 12 characters; asked for if not given.")
@with_appcontext
def create_admin_command(username: str, display_name: str, email: str, password: str) -> None:
    """Create an admin account (the first one, or another)."""
    verdict = check_password_rule(password, user_inputs=(username, email, display_name))
    if not verdict.ok:
        raise click.UsageError("That password is too weak. " + " ".join(verdict.problems))
    with _db().transaction() as session:
        try:
            user = accounts.create_user(
                session,
                None,
                username=username,
                display_name=display_name,
                password=password,
                email=email or None,
                roles=["admin"],
                now=now(),
            )
        except Invalid as exc:
            problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.errors.items())
            raise click.UsageError(problems or exc.detail) from None
        made = user.username  # read before the commit expires the detached instance
    click.echo(
        f"Admin account {made!r} created. Sign in at {current_app.config['CARECOOP_BASE_URL']}/sign-in"
    )


@click.command("api-token")
@click.argument("email")
@click.option("--name", required=True, help="What the token is for.")
@click.option(
    "--scope", type=click.Choice(["read", "read-write"]), default="read-write", show_default=True
)
@with_appcontext
def api_token_command(email: str, name: str, scope: str) -> None:
    """Make a personal API token for the account with EMAIL (or username) and print it once."""
    with _db().transaction() as session:
        user = accounts.find_by_login(session, email)
        if user is None:
            raise click.UsageError(f"No account has the e-mail address or username {email!r}.")
        _token, secret = tokens.create_token(session, user, name=name, scope=scope, now=now())
    click.echo(secret)
    click.echo(
        "Keep it safe: it will not be shown again. Send it as `Authorization: Bearer <token>`.",
        err=True,
    )


@click.command("tick")
@with_appcontext
def tick_command() -> None:
    """Do everything that is due (send e-mail, close votes, alerts...). Safe to run twice, and
    two at once: the second does nothing."""
    app = extension.of(current_app)
    run = tick.run_tick(app, app.registry.sorted_tick_jobs(), clock=now, holder=_holder())
    if run is None:
        click.echo("Another tick is running: nothing done.")
        return
    for name, done in run.done.items():
        if done:
            click.echo(f"{name}: {done}")
    if run.failed:
        raise click.ClickException(
            "These jobs failed and were rolled back (the log says why): " + ", ".join(run.failed)
        )


def _holder() -> str:
    """Who holds the tick's lock: this machine and process, for whoever reads the row."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:120]


@click.command("seed-demo")
@click.option("--json", "as_json", is_flag=True, help="List the demo accounts as JSON.")
@click.option(
    "--i-know-this-is-not-production",
    "not_production",
    is_flag=True,
    help="Load the demo in production mode all the same (a staging copy, say).",
)
@with_appcontext
def seed_demo_command(as_json: bool, not_production: bool) -> None:
    """Load the demo co-op (idempotent) and list its sign-ins. Development only: the demo's
    accounts, an admin among them, have passwords anyone can read in the source."""
    if current_app.config["CARECOOP_ENV"] == "production" and not not_production:
        raise click.ClickException(
            "seed-demo refuses to run in production: the demo's accounts, an admin among them, "
            "have passwords anyone can read in the source. For a staging copy that holds no real "
            "people, add --i-know-this-is-not-production."
        )
    app = extension.of(current_app)
    with app.db.transaction() as session:
        listed = demo.seed(session, now(), app.registry.sorted_demo_parts())
        existing = set(session.scalars(select(User.username)))
    rows = [
        {
            "username": a.username,
            "email": a.email,
            "password": a.password,
            "role": a.role,
            "name": a.display_name,
        }
        for a in listed
        if a.username in existing
    ]
    if as_json:
        json.dump(rows, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return
    click.echo("Demo co-op ready. Sign in at " + current_app.config["CARECOOP_BASE_URL"] + " with:")
    width = max(len(r["email"]) for r in rows)
    for r in rows:
        click.echo(
            f"  {r['email']:<{width}}  {r['password']:<28}  {r['name']} ({r['role'].replace('_', ' ')})"
        )


def init_cli(app: Flask) -> None:
    for command in (
        migrate_command,
        create_admin_command,
        api_token_command,
        tick_command,
        seed_demo_command,
    ):
        app.cli.add_command(command)
