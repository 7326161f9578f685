"""Small registries that the domains fill in their `init_app`, so that `coop` can show their
settings, home-page cards, dashboard panels and timed jobs without importing them.

Registration is idempotent by name: building a second app (as the tests do) re-registers the
same things without duplicating them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from coop.models import User

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
    """Work the timed job does when due: `run(session, now)` returns how many things it did."""

    name: str
    run: Callable[[Session, datetime], int]
    order: int = 50


@dataclass
class Registry:
    settings: dict[str, SettingSpec] = field(default_factory=dict)
    home_cards: dict[str, HomeCard] = field(default_factory=dict)
    dashboard_panels: dict[str, DashboardPanel] = field(default_factory=dict)
    care_activity_providers: dict[
        str, Callable[[Session, datetime, int | None], Iterable[CareActivity]]
    ] = field(default_factory=dict)
    tick_jobs: dict[str, TickJob] = field(default_factory=dict)
    audiences: dict[str, Callable[[Session, User], bool]] = field(default_factory=dict)


registry = Registry()


def register_setting(spec: SettingSpec) -> None:
    registry.settings[spec.name] = spec


def register_home_card(card: HomeCard) -> None:
    registry.home_cards[card.name] = card


def register_dashboard_panel(panel: DashboardPanel) -> None:
    registry.dashboard_panels[panel.name] = panel


def register_care_activity_provider(
    name: str, provider: Callable[[Session, datetime, int | None], Iterable[CareActivity]]
) -> None:
    """`provider(session, now, user_id)`: everyone's care activity, or only that person's."""
    registry.care_activity_providers[name] = provider


def register_tick_job(job: TickJob) -> None:
    registry.tick_jobs[job.name] = job


def register_audience(name: str, test: Callable[[Session, User], bool]) -> None:
    """A kind of person some home cards are for, as a domain that knows them can tell."""
    registry.audiences[name] = test


def home_cards_for(user: User, session: Session | None = None) -> list[HomeCard]:
    """The cards for this person; with a session, a card for an audience shows only to those
    in it (each audience asked once)."""
    asked: dict[str, bool] = {}

    def in_audience(card: HomeCard) -> bool:
        if card.audience is None or session is None or card.audience not in registry.audiences:
            return True
        if card.audience not in asked:
            asked[card.audience] = registry.audiences[card.audience](session, user)
        return asked[card.audience]

    cards = [c for c in registry.home_cards.values() if c.visible(user) and in_audience(c)]
    return sorted(cards, key=lambda c: (c.order, c.title))


def dashboard_panels_for(user: User) -> list[DashboardPanel]:
    panels = [p for p in registry.dashboard_panels.values() if p.visible(user)]
    return sorted(panels, key=lambda p: (p.order, p.title))


def care_activity(
    session: Session, now: datetime, *, user_id: int | None = None
) -> list[CareActivity]:
    """Everyone whose care activity makes them eligible to join, from every provider; with
    `user_id`, that one person's (what a home page needs, computed for them alone)."""
    found: list[CareActivity] = []
    for name in sorted(registry.care_activity_providers):
        found.extend(registry.care_activity_providers[name](session, now, user_id))
    return found


def tick_jobs() -> list[TickJob]:
    return sorted(registry.tick_jobs.values(), key=lambda j: (j.order, j.name))
