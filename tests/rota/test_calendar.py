"""Calendar feeds: a private, revocable iCalendar address per person, which parses with the
`icalendar` package, carries the co-op's VTIMEZONE, keeps a weekly 09:00 visit at 09:00 London
time across the March and October clock changes, and by default says only the time and the
first name of the person visited."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import icalendar
import pytest

from rota.services import calendar, patterns, visits
from tests.conftest import NOW, audited, post_form
from tests.rota.money_world import MoneyWorld, add_visit, build

pytestmark = pytest.mark.usefixtures("app")
NOTES = "Ring the bell at 12 Acacia Avenue; help with lunch"


@pytest.fixture
def world(session) -> MoneyWorld:
    return build(session)


def weekly_at_nine(session, world: MoneyWorld, starts_on: date) -> None:
    patterns.create_pattern(
        session,
        world.s(session, "rota_holder"),
        frequency="weekly",
        weekdays=[0],
        local_start=time(9, 0),
        minutes=60,
        starts_on=starts_on,
        now=NOW,
        worker_id=world.people["emma"].id,
        notes=NOTES,
    )


def events(ics: bytes) -> list[icalendar.Event]:
    return list(icalendar.Calendar.from_ical(ics).walk("VEVENT"))


def test_a_weekly_nine_oclock_visit_stays_at_nine_across_both_clock_changes(session, world):
    weekly_at_nine(session, world, date(2027, 3, 15))  # BST begins Sun 28 March 2027
    weekly_at_nine(session, world, date(2027, 10, 18))  # and ends Sun 31 October 2027
    feed = calendar.feed_of(session, world.people["emma"], now=NOW)
    ics = calendar.render_feed(session, feed, now=NOW)
    parsed = icalendar.Calendar.from_ical(ics)
    zones = parsed.walk("VTIMEZONE")
    assert [str(z["TZID"]) for z in zones] == ["Europe/London"]
    starts = [e.decoded("DTSTART") for e in events(ics)]
    # 9 Mondays from 15 March (eight weeks ahead); 6 from 18 October, up to the feed's year ahead.
    assert len(starts) == 9 + 6
    assert {(s.hour, s.minute) for s in starts} == {(9, 0)}
    assert {str(e["DTSTART"].params["TZID"]) for e in events(ics)} == {"Europe/London"}
    utc_hours = {s.date(): s.astimezone(UTC).hour for s in starts}
    assert utc_hours[date(2027, 3, 22)] == 9 and utc_hours[date(2027, 3, 29)] == 8
    assert utc_hours[date(2027, 10, 25)] == 8 and utc_hours[date(2027, 11, 1)] == 9
    assert set(utc_hours.values()) == {8, 9}


def test_the_feed_says_only_times_and_a_first_name_unless_details_are_on(session, world):
    weekly_at_nine(session, world, date(2026, 11, 30))
    emma = world.people["emma"]
    feed = calendar.feed_of(session, emma, now=NOW)
    ics = calendar.render_feed(session, feed, now=NOW)
    text = ics.decode()
    assert "Acacia" not in text and "lunch" not in text and "Okafor" not in text
    assert "LOCATION" not in text and "DESCRIPTION" not in text
    assert {str(e["SUMMARY"]) for e in events(ics)} == {"Visit: Margaret"}
    calendar.show_details(session, emma, True, now=NOW)
    audited(
        session, "calendar_feed.changed", actor=emma, object_type="calendar_feed", object_id=feed.id
    )
    detailed = events(calendar.render_feed(session, feed, now=NOW))
    assert {str(e["DESCRIPTION"]) for e in detailed} == {NOTES}
    assert all("LOCATION" not in e for e in detailed)


def test_uids_are_stable_and_changes_bump_the_sequence(session, world):
    first = add_visit(session, world, "emma", datetime(2026, 12, 1, 9, tzinfo=UTC), 60, notes=NOTES)
    second = add_visit(
        session, world, "emma", datetime(2026, 12, 2, 9, tzinfo=UTC), 60, kind="sleep_in"
    )
    feed = calendar.feed_of(session, world.people["emma"], now=NOW)
    before = {str(e["UID"]): e for e in events(calendar.render_feed(session, feed, now=NOW))}
    assert set(before) == {f"visit-{first.id}@carecoop", f"visit-{second.id}@carecoop"}
    assert str(before[f"visit-{second.id}@carecoop"]["SUMMARY"]) == "Sleep-in: Margaret"
    holder = world.s(session, "rota_holder")
    visits.change_visit(
        session,
        holder,
        first,
        now=NOW,
        starts_at=datetime(2026, 12, 1, 10, tzinfo=UTC),
        ends_at=datetime(2026, 12, 1, 11, tzinfo=UTC),
    )
    visits.cancel_visit(session, holder, second, now=NOW)
    after = {str(e["UID"]): e for e in events(calendar.render_feed(session, feed, now=NOW))}
    moved, cancelled = after[f"visit-{first.id}@carecoop"], after[f"visit-{second.id}@carecoop"]
    assert (int(moved["SEQUENCE"]), moved.decoded("DTSTART").hour) == (1, 10)
    assert (int(cancelled["SEQUENCE"]), str(cancelled["STATUS"])) == (1, "CANCELLED")
    assert str(moved["STATUS"]) == "CONFIRMED"


def test_the_address_needs_no_sign_in_and_a_new_one_stops_the_old(
    session, world, make_client, client, clock
):
    add_visit(session, world, "emma", datetime(2026, 12, 1, 9, tzinfo=UTC), 60)
    session.commit()
    emma = make_client(world.people["emma"])
    url = emma.get("/api/v1/me/calendar").get_json()["url"]
    assert url.startswith("http://localhost/rota/calendar/") and url.endswith(".ics")
    assert url in emma.get("/rota/calendar").get_data(as_text=True)
    path = url.removeprefix("http://localhost")
    answer = client.get(path)
    assert answer.status_code == 200 and answer.mimetype == "text/calendar"
    assert len(events(answer.data)) == 1
    assert post_form(emma, "/rota/calendar/renew", {}, page="/rota/calendar").status_code == 302
    assert client.get(path).status_code == 404
    new_url = emma.get("/api/v1/me/calendar").get_json()["url"]
    assert (
        new_url != url and client.get(new_url.removeprefix("http://localhost")).status_code == 200
    )
    assert client.get("/rota/calendar/not-a-token.ics").status_code == 404
    assert client.get("/api/v1/me/calendar").status_code == 401


def test_turning_details_on_through_the_page(session, world, make_client, clock):
    add_visit(session, world, "emma", datetime(2026, 12, 1, 9, tzinfo=UTC), 60, notes=NOTES)
    session.commit()
    emma = make_client(world.people["emma"])
    path = emma.get("/api/v1/me/calendar").get_json()["url"].removeprefix("http://localhost")
    assert "Acacia" not in emma.get(path).get_data(as_text=True)
    answer = post_form(
        emma, "/rota/calendar/details", {"show_details": "yes"}, page="/rota/calendar"
    )
    assert answer.status_code == 302
    assert "Acacia" in emma.get(path).get_data(as_text=True)
    assert emma.get("/api/v1/me/calendar").get_json()["show_details"] is True
