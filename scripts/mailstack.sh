#!/usr/bin/env bash
# A private Dovecot + Postfix on loopback for Tayori's tests. Everything lives
# in $MAILSTACK_DIR (config, certificates, queue, Maildirs, logs); the system's
# /etc/dovecot and /etc/postfix are neither read nor changed. Needs root
# (Postfix's master must start as root).
#
#   MAILSTACK_DIR=$(mktemp -d /tmp/ms.XXXXXX) scripts/mailstack.sh start
#   . "$MAILSTACK_DIR/env.sh"        # MS_*_PORT, MS_CA_PEM, MS_USERS ...
#   scripts/mailstack.sh stop
#
# Ports (base MS_PORT_BASE, default 20000):
#   +25  SMTP, STARTTLS offered, AUTH before and after TLS, local delivery
#   +26  SMTP offering and accepting only AUTH LOGIN
#   +27  SMTP without AUTH: relays for MS_POPB4_MINUTES after a POP3 login
#        from the same address (POP before SMTP)
#   +28  SMTP without STARTTLS
#   +587 submission: STARTTLS and AUTH required
#   +465 SMTPS (implicit TLS), AUTH required
#   +110 POP3 (+STLS, APOP)   +995 POP3S   +143 IMAP   +993 IMAPS
#   +80  OAuth 2.0 authorization server (end2end/authserver): Dovecot and,
#        through Dovecot's SASL, Postfix accept its access tokens with
#        XOAUTH2 and OAUTHBEARER beside the passwords
set -euo pipefail

: "${MAILSTACK_DIR:?set MAILSTACK_DIR to a short empty directory, e.g. \$(mktemp -d /tmp/ms.XXXXXX)}"
D="$MAILSTACK_DIR"
B="${MS_PORT_BASE:-20000}"
DOMAIN="${MS_DOMAIN:-example.test}"
USERS="${MS_USERS:-alice@$DOMAIN:alicepass
bob@$DOMAIN:bobpass
carol@$DOMAIN:Pa ss\"w\\rd!
bench@$DOMAIN:benchpass
dave@$DOMAIN:davepass
erin@$DOMAIN:erinpass
frank@$DOMAIN:frankpass
grace@$DOMAIN:gracepass
heidi@$DOMAIN:heidipass
ivan@$DOMAIN:ivanpass
judy@$DOMAIN:judypass
ken@$DOMAIN:kenpass
leo@$DOMAIN:leopass
mike@$DOMAIN:mikepass
nora@$DOMAIN:norapass
oscar@$DOMAIN:oscarpass
box1@$DOMAIN:box1pass
box2@$DOMAIN:box2pass
box3@$DOMAIN:box3pass
box4@$DOMAIN:box4pass
box5@$DOMAIN:box5pass
box6@$DOMAIN:box6pass
box7@$DOMAIN:box7pass
box8@$DOMAIN:box8pass
box9@$DOMAIN:box9pass
box10@$DOMAIN:box10pass
iris@$DOMAIN:irispass
catchall@$DOMAIN:catchallpass}"

P_SMTP=$((B + 25)); P_LOGINONLY=$((B + 26)); P_POPB4=$((B + 27)); P_NOTLS=$((B + 28))
POPB4_MINUTES="${MS_POPB4_MINUTES:-10}"
P_SUBMISSION=$((B + 587)); P_SMTPS=$((B + 465))
P_POP3=$((B + 110)); P_POP3S=$((B + 995)); P_IMAP=$((B + 143)); P_IMAPS=$((B + 993))
P_OAUTH=$((B + 80))
# 自動設定's DNS server (dnsmasq) and its HTTPS server for autoconfig
# documents. Autoconfig URLs have no port, so that server listens on 443 of
# a loopback address of this stack's own (127.1.x.y from the port base).
P_DNS=$((B + 53))
AC_ADDR="127.1.$(( (B >> 8) & 255 )).$(( B & 255 ))"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"

log() { printf '[mailstack] %s\n' "$*" >&2; }

write_certs() {
  local s="$D/ssl"
  mkdir -p "$s"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
    -subj "/CN=Tayori test CA" -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign,cRLSign -keyout "$s/ca.key" -out "$s/ca.pem" 2>/dev/null
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -subj "/CN=localhost" -keyout "$s/server.key" -out "$s/server.csr" 2>/dev/null
  cat > "$s/leaf.ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,DNS:mail.$DOMAIN,IP:127.0.0.1,IP:::1
EXT
  openssl x509 -req -in "$s/server.csr" -CA "$s/ca.pem" -CAkey "$s/ca.key" -CAcreateserial \
    -days 3650 -extfile "$s/leaf.ext" -out "$s/server.pem" 2>/dev/null
  chmod 0644 "$s"/*.pem; chmod 0640 "$s/server.key"; chgrp dovecot "$s/server.key"
}

# The autoconfig server's certificate (from the same CA) and documents: the
# domain's own (autoconfig.ac.<domain>, wk.<domain>/.well-known) and an
# ISPDB (ispdb.<domain>/v1.1/<domain>) for isp.<domain> and for the
# hosting provider hosted.<domain> that customer.test's MX points to.
write_autoconfig() {
  local a="$D/autoconfig" s="$D/ssl"
  mkdir -p "$a/docs"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -subj "/CN=autoconfig.ac.$DOMAIN" -keyout "$a/server.key" -out "$a/server.csr" 2>/dev/null
  cat > "$a/leaf.ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:autoconfig.ac.$DOMAIN,DNS:wk.$DOMAIN,DNS:ispdb.$DOMAIN
EXT
  openssl x509 -req -in "$a/server.csr" -CA "$s/ca.pem" -CAkey "$s/ca.key" -CAcreateserial \
    -days 3650 -extfile "$a/leaf.ext" -out "$a/server.pem" 2>/dev/null
  local doc
  doc=$(cat <<XML
<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="$DOMAIN">
    <domain>$DOMAIN</domain>
    <incomingServer type="imap">
      <hostname>mail.$DOMAIN</hostname><port>$P_IMAPS</port><socketType>SSL</socketType>
      <authentication>password-cleartext</authentication><username>%EMAILADDRESS%</username>
    </incomingServer>
    <incomingServer type="pop3">
      <hostname>mail.$DOMAIN</hostname><port>$P_POP3S</port><socketType>SSL</socketType>
      <authentication>password-cleartext</authentication><username>%EMAILADDRESS%</username>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>mail.$DOMAIN</hostname><port>$P_SUBMISSION</port><socketType>STARTTLS</socketType>
      <authentication>password-cleartext</authentication><username>%EMAILADDRESS%</username>
    </outgoingServer>
  </emailProvider>
</clientConfig>
XML
)
  local f
  for f in "autoconfig.ac.$DOMAIN/mail/config-v1.1.xml" \
    "wk.$DOMAIN/.well-known/autoconfig/mail/config-v1.1.xml" \
    "ispdb.$DOMAIN/v1.1/isp.$DOMAIN" "ispdb.$DOMAIN/v1.1/hosted.$DOMAIN"; do
    printf '%s\n' "$doc" > "$a/docs/$(printf '%s' "$f" | sed 's/[^A-Za-z0-9.-]/_/g')"
  done
  chmod -R a+rX "$a"
}

# The test DNS: every name under the domain is this machine, the
# autoconfig hosts are the autoconfig server, dead.test is an address
# that answers nothing (TEST-NET-1); MX records for preset-by-MX and
# ISPDB-by-MX; SRV records, and "." (not offered) for nopop's POP3.
write_dnsmasq() {
  cat > "$D/etc/dnsmasq.conf" <<CONF
port=$P_DNS
listen-address=127.0.0.1
bind-interfaces
no-resolv
no-hosts
user=root
keep-in-foreground
log-queries
address=/autoconfig.ac.$DOMAIN/$AC_ADDR
address=/wk.$DOMAIN/$AC_ADDR
address=/ispdb.$DOMAIN/$AC_ADDR
address=/$DOMAIN/127.0.0.1
address=/dead.test/192.0.2.1
mx-host=m365.test,m365-test.mail.protection.outlook.com,10
mx-host=customer.test,mx1.hosted.$DOMAIN,10
srv-host=_imaps._tcp.srv.$DOMAIN,mail.$DOMAIN,$P_IMAPS,0,0
srv-host=_pop3s._tcp.srv.$DOMAIN,mail.$DOMAIN,$P_POP3S,0,0
srv-host=_submission._tcp.srv.$DOMAIN,mail.$DOMAIN,$P_SUBMISSION,0,0
srv-host=_imaps._tcp.nopop.$DOMAIN,mail.$DOMAIN,$P_IMAPS,0,0
srv-host=_pop3s._tcp.nopop.$DOMAIN
srv-host=_pop3._tcp.nopop.$DOMAIN
CONF
}

start_discovery_servers() {
  setsid /usr/sbin/dnsmasq -C "$D/etc/dnsmasq.conf" </dev/null >>"$D/log/dnsmasq.log" 2>&1 &
  echo $! > "$D/run/dnsmasq.pid"
  AUTOCONFIG_DIR="$D/autoconfig" AUTOCONFIG_ADDR="$AC_ADDR" AUTOCONFIG_PORT=443 \
    setsid node "$ROOT/end2end/autoconfig/server.mjs" </dev/null >>"$D/log/autoconfig.log" 2>&1 &
  echo $! > "$D/run/autoconfig.pid"
}

write_users() {
  : > "$D/etc/users"; : > "$D/postfix/vmailbox"
  while IFS= read -r line; do
    [ -z "$line" ] && continue
    local addr="${line%%:*}" pass="${line#*:}" local_part
    local_part="${addr%@*}"
    printf '%s:{PLAIN}%s::::::\n' "$addr" "$pass" >> "$D/etc/users"
    printf '%s OK\n' "$addr" >> "$D/postfix/vmailbox"
    mkdir -p "$D/mail/$DOMAIN/$local_part/Maildir"/{cur,new,tmp}
  done <<< "$USERS"
  chown -R mail:mail "$D/mail"
  chmod 0644 "$D/etc/users"
}

write_dovecot() {
  cat > "$D/etc/dovecot.conf" <<CONF
instance_name = tayori-mailstack-$B
base_dir = $D/run/dovecot
state_dir = $D/state
protocols = imap pop3 lmtp
listen = 127.0.0.1
log_path = $D/log/dovecot.log
auth_verbose = yes
first_valid_uid = 8
mail_location = maildir:~/Maildir
mail_fsync = never
disable_plaintext_auth = no
auth_mechanisms = plain login cram-md5 apop xoauth2 oauthbearer
auth_username_format = %Lu
auth_cache_size = 0
auth_failure_delay = 0
ssl = yes
ssl_cert = <$D/ssl/server.pem
ssl_key = <$D/ssl/server.key
ssl_min_protocol = TLSv1.2
pop3_uidl_format = %08Xu%08Xv
postmaster_address = postmaster@$DOMAIN
hostname = mail.$DOMAIN
namespace inbox {
  inbox = yes
  separator = /
  mailbox Drafts {
    special_use = \\Drafts
    auto = subscribe
  }
  mailbox Sent {
    special_use = \\Sent
    auto = subscribe
  }
  mailbox Trash {
    special_use = \\Trash
    auto = subscribe
  }
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%Lu $D/etc/users
  mechanisms = plain login cram-md5 apop
}
# Bearer tokens are checked by asking the authorization server (RFC 7662);
# the mailbox is the token's email claim.
passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = $D/etc/dovecot-oauth2.conf.ext
}
userdb {
  driver = passwd-file
  args = username_format=%Lu $D/etc/users
  default_fields = uid=mail gid=mail home=$D/mail/%Ld/%Ln
}
service imap-login {
  inet_listener imap {
    port = $P_IMAP
  }
  inet_listener imaps {
    port = $P_IMAPS
    ssl = yes
  }
}
service pop3-login {
  inet_listener pop3 {
    port = $P_POP3
  }
  inet_listener pop3s {
    port = $P_POP3S
    ssl = yes
  }
}
# POP before SMTP: after each POP3 login a script records the client's
# address, which Postfix's relay check on the POP-before-SMTP port reads.
service pop3 {
  executable = pop3 pop3-postlogin
}
service pop3-postlogin {
  executable = script-login $D/bin/popb4smtp-hook.sh
  user = \$default_internal_user
  unix_listener pop3-postlogin {
  }
}
service lmtp {
  unix_listener lmtp {
    mode = 0666
  }
}
# Every client is 127.0.0.1: without this one wrong password slows all tests.
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service auth {
  unix_listener auth-postfix {
    mode = 0666
  }
}
CONF
  cat > "$D/etc/dovecot-oauth2.conf.ext" <<CONF
introspection_mode = post
introspection_url = http://$OAUTH_MAILSERVER_ID:$OAUTH_MAILSERVER_SECRET@127.0.0.1:$P_OAUTH/token/introspection
username_attribute = email
active_attribute = active
active_value = true
force_introspection = yes
CONF
  chmod 0640 "$D/etc/dovecot-oauth2.conf.ext"; chgrp dovecot "$D/etc/dovecot-oauth2.conf.ext"
  # Postfix hides mechanisms it is told to but still accepts them; a separate
  # auth-only Dovecot that knows only LOGIN makes the LOGIN-only port real.
  cat > "$D/etc/dovecot-loginonly.conf" <<CONF
instance_name = tayori-mailstack-lo-$B
base_dir = $D/run/dovecot-lo
state_dir = $D/state-lo
protocols = none
log_path = $D/log/dovecot-loginonly.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = login
auth_failure_delay = 0
auth_verbose = yes
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%Lu $D/etc/users
}
userdb {
  driver = static
  args = uid=mail gid=mail home=/nonexistent
}
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service auth {
  unix_listener auth-postfix {
    mode = 0666
  }
}
CONF
}

write_popb4() {
  mkdir -p "$D/bin" "$D/popb4"
  /usr/bin/sqlite3 "$D/popb4/clients.sqlite" \
    "CREATE TABLE IF NOT EXISTS clients(ip TEXT PRIMARY KEY, ts INTEGER NOT NULL, user TEXT)"
  chown -R dovecot:dovecot "$D/popb4"
  chmod 0755 "$D/popb4"; chmod 0644 "$D/popb4/clients.sqlite"
  # stdout is the client's socket: the hook must never write to it.
  cat > "$D/bin/popb4smtp-hook.sh" <<HOOK
#!/bin/sh
/usr/bin/sqlite3 "$D/popb4/clients.sqlite" \\
  "INSERT OR REPLACE INTO clients(ip, ts, user) VALUES ('\$IP', CAST(strftime('%s','now') AS INTEGER), '\$USER');" >/dev/null 2>&1 \\
  || echo "popb4smtp-hook: sqlite insert failed" >&2
exec "\$@"
HOOK
  chmod 0755 "$D/bin/popb4smtp-hook.sh"
}

write_postfix() {
  local p="$D/postfix"
  cat > "$p/main.cf" <<CONF
compatibility_level = 3.6
queue_directory = $D/spool
data_directory = $D/data
mail_owner = postfix
setgid_group = postdrop
maillog_file_prefixes = $D/log
maillog_file = $D/log/postfix.log
myhostname = mail.$DOMAIN
mydomain = $DOMAIN
myorigin = \$mydomain
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.1/32
local_transport = error:5.1.1 local delivery disabled
alias_maps =
alias_database =
biff = no
append_dot_mydomain = no
smtpd_banner = \$myhostname ESMTP tayori-mailstack
smtputf8_enable = yes
virtual_mailbox_domains = $DOMAIN
virtual_mailbox_maps = texthash:$p/vmailbox
virtual_alias_maps = regexp:$p/virtual_alias.regexp
virtual_alias_domains =
virtual_transport = lmtp:unix:$D/run/dovecot/lmtp
default_transport = error:5.7.1 the test stack delivers nothing outside
relay_transport = \$default_transport
smtpd_tls_chain_files = $D/ssl/server.key, $D/ssl/server.pem
smtpd_tls_security_level = may
smtpd_tls_auth_only = no
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = $D/run/dovecot/auth-postfix
smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
smtpd_error_sleep_time = 0
in_flow_delay = 0
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 5s
delay_warning_time = 0
maximal_queue_lifetime = 1h
bounce_queue_lifetime = 1h
smtp_dns_support_level = disabled
CONF
  cat > "$p/popb4smtp.cf" <<CONF
dbpath = $D/popb4/clients.sqlite
query = SELECT 'OK' FROM clients WHERE ip = '%s' AND ts >= CAST(strftime('%%s','now') AS INTEGER) - $(( POPB4_MINUTES * 60 ))
CONF
  # Authenticated relay to any other domain lands in catchall: nothing leaves.
  printf '!/@%s$/ catchall@%s\n' "${DOMAIN//./\\.}" "$DOMAIN" > "$p/virtual_alias.regexp"
  cat > "$p/master.cf" <<CONF
$P_SMTP  inet  n  -  n  -  -  smtpd
  -o syslog_name=postfix/smtp
$P_LOGINONLY  inet  n  -  n  -  -  smtpd
  -o syslog_name=postfix/loginonly
  -o smtpd_sasl_path=$D/run/dovecot-lo/auth-postfix
$P_POPB4  inet  n  -  n  -  -  smtpd
  -o syslog_name=postfix/popb4smtp
  -o smtpd_sasl_auth_enable=no
  -o { smtpd_relay_restrictions = check_client_access sqlite:$p/popb4smtp.cf, reject_unauth_destination }
$P_NOTLS  inet  n  -  n  -  -  smtpd
  -o syslog_name=postfix/notls
  -o smtpd_tls_security_level=none
$P_SUBMISSION  inet  n  -  n  -  -  smtpd
  -o syslog_name=postfix/submission
  -o smtpd_tls_security_level=encrypt
  -o smtpd_tls_auth_only=yes
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
$P_SMTPS  inet  n  -  n  -  -  smtpd
  -o syslog_name=postfix/smtps
  -o smtpd_tls_wrappermode=yes
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
pickup     unix  n  -  n  60    1  pickup
cleanup    unix  n  -  n  -     0  cleanup
qmgr       unix  n  -  n  300   1  qmgr
tlsmgr     unix  -  -  n  1000? 1  tlsmgr
rewrite    unix  -  -  n  -     -  trivial-rewrite
bounce     unix  -  -  n  -     0  bounce
defer      unix  -  -  n  -     0  bounce
trace      unix  -  -  n  -     0  bounce
verify     unix  -  -  n  -     1  verify
flush      unix  n  -  n  1000? 0  flush
proxymap   unix  -  -  n  -     -  proxymap
proxywrite unix  -  -  n  -     1  proxymap
smtp       unix  -  -  n  -     -  smtp
relay      unix  -  -  n  -     -  smtp
showq      unix  n  -  n  -     -  showq
error      unix  -  -  n  -     -  error
retry      unix  -  -  n  -     -  error
discard    unix  -  -  n  -     -  discard
lmtp       unix  -  -  n  -     -  lmtp
anvil      unix  -  -  n  -     1  anvil
scache     unix  -  -  n  -     1  scache
postlog    unix-dgram n - n -   1  postlogd
CONF
  # Postfix re-reads files younger than a second in 300 ms steps; back-date
  # them so start-up does not wait.
  touch -d "@$(( $(date +%s) - 10 ))" "$p"/*
}

start_authserver() {
  local mod="$ROOT/end2end/node_modules/oidc-provider"
  [ -d "$mod" ] || { log "missing $mod: run scripts/install-deps.sh test"; return 1; }
  OAUTH_PORT=$P_OAUTH OAUTH_DOMAIN=$DOMAIN OAUTH_ACCESS_TTL="${MS_OAUTH_ACCESS_TTL:-3600}" \
    OAUTH_CLIENT_ID=$OAUTH_CLIENT_ID OAUTH_CLIENT_SECRET=$OAUTH_CLIENT_SECRET \
    OAUTH_MAILSERVER_ID=$OAUTH_MAILSERVER_ID OAUTH_MAILSERVER_SECRET=$OAUTH_MAILSERVER_SECRET \
    OAUTH_COOKIE_KEY="$(openssl rand -hex 16)" \
    setsid node "$ROOT/end2end/authserver/server.mjs" </dev/null >>"$D/log/authserver.log" 2>&1 &
  echo $! > "$D/run/authserver.pid"
}

wait_ports() {
  local deadline=$(( $(date +%s) + 20 )) port
  for port in "$@"; do
    until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
      if [ "$(date +%s)" -ge "$deadline" ]; then
        log "port $port did not open; logs follow"
        tail -n 30 "$D"/log/*.log >&2 || true
        return 1
      fi
      sleep 0.05
    done
  done
}

wait_addr_port() {
  local deadline=$(( $(date +%s) + 20 ))
  until (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      log "$1:$2 did not open; logs follow"
      tail -n 30 "$D"/log/*.log >&2 || true
      return 1
    fi
    sleep 0.05
  done
}

# A port something else already listens on would make wait_ports pass with
# that process answering (a stale authorization server with an old client
# secret, another stack on the same base).
ports_free() {
  local port
  for port in "$@"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      log "port $port is already in use (another stack, or a process left from one?)"
      return 1
    fi
  done
}

pid_alive() {
  [ -r "/proc/$1/status" ] && ! grep -q '^State:.*Z' "/proc/$1/status"
}

stop() {
  local pids=() f pid
  for f in "$D/run/dovecot/master.pid" "$D/run/dovecot-lo/master.pid" "$D/spool/pid/master.pid" "$D/run/authserver.pid" \
    "$D/run/dnsmasq.pid" "$D/run/autoconfig.pid"; do
    [ -r "$f" ] || continue
    pid=$(tr -d ' \n' < "$f")
    [ -n "$pid" ] && pid_alive "$pid" && kill -TERM "$pid" 2>/dev/null && pids+=("$pid")
  done
  local deadline=$(( $(date +%s) + 5 ))
  for pid in "${pids[@]}"; do
    while pid_alive "$pid"; do
      if [ "$(date +%s)" -ge "$deadline" ]; then kill -KILL "$pid" 2>/dev/null || true; break; fi
      sleep 0.05
    done
  done
  log "stopped"
}

start() {
  for bin in /usr/sbin/dovecot /usr/sbin/postfix /usr/sbin/dnsmasq openssl node; do
    command -v "$bin" >/dev/null || { log "missing $bin: run scripts/install-deps.sh test"; exit 1; }
  done
  [ "$(id -u)" = 0 ] || { log "must run as root (Postfix's master starts as root)"; exit 1; }
  local t0; t0=$(date +%s%N)
  ports_free "$P_SMTP" "$P_LOGINONLY" "$P_POPB4" "$P_NOTLS" "$P_SUBMISSION" "$P_SMTPS" "$P_POP3" "$P_POP3S" "$P_IMAP" "$P_IMAPS" "$P_OAUTH" "$P_DNS" || exit 1
  chmod 0755 "$D"
  mkdir -p "$D"/{etc,log,run,state,state-lo,spool,data,mail,postfix}
  chown postfix:postfix "$D/data"
  # Fresh client secrets per start: the authorization server and Dovecot's
  # introspection read them from here, the tests from env.sh.
  OAUTH_CLIENT_ID=tayori OAUTH_CLIENT_SECRET=$(openssl rand -hex 16)
  OAUTH_MAILSERVER_ID=dovecot OAUTH_MAILSERVER_SECRET=$(openssl rand -hex 16)
  write_certs
  write_autoconfig
  write_dnsmasq
  write_users
  write_popb4
  write_dovecot
  write_postfix
  trap 'log "start failed; stopping what started"; stop' ERR
  start_authserver
  start_discovery_servers
  /usr/sbin/dovecot -c "$D/etc/dovecot.conf" </dev/null >>"$D/log/start.log" 2>&1
  /usr/sbin/dovecot -c "$D/etc/dovecot-loginonly.conf" </dev/null >>"$D/log/start.log" 2>&1
  # Postfix's smtpd dies without Dovecot's SASL socket: wait for it first.
  local n=0
  until [ -S "$D/run/dovecot/auth-postfix" ] && [ -S "$D/run/dovecot-lo/auth-postfix" ]; do
    n=$((n + 1)); [ $n -gt 200 ] && { log "Dovecot did not start"; cat "$D/log/"*.log >&2; false; }
    sleep 0.05
  done
  /usr/sbin/postfix -c "$D/postfix" start </dev/null >>"$D/log/start.log" 2>&1
  wait_ports "$P_SMTP" "$P_LOGINONLY" "$P_POPB4" "$P_NOTLS" "$P_SUBMISSION" "$P_SMTPS" "$P_POP3" "$P_POP3S" "$P_IMAP" "$P_IMAPS" "$P_OAUTH" "$P_DNS"
  wait_addr_port "$AC_ADDR" 443
  trap - ERR
  {
    echo "export MAILSTACK_DIR='$D'"
    echo "export MS_DOMAIN='$DOMAIN'"
    echo "export MS_HOST=127.0.0.1"
    echo "export MS_SMTP_PORT=$P_SMTP MS_SMTP_LOGINONLY_PORT=$P_LOGINONLY MS_SMTP_NOTLS_PORT=$P_NOTLS"
    echo "export MS_SMTP_POPB4_PORT=$P_POPB4 MS_POPB4_DB='$D/popb4/clients.sqlite'"
    echo "export MS_SUBMISSION_PORT=$P_SUBMISSION MS_SMTPS_PORT=$P_SMTPS"
    echo "export MS_POP3_PORT=$P_POP3 MS_POP3S_PORT=$P_POP3S MS_IMAP_PORT=$P_IMAP MS_IMAPS_PORT=$P_IMAPS"
    echo "export MS_CA_PEM='$D/ssl/ca.pem'"
    echo "export MS_OAUTH_ISSUER=http://127.0.0.1:$P_OAUTH MS_OAUTH_CLIENT_ID=$OAUTH_CLIENT_ID MS_OAUTH_CLIENT_SECRET=$OAUTH_CLIENT_SECRET"
    echo "export MS_OAUTH_CONSENT='$ROOT/end2end/authserver/consent.mjs'"
    echo "export MS_DNS=127.0.0.1:$P_DNS MS_AUTOCONFIG_ADDR=$AC_ADDR"
    printf "export MS_USERS=%q\n" "$USERS"
  } > "$D/env.sh"
  log "up in $(( ($(date +%s%N) - t0) / 1000000 )) ms (ports $B+…); env: $D/env.sh"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  *) echo "usage: MAILSTACK_DIR=… $0 start|stop|restart" >&2; exit 2 ;;
esac
