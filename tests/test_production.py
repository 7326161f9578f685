"""Production mode refuses what would fail later or quietly weaken a guard, and `/healthz` tells
the operator's monitor whether the database answers and is up to date."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from coop import extension
from coop.config import ConfigError
from coop.models import User
from tests.conftest import test_config as app_config
from tests.test_auth import production_config

ROOT = Path(__file__).resolve().parent.parent
KEYS = {"SECRET_KEY": "s" * 64, "CARECOOP_BALLOT_HMAC_KEY": "b" * 64}


def test_production_without_the_ballot_key_refuses_to_start_with_one_line(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CARECOOP_")},
        "CARECOOP_ENV": "production",
        "SECRET_KEY": "s" * 64,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'production.sqlite3'}",
    }
    env.pop("CARECOOP_BALLOT_HMAC_KEY", None)
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "routes"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "Carecoop cannot start: CARECOOP_BALLOT_HMAC_KEY is not set: secret ballots need a random "
        "key of their own, e.g. `export CARECOOP_BALLOT_HMAC_KEY=$(python -c 'import secrets; "
        "print(secrets.token_hex(32))')`, kept apart from SECRET_KEY."
    ]


def test_production_with_both_keys_starts(make_app, tmp_path):
    assert make_app(production_config(tmp_path, **KEYS)).config["CARECOOP_ENV"] == "production"


def test_several_workers_with_the_sign_in_limits_in_memory_refuse_to_start(
    make_app, tmp_path, monkeypatch
):
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    with pytest.raises(ConfigError, match="WEB_CONCURRENCY is 4 but the sign-in limits") as no:
        make_app(production_config(tmp_path, **KEYS))
    assert "\n" not in str(no.value)
    monkeypatch.setenv("WEB_CONCURRENCY", "1")
    make_app(production_config(tmp_path, **KEYS))
    monkeypatch.setenv("WEB_CONCURRENCY", "4")  # development and tests may keep them in memory
    make_app(app_config(f"sqlite:///{tmp_path / 'dev.sqlite3'}", tmp_path))


def _production_app(make_app: Any, tmp_path: Path) -> Any:
    # argon2's cheapest parameters: the demo's passwords are not what is tested here.
    production = make_app(production_config(tmp_path, **KEYS, CARECOOP_PASSWORD_HASH="fast"))
    migrated = production.test_cli_runner().invoke(args=["migrate"])
    assert migrated.exit_code == 0, migrated.output
    return production


def test_seed_demo_refuses_in_production(make_app, tmp_path):
    production = _production_app(make_app, tmp_path)
    refused = production.test_cli_runner().invoke(args=["seed-demo"])
    assert refused.exit_code == 1
    assert "seed-demo refuses to run in production" in refused.output
    assert "--i-know-this-is-not-production" in refused.output
    db = extension.of(production).db
    with db.transaction(write=False) as session:
        assert session.scalar(select(func.count()).select_from(User)) == 0


def test_seed_demo_runs_in_production_only_when_told_it_is_not_production(make_app, tmp_path):
    production = _production_app(make_app, tmp_path)
    told = production.test_cli_runner().invoke(
        args=["seed-demo", "--i-know-this-is-not-production"]
    )
    assert told.exit_code == 0, told.output
    assert "Demo co-op ready." in told.output


def test_healthz_answers_200_with_the_database_up_and_at_head(client):
    answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.get_json() == {"status": "ok", "database": "ok", "migrations": "at head"}
    assert answer.headers["Cache-Control"] == "no-store"


def test_healthz_answers_503_with_the_database_down(make_app, tmp_path):
    gone = tmp_path / "no-such-folder" / "carecoop.sqlite3"
    down = make_app(app_config(f"sqlite:///{gone}", tmp_path))
    answer = down.test_client().get("/healthz")
    assert answer.status_code == 503
    assert answer.get_json() == {"status": "down", "database": "unreachable"}


def test_healthz_answers_503_when_the_migrations_have_not_run(make_app, tmp_path):
    behind = make_app(app_config(f"sqlite:///{tmp_path / 'empty.sqlite3'}", tmp_path))
    answer = behind.test_client().get("/healthz")
    assert answer.status_code == 503
    assert answer.get_json() == {
        "status": "down",
        "database": "ok",
        "migrations": "behind: run migrate",
    }
