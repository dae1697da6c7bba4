#!/usr/bin/env bash
# Installs what is missing, builds Tayori in release mode and serves it on
# the embedded SQLite database in ./data (override with TAYORI_DATA_DIR or
# DATABASE_URL; address with TAYORI_LISTEN, default 127.0.0.1:3000).
# Extra arguments go to `tayori serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
scripts/install-deps.sh run
scripts/build-site.sh
cargo build --release -p server --bin tayori
export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-$PWD/target/site}"
exec target/release/tayori serve "$@"
