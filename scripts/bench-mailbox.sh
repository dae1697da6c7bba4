#!/usr/bin/env bash
# Message list and search benchmark: mailboxes of 1,000 and 100,000
# messages in SQLite stores, server time p50/p95 and the ratio between them.
#   scripts/bench-mailbox.sh     (BENCH_SMALL=1000 BENCH_LARGE=100000)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p server --example mailbox_bench
target/release/examples/mailbox_bench
