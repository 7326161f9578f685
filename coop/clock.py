"""The co-op's time zone, for showing times to people and for recurring visits. Instants are
stored in UTC; this is only how they are read out. Set once by `create_app`."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

_zone = {"zone": ZoneInfo("Europe/London")}


def configure(name: str) -> None:
    _zone["zone"] = ZoneInfo(name)


def zone() -> ZoneInfo:
    return _zone["zone"]


def local(moment: datetime) -> datetime:
    return moment.astimezone(zone())


def describe_span(starts_at: datetime, ends_at: datetime) -> str:
    """'Tue 3 Mar 2026, 09:00 to 10:00' in the co-op's zone (the end's date when it differs)."""
    a, b = local(starts_at), local(ends_at)
    end = f"{b:%H:%M}" if a.date() == b.date() else f"{b:%a} {b.day} {b:%b %Y, %H:%M}"
    return f"{a:%a} {a.day} {a:%b %Y, %H:%M} to {end}"
