"""The browser layer: the real app on a live server, driven by headless Chromium, checked by axe.

One app and one live server per test session, on their own SQLite file (browser tests always
run on SQLite, whatever TEST_DATABASE_URL says) with real commits: the server's threads and the
test see the same rows. One browser per session, a new context (fresh cookies) per test.
Every test under this folder is marked `browser`, so `pytest -m "not browser"` leaves it out.

Chromium is the system one (`apt-get install chromium`); `playwright install` cannot work on
machines that reach no browser download.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import Browser, Page, Playwright, Response, expect, sync_playwright
from sqlalchemy import select
from werkzeug.serving import make_server

from coop import create_app, extension
from coop.db import Database
from coop.models import OutboxMessage, User
from coop.services import accounts
from tests import factories
from tests.clock import clock_now
from tests.conftest import reset_schema, test_config

HERE = Path(__file__).resolve().parent
ARTIFACTS = HERE.parent.parent / "test-artifacts" / "browser"
WIDTHS = (1280, 375)
HEIGHT = 800
ACTION_TIMEOUT_MS = 10_000  # a page of ours that takes longer is itself a failure
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
PASSWORD = factories.DEFAULT_PASSWORD
NAMES = itertools.cycle(
    ["Ada Okafor", "Ben Hughes", "Chiara Rossi", "Dev Patel", "Efua Mensah", "Finn Byrne"]
)
_axe = Axe()
_serial = itertools.count(1)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # This hook sees the whole session's items; mark only ours, before `-m` selects.
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)


# The live server ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    tmp = tmp_path_factory.mktemp("browser")
    app = create_app(
        test_config(
            f"sqlite:///{tmp / 'browser.sqlite3'}",
            tmp,
            # Every test signs in from 127.0.0.1; the per-address limit is not what is tested here.
            CARECOOP_SIGNIN_RATE_LIMIT="1000 per minute",
        )
    )
    reset_schema(extension.of(app).db)
    return app


@pytest.fixture(scope="session")
def live_server(live_app: Flask) -> Iterator[str]:
    """The base URL of the app, served by a real HTTP server on a free loopback port."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    # So that links in e-mails lead back here (the port is known only now).
    live_app.config["CARECOOP_BASE_URL"] = url
    carecoop = extension.of(live_app)
    carecoop.mail = dataclasses.replace(carecoop.mail, base_url=url)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield url
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = shutil.which("chromium")
    if chromium is None:
        message = "Chromium is not installed: `apt-get install chromium` (or `make test-browser`)."
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
    try:
        yield launched
    finally:
        launched.close()


@pytest.fixture
def page(browser: Browser, live_server: str) -> Iterator[Page]:
    """A page in a fresh browser context: nobody is signed in, no cookies are shared."""
    context = browser.new_context(
        base_url=live_server, viewport={"width": WIDTHS[0], "height": HEIGHT}
    )
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def new_page(browser: Browser, live_server: str) -> Iterator[Callable[[], Page]]:
    """More pages, each in its own context: another person on another device."""
    contexts = []

    def make() -> Page:
        context = browser.new_context(
            base_url=live_server, viewport={"width": WIDTHS[0], "height": HEIGHT}
        )
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    try:
        yield make
    finally:
        for context in contexts:
            context.close()


# People and their data ------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    id: int
    username: str
    email: str
    display_name: str
    password: str


@pytest.fixture
def database(live_app: Flask) -> Iterator[Database]:
    """The live app's database; the live app is the current one while the test sets up its
    records through the services (its time zone, hasher and registries)."""
    token = extension.activate(extension.of(live_app))
    try:
        yield extension.of(live_app).db
    finally:
        extension.deactivate(token)


@pytest.fixture
def make_person(database: Database) -> Callable[..., Person]:
    """Make an account through the services, committed, so the live server can see it.
    Usernames are unique across the session (the database is shared by every test)."""

    def make(*roles: str, password: str = PASSWORD, display_name: str | None = None) -> Person:
        username = f"{roles[0] if roles else 'person'}-{next(_serial)}".replace("_", "-")
        with database.transaction() as session:
            user = factories.user(
                session,
                roles=roles,
                username=username,
                display_name=display_name or next(NAMES),
                password=password,
            )
            person = Person(user.id, user.username, user.email or "", user.display_name, password)
        return person

    return make


@pytest.fixture
def latest_link(database: Database) -> Callable[[str, str], str]:
    """The link containing `path` in the newest e-mail to `address`, as the person would
    open it from their inbox."""

    def find(address: str, path: str) -> str:
        with database.transaction(write=False) as session:
            bodies = session.scalars(
                select(OutboxMessage.body)
                .where(OutboxMessage.to_address == address)
                .order_by(OutboxMessage.id.desc())
            )
            for body in bodies:
                match = re.search(rf"\S+{re.escape(path)}\S+", body)
                if match:
                    return match.group(0)
        raise AssertionError(f"no e-mail to {address} with a {path} link")

    return find


@pytest.fixture
def make_invitation(
    live_app: Flask, database: Database, latest_link: Callable[[str, str], str]
) -> Callable[..., str]:
    """Invite someone through the service, as `admin`; returns the link from their e-mail."""

    def make(admin: Person, *, role: str = "facilitator", display_name: str = "Gwen Lloyd") -> str:
        email = f"invitee-{next(_serial)}@example.org"
        with database.transaction() as session:
            accounts.invite_staff(
                session,
                session.get_one(User, admin.id),
                email=email,
                display_name=display_name,
                roles=[role],
                base_url=live_app.config["CARECOOP_BASE_URL"],
                now=clock_now(),
            )
        return latest_link(email, "/join/")

    return make


# Driving and checking pages -------------------------------------------------------------------


def sign_in(page: Page, login: str, password: str) -> None:
    """Sign in with the real form, and wait until the site shows we are signed in."""
    page.goto("/sign-in")
    page.get_by_label("E-mail address or username").fill(login)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out", exact=True)).to_be_visible()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()


def axe_violations(page: Page) -> list[str]:
    """axe-core's WCAG 2.2 A/AA and best-practice violations on the page, one readable line each."""
    result = _axe.run(
        page,
        options={
            "runOnly": {"type": "tag", "values": AXE_TAGS},
            "resultTypes": ["violations"],
        },
    )
    lines = []
    for violation in result.response["violations"]:
        targets = ", ".join(" ".join(map(str, node["target"])) for node in violation["nodes"])
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} -- {targets}")
    return lines


def assert_accessible(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, f"axe found problems on {page.url}:\n  " + "\n  ".join(violations)


def check_page(page: Page, name: str) -> None:
    """Check the page as it is now at 1280 px and at 375 px wide: axe finds nothing, and the
    page does not scroll sideways. Saves a screenshot of each width to test-artifacts/browser/,
    for people to look at. Every problem at every width is reported together."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    try:
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": HEIGHT})
            page.screenshot(path=ARTIFACTS / f"{name}-{width}.png", full_page=True)
            problems += [f"at {width}px: {v}" for v in axe_violations(page)]
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            if scroll_width > width + 1:
                problems.append(f"at {width}px: the page scrolls sideways ({scroll_width}px wide)")
    finally:
        page.set_viewport_size({"width": WIDTHS[0], "height": HEIGHT})
    assert not problems, f"{name} ({page.url}):\n  " + "\n  ".join(problems)


def open_page(page: Page, path: str, heading: str, *, status: int = 200) -> Response:
    """Go to `path`, expect the HTTP status and the page's main heading."""
    response = page.goto(path)
    assert response is not None, f"{path}: no answer"
    assert response.status == status, f"{path}: HTTP {response.status}, expected {status}"
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    return response
