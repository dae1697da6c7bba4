#!/usr/bin/env bash
# Notification fan-out benchmark: Tayori's dispatcher against the project's
# real Postfix, next to Postfix's own smtp-source in the same run.
#   scripts/bench.sh            (BENCH_MESSAGES=1000 BENCH_CONNECTIONS=4 BENCH_ROUNDS=2)
# Uses a running mail stack when MS_HOST and MAILSTACK_DIR are set, else
# starts one for the run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh test >/dev/null
# shellcheck source=scripts/lib/mailstack.sh
. scripts/lib/mailstack.sh
ensure_mailstack bench
cargo build --release -p server --example notify_bench
target/release/examples/notify_bench
