"""The composition root: `create_app` builds the app and loads the domains named in the config."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from coop import clock, logs, passwords
from coop.config import load_config
from coop.db import Database

ROOT = Path(__file__).resolve().parent.parent

limiter = Limiter(key_func=get_remote_address, default_limits=[])


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: configuration from the environment with `config` on top, the database,
    the request cycle, the API, the platform's pages, then each domain's `init_app`."""
    from coop import api, cli, views, web

    app = web.CarecoopFlask("coop", instance_path=str(ROOT / "instance"))
    app.config.update(load_config(app.instance_path, config))
    if app.config["CARECOOP_ENV"] != "test":
        logs.configure(
            level=app.config["CARECOOP_LOG_LEVEL"], fmt=app.config["CARECOOP_LOG_FORMAT"]
        )
    app.url_map.converters["id"] = web.IdConverter
    passwords.configure(app.config["CARECOOP_PASSWORD_HASH"])
    clock.configure(app.config["CARECOOP_TIMEZONE"])
    app.extensions["carecoop.db"] = Database(app.config["DATABASE_URL"])
    limiter.init_app(app)
    api.init_api(app)
    web.init_web(app)  # after the Api, so that our error handlers win
    views.init_views(app)
    cli.init_cli(app)
    for name in app.config["CARECOOP_DOMAINS"]:
        importlib.import_module(name).init_app(app)
    return app


def load_models(domains: tuple[str, ...]) -> None:
    """Import every model module, so that `Base.metadata` knows every table (for Alembic)."""
    importlib.import_module("coop.models")
    for name in domains:
        try:
            importlib.import_module(f"{name}.models")
        except ModuleNotFoundError as exc:
            if exc.name != f"{name}.models":
                raise
