#!/usr/bin/env bash
# Sizes of the release browser bundle (raw, gzip -9, brotli -q 11), per file
# and for the first load (JS + wasm + CSS). Builds it first.
# Usage: scripts/sizes.sh   (needs brotli: scripts/install-deps.sh test)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build-site.sh >/dev/null
printf '%-18s %10s %10s %10s\n' file raw gzip brotli
total_raw=0 total_gz=0 total_br=0
for f in target/site/pkg/tayori.js target/site/pkg/tayori_bg.wasm target/site/pkg/tayori.css; do
  raw=$(stat -c %s "$f"); gz=$(gzip -9c "$f" | wc -c); br=$(brotli -q 11 -c "$f" | wc -c)
  total_raw=$((total_raw + raw)); total_gz=$((total_gz + gz)); total_br=$((total_br + br))
  printf '%-18s %10d %10d %10d\n' "$(basename "$f")" "$raw" "$gz" "$br"
done
printf '%-18s %10d %10d %10d\n' "first load" "$total_raw" "$total_gz" "$total_br"
