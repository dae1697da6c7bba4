#!/usr/bin/env bash
# A private PostgreSQL for Tayori's tests, from a temporary data directory,
# listening on 127.0.0.1 only. The system cluster is not touched.
#
#   PGSTACK_DIR=$(mktemp -d /tmp/pg.XXXXXX) scripts/pgstack.sh start
#   . "$PGSTACK_DIR/env.sh"     # TAYORI_TEST_PG_URL=postgres://…/postgres
#   scripts/pgstack.sh stop
set -euo pipefail
: "${PGSTACK_DIR:?set PGSTACK_DIR to an empty directory}"
D="$PGSTACK_DIR"
PORT="${PG_PORT:-25432}"
log() { printf '[pgstack] %s\n' "$*" >&2; }

bindir() {
  local d
  # The newest installed major version.
  d=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  if [ ! -x "$d/initdb" ]; then
    log "PostgreSQL not installed: run scripts/install-deps.sh test"; exit 1
  fi
  echo "$d"
}

# initdb and postgres refuse to run as root: run them as the postgres user.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
  local bin t0; bin=$(bindir); t0=$(date +%s%N)
  chmod 0755 "$D"
  mkdir -p "$D/data" "$D/run" "$D/log"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$D/data" "$D/run" "$D/log"
  as_pg "$bin/initdb" -D "$D/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$D/initdb.log" 2>&1 \
    || { cat "$D/initdb.log" >&2; exit 1; }
  # Tests create a database each; fsync off because the data is thrown away.
  as_pg "$bin/pg_ctl" -D "$D/data" -l "$D/log/postgres.log" -w -t 30 start \
    -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$D/run -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
    >/dev/null || { cat "$D/log/postgres.log" >&2; exit 1; }
  echo "export TAYORI_TEST_PG_URL='postgres://postgres@127.0.0.1:$PORT/postgres'" > "$D/env.sh"
  log "up in $(( ($(date +%s%N) - t0) / 1000000 )) ms on 127.0.0.1:$PORT; env: $D/env.sh"
}

stop() {
  local bin; bin=$(bindir)
  if [ -f "$D/data/postmaster.pid" ]; then
    as_pg "$bin/pg_ctl" -D "$D/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  log "stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: PGSTACK_DIR=… $0 start|stop" >&2; exit 2 ;;
esac
