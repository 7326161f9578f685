"""Fixtures for the co-op's democracy (the clock and the rest come from tests/conftest.py)."""

from __future__ import annotations

import pytest
from flask import Flask


@pytest.fixture
def key(app: Flask) -> str:
    """The ballot log's HMAC key, from the configuration."""
    value: str = app.config["CARECOOP_BALLOT_HMAC_KEY"]
    return value
