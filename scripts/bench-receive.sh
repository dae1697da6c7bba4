#!/usr/bin/env bash
# Receiving benchmark: 10,000 messages of mixed sizes from the project's real
# Dovecot into Tayori's store, in-process and through the running release
# server (受信 pressed over HTTP), next to a raw POP3 RETR loop in the same run.
#   scripts/bench-receive.sh     (BENCH_MESSAGES=10000 BENCH_ROUNDS=2)
# Uses a running mail stack when MS_HOST and MAILSTACK_DIR are set, else
# starts one for the run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh test >/dev/null
# shellcheck source=scripts/lib/mailstack.sh
. scripts/lib/mailstack.sh
ensure_mailstack rbench
cargo build --release -p server --bin tayori --example receive_bench
target/release/examples/receive_bench
