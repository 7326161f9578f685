"""The one `require`, `parse_local` and `upsert` every domain uses."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from coop.clock import parse_local
from coop.db import upsert
from coop.errors import Forbidden, NotFound, require
from coop.models import Setting
from tests.clock import NOW


def test_require_lets_through_what_is_allowed_and_refuses_the_rest_in_two_ways():
    require(True)
    require(True, hidden=True)
    with pytest.raises(Forbidden, match=r"You may not do that\."):
        require(False)
    with pytest.raises(NotFound, match=r"We could not find that page\."):
        require(False, hidden=True)
    with pytest.raises(Forbidden, match="Only the secretary"):
        require(False, detail="Only the secretary can do that.")


@pytest.mark.parametrize(
    ("day", "time", "utc"),
    [
        ("2026-11-25", "10:00", datetime(2026, 11, 25, 10, 0, tzinfo=UTC)),  # GMT
        ("2026-07-01", "10:00", datetime(2026, 7, 1, 9, 0, tzinfo=UTC)),  # BST
        (" 2026-10-25 ", " 01:30 ", datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),  # first 01:30
        ("2026-03-29", "01:30", None),  # the clocks skip from 01:00 to 02:00
        ("2026-02-30", "10:00", None),
        ("2026-11-25", "25:00", None),
        ("", "", None),
        ("next tuesday", "noon", None),
    ],
)
def test_parse_local_reads_a_day_and_time_in_the_coops_zone(db, day, time, utc):
    moment = parse_local(day, time)
    assert (moment and moment.astimezone(UTC)) == utc
    if moment is not None:
        assert moment.tzinfo is not None and moment.tzinfo.key == "Europe/London"


def test_upsert_inserts_once_then_changes_the_other_columns(session):
    for value in ("First", "Second"):
        row = {"name": "coop_name", "value": value, "updated_at": NOW}
        upsert(session, Setting, row, key=("name",))
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Setting)) == 1
    assert session.get_one(Setting, "coop_name").value == "Second"
