#!/usr/bin/env bash
# Receiving benchmark: 10,000 messages of mixed sizes from the project's real
# Dovecot into Tayori's store, next to a raw POP3 RETR loop in the same run.
#   scripts/bench-receive.sh     (BENCH_MESSAGES=10000 BENCH_ROUNDS=2)
# Uses a running mail stack when MS_HOST and MAILSTACK_DIR are set, else
# starts one for the run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh test >/dev/null
WORK=""
if [ -z "${MS_HOST:-}" ] || [ -z "${MAILSTACK_DIR:-}" ]; then
  WORK=$(mktemp -d /tmp/tayori-rbench.XXXXXX)
  chmod 0755 "$WORK"
  export MAILSTACK_DIR="$WORK/ms" MS_PORT_BASE="${MS_PORT_BASE:-23000}"
  mkdir -p "$MAILSTACK_DIR"
  trap 'scripts/mailstack.sh stop || true; rm -rf "$WORK"' EXIT
  scripts/mailstack.sh start
  . "$MAILSTACK_DIR/env.sh"
fi
cargo build --release -p server --example receive_bench
target/release/examples/receive_bench
