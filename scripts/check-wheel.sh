#!/usr/bin/env bash
# Carecoop installed as an operator would install it, far from the checkout: build the wheel,
# install it with the locked dependencies (hash-checked) into a new virtual environment, then,
# from an empty folder, `flask --app coop migrate` and `gunicorn 'coop:create_app()'`, and ask
# for the sign-in page. Exits non-zero, saying which step failed, if any does.
set -euo pipefail
cd "$(dirname "$0")/.."
checkout=$PWD
work=$(mktemp -d)
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

step() { echo "--- $*"; }

step "build the wheel"
.venv/bin/python -m pip wheel --quiet --no-deps --wheel-dir "$work/dist" . >/dev/null
wheel=$(ls "$work"/dist/carecoop-*.whl)
echo "$(basename "$wheel")"
.venv/bin/python - "$wheel" <<'EOF'
import sys
import zipfile
from pathlib import Path

names = set(zipfile.ZipFile(sys.argv[1]).namelist())
versions = {f"coop/migrations/versions/{p.name}" for p in Path("coop/migrations/versions").glob("*.py")}
wanted = versions | {
    "coop/migrations/env.py",
    "coop/migrations/script.py.mako",
    "coop/templates/auth/sign_in.html",
    "coop/static/carecoop.css",
    "teams/matching/models.py",
}
missing = sorted(wanted - names)
stray = sorted(n for n in names if n.startswith(("tests/", "migrations/", "scripts/")))
if missing or stray:
    sys.exit(f"the wheel is missing {missing} and holds {stray}")
print(f"it holds the {len(versions)} migrations, the templates and the stylesheet")
EOF

step "install it, with the locked dependencies, into a new virtual environment"
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --require-hashes -r requirements.lock
"$work/venv/bin/python" -m pip install --quiet --no-deps "$wheel"

step "migrate and serve from an empty folder"
mkdir "$work/site"
cd "$work/site"
export CARECOOP_ENV=production
export SECRET_KEY=wheel-check-secret-key-0123456789abcdef
export CARECOOP_BALLOT_HMAC_KEY=wheel-check-ballot-key-0123456789abcdef
export DATABASE_URL="sqlite:///$work/site/carecoop.sqlite3"
export CARECOOP_INSTANCE_PATH="$work/site/instance"
export PYTHONPATH=""  # nothing from the checkout: only what the wheel installed
"$work/venv/bin/flask" --app coop migrate
if "$work/venv/bin/python" -c "import coop, sys; sys.exit(coop.__file__.startswith('$checkout'))"; then
  echo "coop is imported from the installed wheel"
else
  echo "coop was imported from the checkout, not the wheel" >&2
  exit 1
fi
port=$("$work/venv/bin/python" -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
"$work/venv/bin/gunicorn" --bind "127.0.0.1:$port" --workers 1 --log-level warning 'coop:create_app()' &
server=$!
for _ in $(seq 1 100); do
  if page=$("$work/venv/bin/python" - "$port" 2>/dev/null <<'EOF'
import sys
import urllib.request

with urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/sign-in", timeout=5) as answer:
    assert answer.status == 200, answer.status
    print(answer.read().decode())
EOF
  ); then
    break
  fi
  kill -0 "$server" 2>/dev/null || { echo "gunicorn stopped before it served" >&2; exit 1; }
  sleep 0.2  # waiting for gunicorn to listen: it gives no other sign
done
if [[ "${page:-}" == *"<h1>Sign in</h1>"* ]]; then
  echo "gunicorn 'coop:create_app()' served the sign-in page"
else
  echo "the sign-in page did not come: ${page:-(no answer)}" >&2
  exit 1
fi
