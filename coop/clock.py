"""The co-op's time zone, for showing times to people and for recurring visits. Instants are
stored in UTC; this is only how they are read out. The zone is the current app's
(`CARECOOP_TIMEZONE`, kept in `coop.extension`)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from coop.extension import current


def zone() -> ZoneInfo:
    return current().zone


def local(moment: datetime) -> datetime:
    return moment.astimezone(zone())


def describe_span(starts_at: datetime, ends_at: datetime) -> str:
    """'Tue 3 Mar 2026, 09:00 to 10:00' in the co-op's zone (the end's date when it differs)."""
    a, b = local(starts_at), local(ends_at)
    end = f"{b:%H:%M}" if a.date() == b.date() else f"{b:%a} {b.day} {b:%b %Y, %H:%M}"
    return f"{a:%a} {a.day} {a:%b %Y, %H:%M} to {end}"


def parse_local(day: str, time: str) -> datetime | None:
    """A day (YYYY-MM-DD) and a time (HH:MM) as someone typed them, in the co-op's zone; None
    if either is not a real day or time, or if that time does not exist that day (the hour the
    clocks skip when they go forward)."""
    try:
        naive = datetime.strptime(f"{day.strip()} {time.strip()}", "%Y-%m-%d %H:%M")
    except ValueError:
        return None
    moment = naive.replace(tzinfo=zone())
    if moment.astimezone(UTC).astimezone(zone()).replace(tzinfo=None) != naive:
        return None
    return moment
