#!/usr/bin/env bash
# Make sure PostgreSQL and/or Chromium are installed (Debian packages, as root), installing only
# what is missing. Exit 1 if something is still missing afterwards.
set -uo pipefail
want=("$@")
[ ${#want[@]} -eq 0 ] && want=(postgres chromium)

have_postgres() { ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; }
have_chromium() { command -v chromium >/dev/null 2>&1; }

missing=()
for part in "${want[@]}"; do
  case "$part" in
    postgres) have_postgres || missing+=(postgresql postgresql-contrib) ;;
    chromium) have_chromium || missing+=(chromium) ;;
    venv) missing+=(python3-venv) ;;
  esac
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "Missing: ${missing[*]}. Install them with apt-get as root (or run as root to let make do it)." >&2
  exit 1
fi
echo "Installing ${missing[*]} (apt-get)..." >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null && apt-get install -y -qq "${missing[@]}" >/dev/null
status=0
for part in "${want[@]}"; do
  case "$part" in
    postgres) have_postgres || { echo "PostgreSQL could not be installed." >&2; status=1; } ;;
    chromium) have_chromium || { echo "Chromium could not be installed." >&2; status=1; } ;;
  esac
done
exit $status
