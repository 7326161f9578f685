"""The tests' clock. No test reads the real date: every app a test builds reads this clock
(`CARECOOP_CLOCK` in `test_config`), which stands at NOW at the start of each test until the test
moves it, and the factories date what they make from it.

`make check-dates` runs the suite with Python's wall clock moved years ahead (time-machine,
started in `pytest_configure`): a test that reads the real clock instead of this one fails there.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


class Clock:
    """A clock the app reads through `CARECOOP_CLOCK` (`coop.web.now()`), moved on by hand."""

    def __init__(self, start: datetime = NOW) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def set(self, moment: datetime) -> datetime:
        self.now = moment
        return self.now


#: The one clock of this test process: every test app reads it; an autouse fixture puts it back
#: at NOW before each test.
TEST_CLOCK = Clock()


def clock_now() -> datetime:
    """What the test clock says now (for factories' defaults)."""
    return TEST_CLOCK()
