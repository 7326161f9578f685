"""Calendar feeds: each person's private iCalendar address of their visits, in every team.

The address holds a random token and needs no sign-in, so it works in any calendar app; the
person can make a new one at any time, which stops the old one at once. Events carry stable
UIDs (`visit-<id>@carecoop`), SEQUENCE from the visit's change count, STATUS:CANCELLED for a
cancelled visit, and times in the co-op's zone with its VTIMEZONE. By default an event says only
the kind of visit and the first name of the person the team supports ("Visit: Margaret"); with
details turned on it adds the visit's notes. Never an address.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import icalendar
from sqlalchemy import select
from sqlalchemy.orm import Session

from coop.clock import zone
from coop.errors import NotFound
from coop.models import User
from coop.services import audit
from rota.models import CalendarFeed, Visit
from teams.models import Team

UID_DOMAIN = "carecoop"
PAST = timedelta(weeks=8)
AHEAD = timedelta(days=366)
KIND_WORDS = {"visit": "Visit", "trial": "Trial visit", "sleep_in": "Sleep-in"}
STATUS_WORDS = {
    "offered": "TENTATIVE",
    "accepted": "CONFIRMED",
    "done": "CONFIRMED",
    "cancelled": "CANCELLED",
}


def _new_token() -> str:
    return secrets.token_urlsafe(32)


def feed_of(session: Session, user: User, *, now: datetime) -> CalendarFeed:
    """The person's feed, made on first asking (with a new random token). Audits
    `calendar_feed.created` when it makes one."""
    feed = session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))
    if feed is None:
        feed = CalendarFeed(user_id=user.id, token=_new_token(), show_details=False, created_at=now)
        session.add(feed)
        session.flush()
        audit.record(session, user, "calendar_feed.created", "calendar_feed", feed.id, now=now)
    return feed


def renew_feed(session: Session, user: User, *, now: datetime) -> CalendarFeed:
    """Make a new address; the old one stops working at once. Audits `calendar_feed.renewed`."""
    feed = feed_of(session, user, now=now)
    feed.token, feed.created_at = _new_token(), now
    session.flush()
    audit.record(session, user, "calendar_feed.renewed", "calendar_feed", feed.id, now=now)
    return feed


def show_details(session: Session, user: User, show: bool, *, now: datetime) -> CalendarFeed:
    """Turn the visits' notes in the feed on or off. Audits `calendar_feed.changed`."""
    feed = feed_of(session, user, now=now)
    if feed.show_details != show:
        feed.show_details = show
        session.flush()
        audit.record(
            session,
            user,
            "calendar_feed.changed",
            "calendar_feed",
            feed.id,
            now=now,
            changes={"show_details": show},
        )
    return feed


def first_name(name: str) -> str:
    return (name.split() or ["Someone"])[0]


def feed_for_token(session: Session, token: str) -> CalendarFeed:
    """The feed with this token. Raises NotFound for an unknown (or renewed) one."""
    feed = (
        session.scalar(select(CalendarFeed).where(CalendarFeed.token == token))
        if 20 <= len(token) <= 64
        else None
    )
    if feed is None:
        raise NotFound("This calendar address does not work any more.")
    return feed


def render_feed(session: Session, feed: CalendarFeed, *, now: datetime) -> bytes:
    """The person's visits from 8 weeks ago to a year ahead as an iCalendar document. Writes
    nothing: a calendar app asks often."""
    local_zone = zone()
    visits = list(
        session.scalars(
            select(Visit)
            .where(
                Visit.worker_id == feed.user_id,
                Visit.status.in_(tuple(STATUS_WORDS)),
                Visit.starts_at >= now - PAST,
                Visit.starts_at < now + AHEAD,
            )
            .order_by(Visit.starts_at, Visit.id)
        )
    )
    team_ids = {v.team_id for v in visits}
    leaders = {
        team.id: first_name(team.leader.display_name)
        for team in session.scalars(select(Team).where(Team.id.in_(team_ids)))
    }
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Carecoop//Rota//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "My visits (Carecoop)")
    # The zone first, as calendar apps expect, covering every visit with a year to spare.
    today = now.astimezone(local_zone).date()
    first = min([v.starts_at.astimezone(local_zone).date() for v in visits] or [today])
    last = max([v.ends_at.astimezone(local_zone).date() for v in visits] or [today])
    cal.add_component(
        icalendar.Timezone.from_tzid(
            local_zone.key,
            first_date=first - timedelta(days=366),
            last_date=last + timedelta(days=366),
        )
    )
    for visit in visits:
        event = icalendar.Event()
        event.add("uid", f"visit-{visit.id}@{UID_DOMAIN}")
        event.add("sequence", visit.sequence)
        event.add("dtstamp", visit.updated_at)
        event.add("last-modified", visit.updated_at)
        event.add("dtstart", visit.starts_at.astimezone(local_zone))
        event.add("dtend", visit.ends_at.astimezone(local_zone))
        event.add("summary", f"{KIND_WORDS.get(visit.kind, 'Visit')}: {leaders[visit.team_id]}")
        event.add("status", STATUS_WORDS[visit.status])
        event.add("transp", "TRANSPARENT" if visit.status == "cancelled" else "OPAQUE")
        if feed.show_details and visit.notes:
            event.add("description", visit.notes)
        cal.add_component(event)
    result: bytes = cal.to_ical()
    return result
