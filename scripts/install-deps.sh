#!/usr/bin/env bash
# Installs whatever this machine lacks to build and test Tayori, and nothing
# it already has. Usage: scripts/install-deps.sh [run|test]
#   run:  the wasm target, wasm-bindgen-cli, npm build tools
#   test: also Dovecot, Postfix, PostgreSQL, Chromium and Playwright
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-test}"
WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = "=\(.*\)"/\1/p' Cargo.toml)

say() { printf '\033[1m[install]\033[0m %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_install() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "apt: ${missing[*]}"
  # Package scripts must not start system daemons (Dovecot on 110/143,
  # PostgreSQL on 5432): the tests start their own on private ports.
  local added_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | as_root tee /usr/sbin/policy-rc.d >/dev/null
    as_root chmod +x /usr/sbin/policy-rc.d
    added_policy=1
  fi
  echo "postfix postfix/main_mailer_type select No configuration" | as_root debconf-set-selections
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  [ -n "$added_policy" ] && as_root rm -f /usr/sbin/policy-rc.d
  return 0
}

rustup target list --installed | grep -qx wasm32-unknown-unknown || {
  say "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
}
if ! command -v wasm-bindgen >/dev/null || [ "$(wasm-bindgen --version | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  # Must equal the wasm-bindgen crate in Cargo.lock; --locked fails (its lock
  # pins a crate version the registry no longer has).
  say "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 2 minutes)"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi
if [ ! -x node_modules/.bin/wasm-opt ] || [ ! -x node_modules/.bin/esbuild ]; then
  say "npm ci (binaryen wasm-opt, esbuild)"
  npm ci --no-audit --no-fund
fi

if [ "$what" = test ]; then
  apt_install dovecot-core dovecot-pop3d dovecot-imapd dovecot-lmtpd postfix postfix-sqlite \
    sqlite3 openssl postgresql chromium fonts-ipafont-gothic ca-certificates shellcheck dnsmasq-base
  if [ ! -d end2end/node_modules/@playwright/test ] || [ ! -d end2end/node_modules/oidc-provider ]; then
    say "npm ci in end2end (Playwright; Debian's Chromium is used, no browser download)"
    (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
  fi
fi
say "ready ($what)"
