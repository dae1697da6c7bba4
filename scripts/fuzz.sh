#!/usr/bin/env bash
# Fuzzes what Tayori reads from others (not part of CI): POP3 replies, HTML
# mail through the cleaner, MIME reading for display. Each target runs for
# FUZZ_SECONDS (default 300) on one core; libFuzzer prints the executions
# and stops with the input at the first crash or failed assertion.
#   scripts/fuzz.sh [target…]      (default: every target)
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(pop3_replies html_clean mime_read)
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  # The toolchain is stable; cargo-fuzz's sanitizer flags need
  # RUSTC_BOOTSTRAP to be accepted by it.
  RUSTC_BOOTSTRAP=1 cargo fuzz run "$t" "corpus/$t" -- \
    -max_total_time="${FUZZ_SECONDS:-300}" -max_len=65536 -print_final_stats=1
done
