"""The rota's pages. Each part of the rota has its own module, imported here so that its routes
join the blueprint."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("rota", __name__, template_folder="../templates")

# The modules below add their routes to `bp` when imported.
from rota.views import availability, day_to_day, money, visits  # noqa: E402, F401
