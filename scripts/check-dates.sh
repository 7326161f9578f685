#!/usr/bin/env bash
# `make check-dates`: the non-browser suite on SQLite with Python's wall clock moved ahead for
# the whole run (in every xdist worker), by time-machine. `scripts/check-dates.sh 400 1096` runs
# it twice, 400 days and 3 years ahead (the default). The test clock stays at NOW, so a test
# fails here only if it reads the real date.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
days_ahead=("$@")
[ ${#days_ahead[@]} -gt 0 ] || days_ahead=(400 1096)
status=0
for days in "${days_ahead[@]}"; do
  echo "--- the suite with the clock $days days ahead"
  CARECOOP_TEST_DAYS_AHEAD=$days $PY -m pytest -m "not browser" -q -p no:cacheprovider -n 2 \
    || status=1
done
exit $status
