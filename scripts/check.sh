#!/usr/bin/env bash
# `make check`: the whole suite. Lint, formatting and types; the tests on SQLite, then again with
# the clock 400 days and 3 years ahead (`make check-dates`: no test may depend on today's date);
# on a real PostgreSQL; the browser tests in headless Chromium with axe-core; the built wheel
# installed from an empty folder and served by gunicorn. PostgreSQL and Chromium are
# installed when missing. With CI=true a part that cannot run fails the run; it is never skipped.
#
# Two lanes run side by side, since neither keeps both cores busy on its own (the PostgreSQL
# tests wait on the server, the browser tests on Chromium): the SQLite suites in one; lint,
# PostgreSQL, Chromium and the installed wheel in the other. Each step's output is shown whole
# when it ends.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
CI="${CI:-false}"
started=$(date +%s)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A step's result is a line in $work/results; its output goes to its own log, printed (one step
# at a time, under a lock) when it ends.
report() {
  local name=$1 verdict=$2 log=$3 seconds=$4
  {
    flock 9
    echo
    echo "=== $name"
    [ -n "$log" ] && cat "$log"
    echo "--- $name: $verdict ($seconds s)"
  } 9>"$work/lock"
  echo "$name|${verdict%% *}" >>"$work/results"
}
run_step() {
  local name=$1; shift
  local log="$work/$(echo "$name" | tr -c 'a-zA-Z0-9\n' '-').log" from
  from=$(date +%s)
  if "$@" >"$log" 2>&1; then verdict=passed; else verdict=FAILED; fi
  report "$name" "$verdict" "$log" $(( $(date +%s) - from ))
}
missing_part() {
  if [ "$CI" = "true" ]; then
    report "$1" "FAILED (a required part is missing, and CI=true never skips)" "" 0
  else
    report "$1" "SKIPPED (missing; install it, or run as root so make check can)" "" 0
  fi
}

sqlite_lane() {
  run_step "tests on SQLite" $PY -m pytest -q -p no:cacheprovider -n 2 -m "not browser"
  run_step "tests 400 days ahead" scripts/check-dates.sh 400
  run_step "tests 3 years ahead" scripts/check-dates.sh 1096
}

other_lane() {
  run_step "ruff" $PY -m ruff check .
  run_step "ruff format" $PY -m ruff format --check .
  run_step "mypy" $PY -m mypy
  run_step "import contracts" .venv/bin/lint-imports
  if scripts/ensure-system.sh postgres; then  # silent when installed; apt's output if not
    run_step "tests on PostgreSQL" scripts/with-postgres.sh $PY -m pytest -q -p no:cacheprovider -n 2 -m "not browser"
  else
    missing_part "tests on PostgreSQL"
  fi
  if scripts/ensure-system.sh chromium; then
    run_step "browser tests in Chromium" $PY -m pytest -q -p no:cacheprovider -n 2 -m browser tests/browser
  else
    missing_part "browser tests in Chromium"
  fi
  run_step "the wheel, installed and served" scripts/check-wheel.sh
}

echo "make check: two lanes side by side; each step's output shows when it ends."
sqlite_lane &
other_lane &
wait

failed=() skipped=()
while IFS='|' read -r name verdict; do
  case $verdict in
    FAILED) failed+=("$name") ;;
    SKIPPED) skipped+=("$name") ;;
  esac
done <"$work/results"

echo
echo "=== make check finished in $(( $(date +%s) - started )) s"
[ ${#skipped[@]} -gt 0 ] && echo "Skipped: ${skipped[*]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "Failed: ${failed[*]}"
  exit 1
fi
echo "All checks passed."
