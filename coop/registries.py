"""The registries an app's domains fill in their `init_app`, so that `coop` can show their
settings, home-page cards, dashboard panels, timed jobs and demo data without importing them.
Each app has its own (`coop.extension`); adding is by name, so adding twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from coop.demo import DemoAccount
    from coop.extension import Carecoop
    from coop.models import User

    DemoPart = Callable[[Session, datetime, dict[str, User]], list[DemoAccount]]

SETTING_TYPES = ("int", "bool", "str", "choice", "user")


@dataclass(frozen=True)
class SettingSpec:
    """A co-op setting: `type` is one of SETTING_TYPES. A `user` setting holds a user id and
    `role` says which platform role the person must have; a `choice` lists its `choices`."""

    name: str
    label: str
    type: str
    default: Any
    help: str
    group: str = "General"
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[tuple[str, str], ...] = ()
    role: str | None = None

    def __post_init__(self) -> None:
        if self.type not in SETTING_TYPES:
            raise ValueError(f"unknown setting type {self.type!r}")


@dataclass(frozen=True)
class HomeCard:
    """Something a signed-in person can do next, shown on the home page when `visible`, and,
    with an `audience`, only to the people a domain counts in it (e.g. "works_in_teams", so
    that someone who only leads their own team is not offered timesheets)."""

    name: str
    title: str
    text: str
    endpoint: str
    visible: Callable[[User], bool]
    order: int = 50
    audience: str | None = None


@dataclass(frozen=True)
class DashboardPanel:
    """A panel on the staff dashboard: `render(session, user, now)` returns safe HTML."""

    name: str
    title: str
    visible: Callable[[User], bool]
    render: Callable[[Session, User, datetime], str]
    order: int = 50


@dataclass(frozen=True)
class CareActivity:
    """Someone whose care activity makes them eligible for a class of co-op membership."""

    user_id: int
    member_class: str
    reason: str


@dataclass(frozen=True)
class TickJob:
    """Work the timed job does when due: `run(app, session, now)`, given the app it runs for,
    returns how many things it did."""

    name: str
    run: Callable[[Carecoop, Session, datetime], int]
    order: int = 50


@dataclass
class Registry:
    """One app's registries, filled by `create_app` and each domain's `init_app`. A domain's own
    (the team menu's tabs, say) go in `parts`, under the domain's name."""

    settings: dict[str, SettingSpec] = field(default_factory=dict)
    home_cards: dict[str, HomeCard] = field(default_factory=dict)
    dashboard_panels: dict[str, DashboardPanel] = field(default_factory=dict)
    care_activity_providers: dict[
        str, Callable[[Session, datetime, int | None], Iterable[CareActivity]]
    ] = field(default_factory=dict)
    tick_jobs: dict[str, TickJob] = field(default_factory=dict)
    audiences: dict[str, Callable[[Session, User], bool]] = field(default_factory=dict)
    demo_parts: dict[str, tuple[int, DemoPart]] = field(default_factory=dict)
    parts: dict[str, Any] = field(default_factory=dict)

    def add_setting(self, spec: SettingSpec) -> None:
        self.settings[spec.name] = spec

    def add_home_card(self, card: HomeCard) -> None:
        self.home_cards[card.name] = card

    def add_dashboard_panel(self, panel: DashboardPanel) -> None:
        self.dashboard_panels[panel.name] = panel

    def add_care_activity_provider(
        self,
        name: str,
        provider: Callable[[Session, datetime, int | None], Iterable[CareActivity]],
    ) -> None:
        """`provider(session, now, user_id)`: everyone's care activity, or only that person's."""
        self.care_activity_providers[name] = provider

    def add_tick_job(self, job: TickJob) -> None:
        self.tick_jobs[job.name] = job

    def add_audience(self, name: str, test: Callable[[Session, User], bool]) -> None:
        """A kind of person some home cards are for, as a domain that knows them can tell."""
        self.audiences[name] = test

    def add_demo_part(self, name: str, part: DemoPart, order: int = 50) -> None:
        """A domain's part of the demo: given the accounts made so far (by username), it adds
        its records idempotently and returns the accounts it made, for the printed sign-ins."""
        self.demo_parts[name] = (order, part)

    def extend(
        self,
        *,
        settings: Iterable[SettingSpec] = (),
        home_cards: Iterable[HomeCard] = (),
        dashboard_panels: Iterable[DashboardPanel] = (),
        tick_jobs: Iterable[TickJob] = (),
    ) -> None:
        """Add a domain's settings, cards, panels and timed jobs in one go."""
        for spec in settings:
            self.add_setting(spec)
        for card in home_cards:
            self.add_home_card(card)
        for panel in dashboard_panels:
            self.add_dashboard_panel(panel)
        for job in tick_jobs:
            self.add_tick_job(job)

    def home_cards_for(self, user: User, session: Session | None = None) -> list[HomeCard]:
        """The cards for this person; with a session, a card for an audience shows only to
        those in it (each audience asked once)."""
        asked: dict[str, bool] = {}

        def in_audience(card: HomeCard) -> bool:
            if card.audience is None or session is None or card.audience not in self.audiences:
                return True
            if card.audience not in asked:
                asked[card.audience] = self.audiences[card.audience](session, user)
            return asked[card.audience]

        cards = [c for c in self.home_cards.values() if c.visible(user) and in_audience(c)]
        return sorted(cards, key=lambda c: (c.order, c.title))

    def dashboard_panels_for(self, user: User) -> list[DashboardPanel]:
        panels = [p for p in self.dashboard_panels.values() if p.visible(user)]
        return sorted(panels, key=lambda p: (p.order, p.title))

    def care_activity(
        self, session: Session, now: datetime, *, user_id: int | None = None
    ) -> list[CareActivity]:
        """Everyone whose care activity makes them eligible to join, from every provider; with
        `user_id`, that one person's (what a home page needs, computed for them alone)."""
        found: list[CareActivity] = []
        for name in sorted(self.care_activity_providers):
            found.extend(self.care_activity_providers[name](session, now, user_id))
        return found

    def sorted_tick_jobs(self) -> list[TickJob]:
        return sorted(self.tick_jobs.values(), key=lambda j: (j.order, j.name))

    def sorted_demo_parts(self) -> list[DemoPart]:
        return [part for _, part in sorted(self.demo_parts.values(), key=lambda p: p[0])]
