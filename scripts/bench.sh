#!/usr/bin/env bash
# Notification fan-out benchmark: Tayori's dispatcher against the project's
# real Postfix, next to Postfix's own smtp-source in the same run.
#   scripts/bench.sh            (BENCH_MESSAGES=1000 BENCH_CONNECTIONS=4 BENCH_ROUNDS=2)
# Uses a running mail stack when MS_HOST is set, else starts one for the run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh test >/dev/null
WORK=""
if [ -z "${MS_HOST:-}" ]; then
  WORK=$(mktemp -d /tmp/tayori-bench.XXXXXX)
  chmod 0755 "$WORK"
  export MAILSTACK_DIR="$WORK/ms" MS_PORT_BASE="${MS_PORT_BASE:-23000}"
  mkdir -p "$MAILSTACK_DIR"
  trap 'scripts/mailstack.sh stop || true; rm -rf "$WORK"' EXIT
  scripts/mailstack.sh start
  . "$MAILSTACK_DIR/env.sh"
fi
cargo build --release -p server --example notify_bench
target/release/examples/notify_bench
