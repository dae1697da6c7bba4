#!/usr/bin/env bash
# Load run (a benchmark, not a test): LOAD_USERS (200) signed-in webmail
# sessions driven by Goose (end2end/load) for LOAD_SECONDS (60), LOAD_REPS
# (3) times, against the release server:
#   sqlite  one process on the embedded database;
#   pg      PostgreSQL, two processes behind one address (haproxy);
#   sizes   one session without pauses over the mail page, list, open and
#           search of a mailbox of LOAD_SMALL (1,000) and of LOAD_LARGE
#           (100,000) messages, LOAD_SIZE_SECONDS (30) each: does any part
#           of the page grow with the mailbox? (p95 ratio large / small)
# Each session lists, opens, searches, loads the mail page, sends to another
# seeded user and presses 受信, pausing LOAD_WAIT_MS (1000, ±50 %) between
# steps. Prints requests/s, p50/p95/p99 and errors per kind of request, and
# the servers' RSS before, after each repetition and after LOAD_IDLE (60) s
# idle. Everything runs on a private mail stack (one mailbox per user) and
# a private PostgreSQL, stopped at the end.
#   scripts/bench-load.sh [sqlite] [pg] [sizes]     (default: all three)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export LOAD_USERS="${LOAD_USERS:-200}" LOAD_MESSAGES="${LOAD_MESSAGES:-200}"
export LOAD_PASSWORD=load-pass-2026
RUN_SECONDS="${LOAD_SECONDS:-60}" REPS="${LOAD_REPS:-3}" IDLE="${LOAD_IDLE:-60}"
modes=("$@")
[ ${#modes[@]} -gt 0 ] || modes=(sqlite pg sizes)

scripts/install-deps.sh test >/dev/null
command -v haproxy >/dev/null || apt-get install -y -q haproxy >/dev/null
cargo build --release -q -p server --bin tayori --example load_seed
[ -f target/site/pkg/tayori-core.js ] || scripts/build-site.sh
cargo build --release -q --manifest-path end2end/load/Cargo.toml
GOOSE="$ROOT/end2end/load/target/release/tayori-load"

WORK=$(mktemp -d /tmp/tayori-load.XXXXXX)
chmod 0755 "$WORK"   # Dovecot and Postfix users must traverse it
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  MAILSTACK_DIR="$WORK/ms" scripts/mailstack.sh stop >/dev/null 2>&1 || true
  PGSTACK_DIR="$WORK/pg" scripts/pgstack.sh stop >/dev/null 2>&1 || true
  [ -n "${LOAD_KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT

# One mailbox per seeded user.
MS_USERS=$(for i in $(seq -f %03g 1 "$LOAD_USERS"); do printf 'load%s@example.test:load%spass\n' "$i" "$i"; done)
export MS_USERS MAILSTACK_DIR="$WORK/ms" MS_PORT_BASE="${MS_PORT_BASE:-24000}"
mkdir -p "$MAILSTACK_DIR"
scripts/mailstack.sh start >/dev/null
# shellcheck source=/dev/null
. "$MAILSTACK_DIR/env.sh"
TAYORI_SECRET_KEY=$(head -c 32 /dev/urandom | base64)
export TAYORI_SECRET_KEY

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# serve NAME DATA_DIR [DATABASE_URL]: starts a release server; its pid and
# port in SERVED_PID and SERVED_PORT.
serve() {
  local port; port=$(free_port)
  local db=(); [ -z "${3:-}" ] || db=(DATABASE_URL="$3")
  env "${db[@]}" TAYORI_DATA_DIR="$2" TAYORI_LISTEN="127.0.0.1:$port" \
    LEPTOS_SITE_ROOT="$ROOT/target/site" TAYORI_MAIL_CA_FILE="$MS_CA_PEM" \
    TAYORI_RECEIVE_INTERVAL=0 RUST_LOG=warn,sqlx=error \
    "$ROOT/target/release/tayori" serve >>"$WORK/$1.log" 2>&1 &
  SERVED_PID=$! SERVED_PORT=$port
  PIDS+=("$SERVED_PID")
}

wait_up() {
  for _ in $(seq 300); do
    curl -fs -o /dev/null "http://127.0.0.1:$1/login" && return 0
    sleep 0.1
  done
  echo "nothing answers on port $1" >&2; return 1
}

rss() { local t=0 p; for p in "$@"; do t=$((t + $(ps -o rss= -p "$p"))); done; echo "$((t / 1024)) MB"; }

# run MODE URL PID…: the repetitions against URL, RSS of the PIDs.
run() {
  local mode=$1 url=$2; shift 2
  echo "## $mode: $LOAD_USERS sessions, ${RUN_SECONDS} s × $REPS, RSS of $# process(es)"
  echo "RSS before: $(rss "$@")"
  for rep in $(seq "$REPS"); do
    "$GOOSE" --host "$url" --users "$LOAD_USERS" --hatch-rate 50 --run-time "${RUN_SECONDS}s" \
      --request-log "$WORK/$mode-$rep.json" --request-format json --quiet --no-print-metrics \
      >"$WORK/$mode-$rep.goose.log" 2>&1 || { cat "$WORK/$mode-$rep.goose.log" >&2; return 1; }
    echo "### repetition $rep"
    python3 "$ROOT/scripts/lib/load-summary.py" "$WORK/$mode-$rep.json"
    echo "RSS after repetition $rep: $(rss "$@")"
  done
  sleep "$IDLE"
  echo "RSS after ${IDLE} s idle: $(rss "$@")"
}

# seed DATA_DIR [DATABASE_URL]: the users and their mail; LOAD_SEED_FILE
# names them for Goose.
seed() {
  LOAD_SEED_FILE="$WORK/seed-$(basename "$1").txt"
  TAYORI_DATA_DIR="$1" DATABASE_URL="${2:-}" target/release/examples/load_seed >"$LOAD_SEED_FILE"
  export LOAD_SEED_FILE
}

for mode in "${modes[@]}"; do
  case "$mode" in
    sqlite)
      seed "$WORK/sqlite"
      serve sqlite "$WORK/sqlite"
      wait_up "$SERVED_PORT"
      run sqlite "http://127.0.0.1:$SERVED_PORT" "$SERVED_PID"
      kill "$SERVED_PID"; wait "$SERVED_PID" 2>/dev/null || true
      ;;
    pg)
      export PGSTACK_DIR="$WORK/pg" PG_PORT="${LOAD_PG_PORT:-25439}"
      mkdir -p "$PGSTACK_DIR"
      scripts/pgstack.sh start >/dev/null
      # shellcheck source=/dev/null
      . "$PGSTACK_DIR/env.sh"
      seed "$WORK/pg-seed" "$TAYORI_TEST_PG_URL"
      serve pg-a "$WORK/pg-a" "$TAYORI_TEST_PG_URL"; pid_a=$SERVED_PID port_a=$SERVED_PORT
      serve pg-b "$WORK/pg-b" "$TAYORI_TEST_PG_URL"; pid_b=$SERVED_PID port_b=$SERVED_PORT
      wait_up "$port_a"; wait_up "$port_b"
      front=$(free_port)
      cat >"$WORK/haproxy.cfg" <<CFG
defaults
  mode http
  timeout connect 5s
  timeout client 120s
  timeout server 120s
frontend tayori
  bind 127.0.0.1:$front
  default_backend servers
backend servers
  balance roundrobin
  server a 127.0.0.1:$port_a
  server b 127.0.0.1:$port_b
CFG
      haproxy -db -f "$WORK/haproxy.cfg" >"$WORK/haproxy.log" 2>&1 &
      PIDS+=($!)
      wait_up "$front"
      run pg "http://127.0.0.1:$front" "$pid_a" "$pid_b"
      ;;
    sizes)
      logs=()
      for n in "${LOAD_SMALL:-1000}" "${LOAD_LARGE:-100000}"; do
        LOAD_USERS=1 LOAD_MESSAGES=$n seed "$WORK/size-$n"
        serve "size-$n" "$WORK/size-$n"
        wait_up "$SERVED_PORT"
        LOAD_STEPS=page,list,open,search LOAD_WAIT_MS=0 "$GOOSE" --host "http://127.0.0.1:$SERVED_PORT" \
          --users 1 --hatch-rate 1 --run-time "${LOAD_SIZE_SECONDS:-30}s" \
          --request-log "$WORK/size-$n.json" --request-format json --quiet --no-print-metrics \
          >"$WORK/size-$n.goose.log" 2>&1 || { cat "$WORK/size-$n.goose.log" >&2; exit 1; }
        kill "$SERVED_PID"; wait "$SERVED_PID" 2>/dev/null || true
        logs+=("$WORK/size-$n.json")
      done
      echo "## sizes: one session without pauses, ${LOAD_SMALL:-1000} and ${LOAD_LARGE:-100000} messages"
      python3 "$ROOT/scripts/lib/load-summary.py" "${logs[@]}"
      ;;
    *) echo "unknown mode $mode (sqlite, pg or sizes)" >&2; exit 2 ;;
  esac
done
panics=$(cat "$WORK"/*.log | grep -c "panicked" || true)
echo "server panics: $panics"
[ "$panics" = 0 ]
