"""The rota's JSON API under /api/v1, one module for each part of the rota; their addresses are
in `rota.blueprint`."""

from __future__ import annotations

from coop.api import api_blueprint

blp = api_blueprint(
    "rota_api", __name__, "The rota: visits, patterns, swaps, arrivals, visit logs and the budget."
)
