"""The composition root: `create_app` builds the app and loads the domains named in the config."""

from __future__ import annotations

import importlib
import os
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from coop import logs
from coop.config import load_config
from coop.db import Database
from coop.extension import Carecoop, Mail
from coop.passwords import Passwords
from coop.services.mail import backend_for


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: configuration from the environment with `config` on top, what the app
    owns (`coop.extension`), the request cycle, the API, the platform's pages, then each
    domain's `init_app`."""
    from coop import api, cli, views, web

    # The instance folder (the development database, mail and secrets): CARECOOP_INSTANCE_PATH,
    # else Flask's choice (`instance/` in a checkout, `<venv>/var/coop-instance` installed).
    instance = (config or {}).get("CARECOOP_INSTANCE_PATH") or os.environ.get(
        "CARECOOP_INSTANCE_PATH"
    )
    app = web.CarecoopFlask("coop", instance_path=instance)
    app.config.update(load_config(app.instance_path, config))
    if app.config["CARECOOP_ENV"] != "test":
        logs.configure(
            level=app.config["CARECOOP_LOG_LEVEL"], fmt=app.config["CARECOOP_LOG_FORMAT"]
        )
    app.extensions["carecoop"] = Carecoop(
        db=Database(app.config["DATABASE_URL"]),
        zone=ZoneInfo(app.config["CARECOOP_TIMEZONE"]),
        passwords=Passwords(app.config["CARECOOP_PASSWORD_HASH"]),
        limiter=Limiter(get_remote_address, app=app, default_limits=[]),
        mail=Mail(
            backend=backend_for(app.config["CARECOOP_SMTP_URL"], app.config["CARECOOP_MAIL_DIR"]),
            sender=app.config["CARECOOP_MAIL_FROM"],
            base_url=app.config["CARECOOP_BASE_URL"],
        ),
    )
    app.url_map.converters["id"] = web.IdConverter
    api.init_api(app)
    web.init_web(app)  # after the Api, so that our error handlers win
    views.init_views(app)
    cli.init_cli(app)
    for name in app.config["CARECOOP_DOMAINS"]:
        importlib.import_module(name).init_app(app)
    return app


def load_models(domains: tuple[str, ...]) -> None:
    """Import every model module, so that `Base.metadata` knows every table (for Alembic): each
    domain's `MODELS` if it lists them, else its `models` module if it has one."""
    importlib.import_module("coop.models")
    for name in domains:
        package = importlib.import_module(name)
        for module in getattr(package, "MODELS", (f"{name}.models",)):
            try:
                importlib.import_module(module)
            except ModuleNotFoundError as exc:
                if exc.name != module:
                    raise
