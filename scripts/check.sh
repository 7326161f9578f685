#!/usr/bin/env bash
# `make check`: the whole suite. Lint and types; the tests on SQLite, then again with the clock
# 400 days and 3 years ahead (`make check-dates`: no test may depend on today's date); on a real
# PostgreSQL; the browser tests in headless Chromium with axe-core. PostgreSQL and Chromium are
# installed when missing. With CI=true a part that cannot run fails the run; it is never skipped.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
CI="${CI:-false}"
failed=()
skipped=()
started=$(date +%s)

step() { echo; echo "=== $1"; }
run_step() {
  local name=$1; shift
  step "$name"
  if "$@"; then echo "--- $name: passed"; else echo "--- $name: FAILED"; failed+=("$name"); fi
}
missing_part() {
  local name=$1
  if [ "$CI" = "true" ]; then
    echo "--- $name: FAILED (a required part is missing, and CI=true never skips)"; failed+=("$name")
  else
    echo "--- $name: SKIPPED (missing; install it, or run as root so make check can)"; skipped+=("$name")
  fi
}

run_step "ruff" $PY -m ruff check .
run_step "mypy" $PY -m mypy
run_step "import contracts" .venv/bin/lint-imports

run_step "tests on SQLite" $PY -m pytest -m "not browser" -q -p no:cacheprovider -n 2
run_step "tests 400 days ahead" scripts/check-dates.sh 400
run_step "tests 3 years ahead" scripts/check-dates.sh 1096

step "tests on PostgreSQL"
if scripts/ensure-system.sh postgres; then
  if scripts/with-postgres.sh $PY -m pytest -m "not browser" -q -p no:cacheprovider -n 2; then
    echo "--- tests on PostgreSQL: passed"
  else
    echo "--- tests on PostgreSQL: FAILED"; failed+=("tests on PostgreSQL")
  fi
else
  missing_part "tests on PostgreSQL"
fi

step "browser tests in Chromium"
if scripts/ensure-system.sh chromium; then
  if $PY -m pytest -m browser -q -p no:cacheprovider tests/browser; then
    echo "--- browser tests in Chromium: passed"
  else
    echo "--- browser tests in Chromium: FAILED"; failed+=("browser tests in Chromium")
  fi
else
  missing_part "browser tests in Chromium"
fi

echo
echo "=== make check finished in $(( $(date +%s) - started )) s"
[ ${#skipped[@]} -gt 0 ] && echo "Skipped: ${skipped[*]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "Failed: ${failed[*]}"
  exit 1
fi
echo "All checks passed."
