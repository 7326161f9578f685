"""`make check`'s script decides rightly what passed, what failed and what was skipped.

scripts/check.sh runs here on a copy of itself, with stand-ins for the tools it calls (Python,
lint-imports, installing PostgreSQL and Chromium, the throwaway PostgreSQL), which record what
they were asked to do. So the test is quick and needs none of them, and it shows the rule from
the foundation issue: with CI=true, a PostgreSQL or Chromium that cannot be installed fails the
run instead of skipping it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PYTHON_STUB = """#!/bin/sh
call="python${TEST_DATABASE_URL:+ [pg]}${CARECOOP_TEST_DAYS_AHEAD:+ [+${CARECOOP_TEST_DAYS_AHEAD}d]} $*"
echo "$call" >> "$STUB_LOG"
if [ -n "$STUB_FAIL" ]; then
  case "$call" in *"$STUB_FAIL"*) exit 1 ;; esac
fi
exit 0
"""
LINT_IMPORTS_STUB = """#!/bin/sh
echo "lint-imports" >> "$STUB_LOG"
exit 0
"""
ENSURE_STUB = """#!/bin/sh
echo "ensure $*" >> "$STUB_LOG"
case " $STUB_MISSING " in *" $1 "*) exit 1 ;; esac
exit 0
"""
WHEEL_STUB = """#!/bin/sh
echo "check-wheel" >> "$STUB_LOG"
case " $STUB_FAIL " in *" check-wheel "*) exit 1 ;; esac
exit 0
"""
WITH_POSTGRES_STUB = """#!/bin/sh
TEST_DATABASE_URL=postgresql+psycopg://stub/carecoop_test exec "$@"
"""


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)


@pytest.fixture
def check(tmp_path: Path):
    shutil.copytree(ROOT / "scripts", tmp_path / "scripts", ignore=shutil.ignore_patterns("*~"))
    _write(tmp_path / ".venv" / "bin" / "python", PYTHON_STUB)
    _write(tmp_path / ".venv" / "bin" / "lint-imports", LINT_IMPORTS_STUB)
    _write(tmp_path / "scripts" / "ensure-system.sh", ENSURE_STUB)
    _write(tmp_path / "scripts" / "with-postgres.sh", WITH_POSTGRES_STUB)
    _write(tmp_path / "scripts" / "check-wheel.sh", WHEEL_STUB)
    log = tmp_path / "stub.log"

    def run(*, ci: bool, missing: str = "", fail: str = "") -> tuple[int, str, list[str]]:
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"CI", "TEST_DATABASE_URL", "PG_BIN", "CARECOOP_TEST_DAYS_AHEAD"}
        }
        env.update(STUB_LOG=str(log), STUB_MISSING=missing, STUB_FAIL=fail)
        if ci:
            env["CI"] = "true"
        log.write_text("")
        done = subprocess.run(
            ["bash", str(tmp_path / "scripts" / "check.sh")],
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        return done.returncode, done.stdout + done.stderr, log.read_text().splitlines()

    return run


SQLITE_LANE = [
    "python -m pytest -q -p no:cacheprovider -n 2 -m not browser",
    "python [+400d] -m pytest -m not browser -q -p no:cacheprovider -n 2",
    "python [+1096d] -m pytest -m not browser -q -p no:cacheprovider -n 2",
]
OTHER_LANE = [
    "python -m ruff check .",
    "python -m ruff format --check .",
    "python -m mypy",
    "lint-imports",
    "ensure postgres",
    "python [pg] -m pytest -q -p no:cacheprovider -n 2 -m not browser",
    "ensure chromium",
    "python -m pytest -q -p no:cacheprovider -n 2 -m browser tests/browser",
    "check-wheel",
]


def test_everything_runs_in_order_and_passes(check):
    status, output, calls = check(ci=True)
    assert status == 0, output
    assert "All checks passed." in output
    # Two lanes side by side: each in its order, the two interleaved as they go.
    assert [c for c in calls if c in SQLITE_LANE] == SQLITE_LANE
    assert [c for c in calls if c in OTHER_LANE] == OTHER_LANE
    assert sorted(calls) == sorted(SQLITE_LANE + OTHER_LANE)


@pytest.mark.parametrize(
    ("failing", "step"),
    [
        ("ruff check", "ruff"),
        ("ruff format", "ruff format"),
        ("mypy", "mypy"),
        ("python -m pytest -q -p no:cacheprovider -n 2 -m not browser", "tests on SQLite"),
        ("[+400d]", "tests 400 days ahead"),
        ("[+1096d]", "tests 3 years ahead"),
        ("[pg]", "tests on PostgreSQL"),
        ("-m browser", "browser tests in Chromium"),
        ("check-wheel", "the wheel, installed and served"),
    ],
)
def test_a_failing_step_fails_the_run_and_the_others_still_run(check, failing, step):
    status, output, calls = check(ci=False, fail=failing)
    assert status == 1, output
    assert f"--- {step}: FAILED" in output
    assert f"Failed: {step}" in output
    assert len(calls) == 12  # every step still ran, so one run shows every problem


@pytest.mark.parametrize("part", ["postgres", "chromium"])
def test_with_ci_a_part_that_cannot_be_installed_fails_the_run(check, part):
    status, output, _calls = check(ci=True, missing=part)
    assert status == 1, output
    assert "FAILED (a required part is missing" in output
    assert "SKIPPED" not in output
    assert "All checks passed." not in output


@pytest.mark.parametrize("part", ["postgres", "chromium"])
def test_without_ci_a_missing_part_is_skipped_and_said_so(check, part):
    status, output, calls = check(ci=False, missing=part)
    assert status == 0, output
    assert "SKIPPED" in output
    assert "Skipped:" in output
    name = "tests on PostgreSQL" if part == "postgres" else "browser tests in Chromium"
    assert f"--- {name}: SKIPPED" in output
    assert not any(("[pg]" if part == "postgres" else "-m browser") in c for c in calls)


def _collected(*paths: str, postgresql: bool) -> set[str]:
    env = {k: v for k, v in os.environ.items() if k != "TEST_DATABASE_URL"}
    if postgresql:
        # Collecting connects to nothing: the address only says "this is the PostgreSQL run".
        env["TEST_DATABASE_URL"] = "postgresql+psycopg://nobody@127.0.0.1:1/carecoop_test"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *paths],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return {line for line in done.stdout.splitlines() if "::" in line}


def test_on_postgresql_only_the_tests_that_touch_it_run_again():
    paths = (
        "tests/governance/test_tally.py",
        "tests/rota/test_booking_races.py",
        "tests/rota/test_alerts.py",
    )
    on_sqlite = _collected(*paths, postgresql=False)
    on_postgresql = _collected(*paths, postgresql=True)
    on_the_app = {t for t in on_sqlite if t.startswith("tests/rota/test_alerts.py")}
    assert on_the_app and on_the_app <= on_postgresql  # every test on the session's app
    assert {t for t in on_postgresql if t.endswith("[postgresql]")}  # each database's own case
    assert not {t for t in on_postgresql if t.endswith("[sqlite]")}  # ran on SQLite already
    assert not {t for t in on_postgresql if "test_tally" in t}  # needs no database at all
    assert {t for t in on_sqlite if "test_tally" in t}
