# Sourced by the bench scripts: `ensure_mailstack` uses the mail stack of
# the calling shell when MS_HOST and MAILSTACK_DIR are set (scripts/test.sh
# or a developer's own), else starts a private one for this run on
# MS_PORT_BASE (23000 by default) and stops it when the script exits.
# shellcheck shell=bash

ensure_mailstack() {
  if [ -n "${MS_HOST:-}" ] && [ -n "${MAILSTACK_DIR:-}" ]; then
    return 0
  fi
  MAILSTACK_WORK=$(mktemp -d "/tmp/tayori-${1:-bench}.XXXXXX")
  chmod 0755 "$MAILSTACK_WORK"   # Dovecot and Postfix users must traverse it
  export MAILSTACK_DIR="$MAILSTACK_WORK/ms" MS_PORT_BASE="${MS_PORT_BASE:-23000}"
  mkdir -p "$MAILSTACK_DIR"
  trap 'scripts/mailstack.sh stop || true; rm -rf "$MAILSTACK_WORK"' EXIT
  scripts/mailstack.sh start
  # shellcheck source=/dev/null
  . "$MAILSTACK_DIR/env.sh"
}
