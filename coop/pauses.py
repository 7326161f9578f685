"""Named places in a guarded write where a race test holds one transaction so that another
meets it there: between checking that a person is free and booking them, between checking a
membership and making it, between reading a ballot log's head and appending to it.

`pause_point` does nothing in the app. A race test replaces it for the length of the test
(`monkeypatch.setattr(coop.pauses, "pause_point", ...)`), and callers look it up on this module
each time (`pauses.pause_point(name)`), so the replacement is seen everywhere, in every thread.
"""

from __future__ import annotations


def pause_point(name: str) -> None:
    """A race test's place to wait (`name` says which); nothing happens here otherwise."""
