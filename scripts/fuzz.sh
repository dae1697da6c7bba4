#!/usr/bin/env bash
# Fuzzes what Tayori reads from others (not part of CI): POP3 and SMTP
# replies, HTML mail through the cleaner, MIME reading for display, the
# search-hit marker and the account CSV import. Each target runs on one
# core for FUZZ_SECONDS (default 300) or FUZZ_RUNS executions when set;
# libFuzzer prints the executions and stops with the input at the first
# crash or failed assertion. Seeds in fuzz/seeds/<target> start the corpus.
#   scripts/fuzz.sh [target…]      (default: every target)
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(pop3_replies smtp_replies html_clean mime_read search_marks csv_import)
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  if [ -d "seeds/$t" ]; then cp -n seeds/"$t"/* "corpus/$t/"; fi
  # Reading starts from the golden messages (legacy charsets, odd MIME).
  if [ "$t" = mime_read ]; then cp -n ../mail/tests/golden/mime/*.eml ../mail/tests/golden/mime/legacy/*.eml "corpus/$t/"; fi
  if [ -n "${FUZZ_RUNS:-}" ]; then limit=(-runs="$FUZZ_RUNS"); else limit=(-max_total_time="${FUZZ_SECONDS:-300}"); fi
  # The toolchain is stable; cargo-fuzz's flags need RUSTC_BOOTSTRAP to be
  # accepted by it. No sanitizer: `mail` and `domain` forbid unsafe code,
  # so AddressSanitizer finds nothing there and would halve the executions.
  # -O: dependencies as the server builds them; fuzz/Cargo.toml keeps
  # overflow checks and debug assertions on for Tayori's own crates.
  RUSTC_BOOTSTRAP=1 cargo fuzz run -O --sanitizer none "$t" "corpus/$t" -- \
    "${limit[@]}" -max_len="${FUZZ_MAX_LEN:-65536}" -print_final_stats=1
done
