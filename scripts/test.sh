#!/usr/bin/env bash
# Runs every Tayori test on this machine, installing what is missing first:
# unit tests, integration tests against a real Dovecot + Postfix and a real
# PostgreSQL (started here on loopback, stopped at the end), the same domain
# and HTTP tests on SQLite, and Playwright in Debian's Chromium against the
# real server, including a restart on the same data directory.
# Fails when any server cannot be started: nothing is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"

t_start=$(date +%s)
step() { printf '\n\033[1m== %s\033[0m (%ss)\n' "$*" "$(( $(date +%s) - t_start ))"; }

step "install what is missing"
scripts/install-deps.sh test

WORK=$(mktemp -d /tmp/tayori-test.XXXXXX)
chmod 0755 "$WORK"   # Dovecot and Postfix users must traverse it
export MAILSTACK_DIR="$WORK/ms" PGSTACK_DIR="$WORK/pg"
export MS_PORT_BASE="${MS_PORT_BASE:-21000}" PG_PORT="${PG_PORT:-25433}"
PORT="${TAYORI_TEST_PORT:-3137}"
mkdir -p "$MAILSTACK_DIR" "$PGSTACK_DIR"
SERVER_PID=""

stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}
cleanup() {
  local rc=$?
  stop_server
  scripts/mailstack.sh stop || true
  scripts/pgstack.sh stop || true
  if [ $rc -ne 0 ]; then
    echo "tests failed (exit $rc); logs kept in $WORK" >&2
  else
    rm -rf "$WORK"
  fi
  echo "total: $(( $(date +%s) - t_start ))s"
}
trap cleanup EXIT

step "start Dovecot + Postfix and PostgreSQL"
scripts/mailstack.sh start
# shellcheck source=/dev/null
. "$MAILSTACK_DIR/env.sh"
scripts/pgstack.sh start
# shellcheck source=/dev/null
. "$PGSTACK_DIR/env.sh"

step "unit and integration tests (SQLite and PostgreSQL, real mail stack)"
# The tests that need the servers started above are behind each crate's
# `servers` feature; a plain `cargo test` runs the others.
SERVER_TESTS="mail/servers,domain/servers,server/servers"
# The browser crate is built for wasm below; building it here too would
# unify the ssr and hydrate features of `app` into one native build.
cargo test --workspace --exclude frontend --features "$SERVER_TESTS"

step "browser bundle and server"
scripts/build-site.sh
# The same feature set as the tests above (dev-dependencies included), so the
# server binary they built is reused instead of compiling the screens again.
cargo build --workspace --exclude frontend --all-targets --features "$SERVER_TESTS"

# Receiving on demand only: the browser tests follow 受信 and its progress bar,
# which a background pass could otherwise finish first (background receiving
# is tested in server/tests/crash.rs).
start_server() {
  TAYORI_RECEIVE_INTERVAL=0 TAYORI_DATA_DIR="$WORK/data" TAYORI_LISTEN="127.0.0.1:$PORT" LEPTOS_SITE_ROOT="$ROOT/target/site" \
    TAYORI_MAIL_CA_FILE="$MS_CA_PEM" TAYORI_DNS_SERVERS="$MS_DNS" \
    RUST_LOG=info,sqlx=warn "$ROOT/target/debug/tayori" >>"$WORK/server-$1.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 200); do
    curl -fsS -o /dev/null "http://127.0.0.1:$PORT/login" 2>/dev/null && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server-$1.log" >&2; return 1; }
    sleep 0.1
  done
  echo "server did not answer" >&2; cat "$WORK/server-$1.log" >&2; return 1
}

step "end-to-end: first start"
start_server first
TAYORI_ADMIN_PASSWORD=$(sed -n 's/.*one-time password: *//p' "$WORK/server-first.log" | head -n 1)
[ -n "$TAYORI_ADMIN_PASSWORD" ] || { echo "the first start printed no admin password" >&2; cat "$WORK/server-first.log" >&2; exit 1; }
export TAYORI_ADMIN_PASSWORD BASE_URL="http://127.0.0.1:$PORT"
# Every spec but those tagged @restart, which need the restart below.
(cd end2end && npx playwright test --grep-invert @restart)

step "end-to-end: after a restart on the same data directory"
stop_server
# Every kind of data the browser tests made must come back after a restart
# (the migrations run again on start): rows of every table, before and after.
python3 scripts/lib/row-counts.py "$WORK/data/tayori.db" >"$WORK/rows-before.txt"
for t in users organisations schedule_entries outbox mail_accounts mail_messages mail_bodies oauth_servers oauth_grants; do
  grep -Eq "^$t [1-9]" "$WORK/rows-before.txt" || { echo "the browser tests left no rows in $t" >&2; cat "$WORK/rows-before.txt" >&2; exit 1; }
done
start_server second
if grep -q "one-time password" "$WORK/server-second.log"; then
  echo "the second start printed a password again" >&2; exit 1
fi
python3 scripts/lib/row-counts.py "$WORK/data/tayori.db" >"$WORK/rows-after.txt"
diff -u "$WORK/rows-before.txt" "$WORK/rows-after.txt" || { echo "rows changed across the restart (above)" >&2; exit 1; }
(cd end2end && npx playwright test --grep @restart)

# A panic while serving fails the run even when the page survived it (a
# reactive value read after its view was gone, say).
if grep -n "panicked" "$WORK"/server-*.log; then
  echo "the server panicked during the browser tests (above)" >&2; exit 1
fi

step "all tests passed"
