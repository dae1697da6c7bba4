#!/usr/bin/env bash
# ウェブメールIMAP next to the local store: the same generated mailbox of
# 10,000 and 100,000 messages in Dovecot and in a POP account's store; the
# first page, page 1,000 and a search for 会議 over HTTP on the release
# server (p50 / p95), and Dovecot's own UID SEARCH in the same run
# (server/examples/imap_bench.rs). A benchmark, not a test.
#   scripts/bench-imap.sh     (IMAP_SIZES=10000,100000 IMAP_RUNS=30)
# Uses a running mail stack when MS_HOST and MAILSTACK_DIR are set, else
# starts one for the run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh test >/dev/null
# shellcheck source=scripts/lib/mailstack.sh
. scripts/lib/mailstack.sh
ensure_mailstack ibench
cargo build --release -p server --bin tayori --example imap_bench
target/release/examples/imap_bench
