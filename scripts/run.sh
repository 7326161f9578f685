#!/usr/bin/env bash
# `make run`: migrate the embedded SQLite database, load the demo co-op (idempotent), run the
# timed job every minute beside the server, and serve on http://127.0.0.1:5000.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARECOOP_ENV="${CARECOOP_ENV:-development}"
FLASK=(.venv/bin/python -m flask --app wsgi)

"${FLASK[@]}" migrate
"${FLASK[@]}" seed-demo

( while sleep 60; do "${FLASK[@]}" tick >/dev/null 2>>instance/tick.log || true; done ) &
TICKER=$!
trap 'kill $TICKER 2>/dev/null || true' EXIT INT TERM

echo
echo "Carecoop is running at http://127.0.0.1:5000  (press Ctrl+C to stop)"
echo "E-mail is not sent in development: each message is written to instance/mail/."
echo
"${FLASK[@]}" run --host 127.0.0.1 --port 5000
