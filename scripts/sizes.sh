#!/usr/bin/env bash
# Sizes of the release browser bundles as served (raw, gzip -9, brotli -q 11): per
# file, and the first load of a page of each area (its JS + wasm + the CSS).
# Builds them first.
# Usage: scripts/sizes.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build-site.sh >/dev/null
pkg=target/site/pkg
row() { printf '%-28s %10s %10s %10s\n' "$@"; }
# The compressed copies are the ones the server sends (build-site.sh).
sizes() { echo "$(stat -c %s "$1") $(stat -c %s "$1.gz") $(stat -c %s "$1.br")"; }
row file raw gzip brotli
read -r css_raw css_gz css_br <<<"$(sizes "$pkg/tayori.css")"
row tayori.css "$css_raw" "$css_gz" "$css_br"
for area in core mail compose admin; do
  t_raw=$css_raw t_gz=$css_gz t_br=$css_br
  for f in "$pkg/tayori-$area.js" "$pkg/tayori-${area}_bg.wasm"; do
    read -r raw gz br <<<"$(sizes "$f")"
    row "$(basename "$f")" "$raw" "$gz" "$br"
    t_raw=$((t_raw + raw)) t_gz=$((t_gz + gz)) t_br=$((t_br + br))
  done
  row "first load: $area" "$t_raw" "$t_gz" "$t_br"
done
echo "areas: admin = /admin…; compose = /mail/compose; mail = /mail (the mail screen); core = every other page (sign-in, home, schedule, accounts, help)"
