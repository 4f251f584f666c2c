#!/usr/bin/env bash
# Throwaway PostgreSQL server with the BiomedSQL sample tables, for tests and `biomedqa eval sql`.
#
#   eval "$(.ci/postgres.sh start)"        # prints: export BIOMEDQA_TEST_PG_URL=... BIOMEDQA_TEST_PG_DIR=...
#   .ci/postgres.sh stop "$BIOMEDQA_TEST_PG_DIR"
#
# Finds initdb/pg_ctl (/usr/lib/postgresql/*/bin, /usr/local/bin, PATH), installs the `postgresql`
# package with apt-get only when none is found, creates a cluster in a temp dir owned by an
# unprivileged user (initdb refuses root), listens on 127.0.0.1 at a free port, and loads the
# tables from the SQLite sample DB (SQLITE_DB, default ../shared/data/derived/biomedsql/...).
# Exit status 3 means PostgreSQL cannot be found or started here (the reason is on stderr).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
[ -x "$PY" ] || PY="$(command -v python3)"
log() { echo "postgres.sh: $*" >&2; }
fail() { log "$*"; exit 3; }

find_bin() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r) /usr/local/bin /usr/bin \
           $(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/x)"); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
  done
  return 1
}

as_user() {  # run a command as the cluster owner
  if [ "$(id -u)" = "0" ]; then runuser -u "$PGUSER_OS" -- "$@"; else "$@"; fi
}

start() {
  local db="${1:-${SQLITE_DB:-$ROOT/../shared/data/derived/biomedsql/biomedsql_sample.sqlite}}"
  [ -f "$db" ] || fail "SQLite source $db not found (set SQLITE_DB)."
  local bin
  if ! bin="$(find_bin)"; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
      log "no initdb found; installing postgresql with apt-get"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2 || fail "apt-get install postgresql failed."
      bin="$(find_bin)" || fail "postgresql installed but initdb not found."
    else
      fail "no initdb/pg_ctl found and cannot install PostgreSQL (need root and apt-get)."
    fi
  fi
  PGUSER_OS="$(id -un)"
  if [ "$(id -u)" = "0" ]; then
    if id postgres >/dev/null 2>&1; then PGUSER_OS=postgres; else PGUSER_OS=nobody; fi
  fi
  local dir port url
  dir="$(mktemp -d /tmp/biomedqa-pg.XXXXXX)"
  chown "$PGUSER_OS" "$dir" 2>/dev/null || true
  chmod 700 "$dir"
  port="$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  as_user "$bin/initdb" -D "$dir/data" -U biomedqa --auth=trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 \
    || fail "initdb failed: $(tail -n 3 "$dir/initdb.log")"
  as_user "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
    -o "-h 127.0.0.1 -p $port -k $dir -F" start >/dev/null || fail "server did not start: $(tail -n 3 "$dir/server.log")"
  echo "$bin" >"$dir/bin"
  echo "$PGUSER_OS" >"$dir/owner"
  "$PY" - "$port" <<'PYEOF' || fail "could not create database biomedsql"
import sys, psycopg
with psycopg.connect(f"host=127.0.0.1 port={sys.argv[1]} user=biomedqa dbname=postgres", autocommit=True) as c:
    c.execute("CREATE DATABASE biomedsql")
PYEOF
  url="postgresql+psycopg://biomedqa@127.0.0.1:$port/biomedsql"
  "$PY" -m biomedqa.tools.sql.copydb "$db" "$url" 2>"$dir/load.log" || fail "loading tables failed: $(tail -n 3 "$dir/load.log")"
  log "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port, data in $dir"
  echo "export BIOMEDQA_TEST_PG_URL=$url"
  echo "export BIOMEDQA_TEST_PG_DIR=$dir"
}

stop() {
  local dir="${1:?usage: postgres.sh stop DIR}"
  [ -d "$dir/data" ] || { log "no cluster in $dir"; return 0; }
  PGUSER_OS="$(cat "$dir/owner")"
  as_user "$(cat "$dir/bin")/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}

case "${1:-start}" in
  start) shift || true; start "$@" ;;
  stop) shift; stop "$@" ;;
  *) echo "usage: $0 start [SQLITE_DB] | stop DIR" >&2; exit 2 ;;
esac
