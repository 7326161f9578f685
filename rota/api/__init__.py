"""The rota's JSON API under /api/v1. Each part of the rota has its own module, imported here so
that its endpoints join the blueprint."""

from __future__ import annotations

from coop.api import api_blueprint

blp = api_blueprint(
    "rota_api", __name__, "The rota: visits, patterns, swaps, arrivals, visit logs and the budget."
)

# The modules below add their endpoints to `blp` when imported.
from rota.api import availability, day_to_day, money, visits  # noqa: E402, F401
