#!/usr/bin/env bash
# The mail screen in Chromium (a benchmark, not a test): a user with
# SCREEN_MESSAGES (500) messages in the inbox, the release server and
# bundles, and end2end/bench/screen.mjs measuring the mail page opened
# directly until interactive, j with the next message fetched ahead and a
# message not fetched ahead (p50 / p95). Everything runs on a private mail
# stack and store, removed at the end.
#   scripts/bench-screen.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
scripts/install-deps.sh test >/dev/null
cargo build --release -q -p server --bin tayori --example load_seed
[ -f target/site/pkg/tayori-mail.js ] || scripts/build-site.sh
WORK=$(mktemp -d /tmp/tayori-screen.XXXXXX)
chmod 0755 "$WORK"   # Dovecot and Postfix users must traverse it
SERVER=
cleanup() {
  [ -z "$SERVER" ] || kill "$SERVER" 2>/dev/null || true
  MAILSTACK_DIR="$WORK/ms" scripts/mailstack.sh stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

export MS_USERS='load001@example.test:load001pass' MAILSTACK_DIR="$WORK/ms" MS_PORT_BASE="${MS_PORT_BASE:-25000}"
mkdir -p "$MAILSTACK_DIR"
scripts/mailstack.sh start >/dev/null
# shellcheck source=/dev/null
. "$MAILSTACK_DIR/env.sh"
TAYORI_SECRET_KEY=$(head -c 32 /dev/urandom | base64)
export TAYORI_SECRET_KEY LOAD_PASSWORD=screen-pass-2026
LOAD_USERS=1 LOAD_MESSAGES="${SCREEN_MESSAGES:-500}" TAYORI_DATA_DIR="$WORK/data" \
  target/release/examples/load_seed >/dev/null

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
TAYORI_DATA_DIR="$WORK/data" TAYORI_LISTEN="127.0.0.1:$port" LEPTOS_SITE_ROOT="$ROOT/target/site" \
  TAYORI_MAIL_CA_FILE="$MS_CA_PEM" TAYORI_RECEIVE_INTERVAL=0 RUST_LOG=warn \
  target/release/tayori serve >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 300); do curl -fs -o /dev/null "http://127.0.0.1:$port/login" && break; sleep 0.1; done

echo "mail screen, ${SCREEN_MESSAGES:-500} messages, release server and bundles on loopback"
BASE_URL="http://127.0.0.1:$port" LOGIN=load001 PASSWORD="$LOAD_PASSWORD" node end2end/bench/screen.mjs
