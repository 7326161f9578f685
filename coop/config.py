"""Configuration from the environment.

`CARECOOP_ENV` chooses the mode: `production` (the default), `development` (what `make run` sets)
or `test`. Everything else has a sensible default for development; production refuses to start
without a real `SECRET_KEY` and ballot key, or with the sign-in limits in memory while gunicorn
runs several workers (`WEB_CONCURRENCY`).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

DOMAINS = ("teams", "rota", "governance")
MODES = ("production", "development", "test")


class ConfigError(RuntimeError):
    """The configuration cannot work; the message says what to set."""


def load_config(instance_path: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the app's configuration from the environment, then `overrides` on top."""
    env = os.environ
    overrides = dict(overrides or {})
    mode = overrides.get("CARECOOP_ENV") or env.get("CARECOOP_ENV", "production")
    if mode not in MODES:
        raise ConfigError(f"CARECOOP_ENV must be one of {', '.join(MODES)}, not {mode!r}.")
    instance = Path(instance_path)
    default_db = f"sqlite:///{instance / 'carecoop.sqlite3'}"
    config: dict[str, Any] = {
        "CARECOOP_ENV": mode,
        "DATABASE_URL": env.get("DATABASE_URL", default_db),
        "SECRET_KEY": env.get("SECRET_KEY"),
        "CARECOOP_TIMEZONE": env.get("CARECOOP_TIMEZONE", "Europe/London"),
        "CARECOOP_SMTP_URL": env.get("CARECOOP_SMTP_URL"),
        "CARECOOP_MAIL_FROM": env.get("CARECOOP_MAIL_FROM", "Carecoop <no-reply@carecoop.invalid>"),
        "CARECOOP_MAIL_DIR": env.get("CARECOOP_MAIL_DIR", str(instance / "mail")),
        "CARECOOP_BASE_URL": env.get("CARECOOP_BASE_URL", "http://127.0.0.1:5000"),
        "CARECOOP_DOMAINS": tuple(
            d for d in env.get("CARECOOP_DOMAINS", ",".join(DOMAINS)).split(",") if d
        ),
        "CARECOOP_BALLOT_HMAC_KEY": env.get("CARECOOP_BALLOT_HMAC_KEY"),
        # Flask-Limiter keeps its counters here; production points it at Redis so that every
        # gunicorn worker shares them.
        "RATELIMIT_STORAGE_URI": env.get("CARECOOP_RATELIMIT_STORAGE_URI", "memory://"),
        "CARECOOP_SIGNIN_RATE_LIMIT": env.get("CARECOOP_SIGNIN_RATE_LIMIT", "60 per minute"),
        "CARECOOP_PASSWORD_HASH": "default",
        # Logs: `json` lines (production) or `text`; tests leave logging to pytest.
        "CARECOOP_LOG_FORMAT": env.get(
            "CARECOOP_LOG_FORMAT", "json" if mode == "production" else "text"
        ),
        "CARECOOP_LOG_LEVEL": env.get("CARECOOP_LOG_LEVEL", "INFO"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": mode == "production",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": mode == "production",
        "WTF_CSRF_CHECK_DEFAULT": False,  # checked in our own hook, so API tokens can skip it
        "WTF_CSRF_TIME_LIMIT": None,
        "API_TITLE": "Carecoop",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.1.0",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
    }
    if mode == "test":
        config.update(
            SECRET_KEY=config["SECRET_KEY"] or "test-secret-key-not-for-production",
            CARECOOP_PASSWORD_HASH="fast",
            SESSION_COOKIE_SECURE=False,
            REMEMBER_COOKIE_SECURE=False,
            CARECOOP_BALLOT_HMAC_KEY=config["CARECOOP_BALLOT_HMAC_KEY"] or "test-ballot-key",
        )
    config.update(overrides)
    if mode == "development":
        instance.mkdir(parents=True, exist_ok=True)
        config["SECRET_KEY"] = config["SECRET_KEY"] or _kept_secret(instance / "secret_key")
        config["CARECOOP_BALLOT_HMAC_KEY"] = config["CARECOOP_BALLOT_HMAC_KEY"] or _kept_secret(
            instance / "ballot_key"
        )
    if not config["SECRET_KEY"]:
        raise ConfigError(
            "SECRET_KEY is not set. In production Carecoop needs a long random secret, e.g. "
            "`export SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')`. "
            "To try Carecoop on your own computer, use `make run` (development mode)."
        )
    if mode == "production":
        _refuse_unsafe_production(config, env)
    return config


MAKE_A_KEY = "$(python -c 'import secrets; print(secrets.token_hex(32))')"


def _refuse_unsafe_production(config: dict[str, Any], env: Mapping[str, str]) -> None:
    """What would fail later, or quietly weaken a guard, refuses to start instead, each with
    one line that says what to set."""
    if "governance" in config["CARECOOP_DOMAINS"] and not config["CARECOOP_BALLOT_HMAC_KEY"]:
        raise ConfigError(
            "CARECOOP_BALLOT_HMAC_KEY is not set: secret ballots need a random key of their own, "
            f"e.g. `export CARECOOP_BALLOT_HMAC_KEY={MAKE_A_KEY}`, kept apart from SECRET_KEY."
        )
    workers = env.get("WEB_CONCURRENCY", "1")
    if str(config["RATELIMIT_STORAGE_URI"]).startswith("memory://") and workers != "1":
        raise ConfigError(
            f"WEB_CONCURRENCY is {workers} but the sign-in limits are kept in each worker's "
            "memory, so each would allow the full number: set CARECOOP_RATELIMIT_STORAGE_URI "
            "(e.g. redis://localhost:6379/0), or run one worker."
        )


def _kept_secret(path: Path) -> str:
    """A random secret made once for development and kept in the instance folder."""
    if path.exists():
        return path.read_text().strip()
    value = secrets.token_hex(32)
    path.write_text(value + "\n")
    path.chmod(0o600)
    return value
