#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL of our own on a free loopback port, with
# TEST_DATABASE_URL set; the server and its files are removed afterwards, whatever happens.
# fsync is off: this is for tests, never for real data.
set -euo pipefail
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
DIR=$(mktemp -d /tmp/carecoop-pg.XXXXXX)
chmod 755 "$DIR"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
as_pg() { if [ "$(id -u)" -eq 0 ]; then chown -R postgres "$DIR"; runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  as_pg "$PGBIN/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap cleanup EXIT INT TERM
as_pg "$PGBIN/initdb" -D "$DIR/data" -A trust -U carecoop -E UTF8 --locale=C.UTF-8 >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w start \
  -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100" >/dev/null
as_pg "$PGBIN/createdb" -h 127.0.0.1 -p "$PORT" -U carecoop carecoop_test
export TEST_DATABASE_URL="postgresql+psycopg://carecoop@127.0.0.1:$PORT/carecoop_test"
export PG_BIN="$PGBIN"
"$@"
