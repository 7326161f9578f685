"""The rota's pages, one module for each part of the rota; their addresses are in
`rota.blueprint`."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("rota", __name__, template_folder="../templates")
