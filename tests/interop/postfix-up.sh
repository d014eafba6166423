#!/usr/bin/env bash
# Set up a real Postfix MTA + Dovecot SASL on 127.0.0.1 for smtpx interop tests.
#
# Run as root on Debian 12 (no systemd needed):  bash tests/interop/postfix-up.sh
# Idempotent: a second run with everything up only re-checks and exits 0.
# Nothing listens on port 25 and nothing is ever delivered off this machine.
set -euo pipefail

# ---------------------------------------------------------------- constants
LISTEN_ADDR=127.0.0.1
PORT_MTA=10025          # STARTTLS offered, no AUTH
PORT_SUBMISSION=10587   # STARTTLS required, then AUTH PLAIN/LOGIN
PORT_SMTPS=10465        # implicit TLS, AUTH PLAIN/LOGIN
# connection engineer: PROXY protocol listener (smtpx --proxy-protocol tests)
PORT_PROXIED=10027      # expects a HAProxy PROXY v1/v2 header first, then as 10025
# smuggle check: like the MTA port, but bare <LF> is no line end (10025 keeps the default `no`)
PORT_FORBID_BARE_LF=10028
TEST_USER=smtpxtest
TEST_PASSWORD=smtpx-test-password
TEST_HOME=/home/$TEST_USER
TEST_DOMAIN=smtpx.test
MAILDIR=$TEST_HOME/Maildir
STATE_DIR=/etc/smtpx-interop
CERT=$STATE_DIR/cert.pem
KEY=$STATE_DIR/key.pem
DOVECOT_CONF=$STATE_DIR/dovecot.conf
DOVECOT_USERS=/etc/dovecot/smtpx-users
DOVECOT_BASE=/run/smtpx-dovecot
LOG_DIR=/var/log/smtpx-interop
POSTFIX_LOG=$LOG_DIR/postfix.log
DOVECOT_LOG=$LOG_DIR/dovecot.log
SASL_SOCKET=/var/spool/postfix/private/auth
WAIT_SECS=20
PACKAGES=(postfix dovecot-core openssl)
# --- session engineer: LMTP (Dovecot) and XCLIENT/XFORWARD (Postfix) listeners
PORT_LMTP=10024         # Dovecot LMTP: delivers to $TEST_USER; $LMTP_FULL_USER is over quota
PORT_XCLIENT=10026      # Postfix smtpd with XCLIENT and XFORWARD authorized for 127.0.0.1
LMTP_FULL_USER=smtpxfull
LMTP_USERS=/etc/dovecot/smtpx-lmtp-users
PACKAGES+=(dovecot-lmtpd)
# --- end session engineer

log() { printf 'postfix-up: %s\n' "$*"; }
die() { printf 'postfix-up: ERROR: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root"

# ------------------------------------------------------------ port checks
# Send one SMTP line to fd $1. SIGPIPE is ignored meanwhile, so a peer that is
# gone makes the write fail instead of killing the script. (No subshell here:
# bash closes coproc fds in subshells.)
say() {
    local rc=0
    trap '' PIPE
    printf '%s\r\n' "$2" 2>/dev/null 1>&"$1" || rc=1
    trap - PIPE
    return "$rc"
}
# Read the SMTP greeting from a plain-text port; 0 if it starts with "220".
greet_plain() {
    local port=$1 line=""
    { exec 3<>"/dev/tcp/$LISTEN_ADDR/$port"; } 2>/dev/null || return 1
    IFS= read -r -t 5 line <&3 2>/dev/null || true
    say 3 QUIT || true
    exec 3<&- 3>&-
    [[ $line == 220* ]]
}
# Same over implicit TLS; with a 2nd argument "auth", also log in with the
# test user (proves Postfix <-> Dovecot SASL works): 0 on "235".
greet_tls() {
    local port=$1 want_auth=${2:-} line="" rfd wfd cpid ok=1
    coproc TLSC { exec timeout 10 openssl s_client -quiet -connect "$LISTEN_ADDR:$port" \
                    -servername localhost 2>/dev/null; }
    rfd=${TLSC[0]} wfd=${TLSC[1]} cpid=$TLSC_PID
    {
        IFS= read -r -t 5 line <&"$rfd" || true
        if [[ $line == 220* ]]; then
            ok=0
            if [ "$want_auth" = auth ]; then
                ok=1
                say "$wfd" "EHLO postfix-up" || true
                while IFS= read -r -t 5 line <&"$rfd"; do [[ $line == 250\ * ]] && break; done
                say "$wfd" "AUTH PLAIN $(printf '\0%s\0%s' "$TEST_USER" "$TEST_PASSWORD" | base64 -w0)" || true
                IFS= read -r -t 5 line <&"$rfd" || true
                [[ $line == 235* ]] && ok=0
            fi
        fi
        say "$wfd" QUIT || true
        exec {wfd}>&- {rfd}<&-
    } 2>/dev/null
    wait "$cpid" 2>/dev/null || true
    return "$ok"
}
# connection engineer: the greeting on the PROXY listener, after a v1 header.
greet_proxied() {
    local line=""
    { exec 3<>"/dev/tcp/$LISTEN_ADDR/$PORT_PROXIED"; } 2>/dev/null || return 1
    say 3 "PROXY TCP4 192.0.2.1 $LISTEN_ADDR 4000 $PORT_PROXIED" || true
    IFS= read -r -t 5 line <&3 2>/dev/null || true
    say 3 QUIT || true
    exec 3<&- 3>&-
    [[ $line == 220* ]]
}
all_ports_up() {
    greet_plain "$PORT_MTA" && greet_plain "$PORT_SUBMISSION" && greet_tls "$PORT_SMTPS" \
        && greet_proxied \
        && greet_plain "$PORT_FORBID_BARE_LF" \
        && session_ports_up
}
# --- session engineer: LMTP and XCLIENT listeners greet with 220 too
session_ports_up() {
    greet_plain "$PORT_LMTP" && greet_plain "$PORT_XCLIENT"
}
# --- end session engineer

# ---------------------------------------------------------------- packages
packages_installed() {
    local p
    for p in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || return 1
    done
}

install_packages() {
    log "installing ${PACKAGES[*]}"
    export DEBIAN_FRONTEND=noninteractive
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    # Keep the package scripts from starting daemons (port 25!) during install.
    local prc=/usr/sbin/policy-rc.d prc_backup=""
    if [ -e "$prc" ]; then
        prc_backup=$(mktemp); cp -p "$prc" "$prc_backup"
    fi
    printf '#!/bin/sh\nexit 101\n' >"$prc"; chmod 755 "$prc"
    # shellcheck disable=SC2064
    trap "if [ -n '$prc_backup' ]; then mv -f '$prc_backup' '$prc'; else rm -f '$prc'; fi" EXIT
    local apt_opts=(-y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold
                    --no-install-recommends)
    if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
        apt-get update -q
    fi
    if ! apt-get install "${apt_opts[@]}" "${PACKAGES[@]}"; then
        log "install failed; running apt-get update and retrying"
        apt-get update -q
        apt-get install "${apt_opts[@]}" "${PACKAGES[@]}"
    fi
    if [ -n "$prc_backup" ]; then mv -f "$prc_backup" "$prc"; else rm -f "$prc"; fi
    trap - EXIT
}

packages_installed || install_packages
packages_installed || die "packages ${PACKAGES[*]} are not installed"

# ------------------------------------------------------------- file helper
# put_file MODE OWNER:GROUP PATH  (content on stdin); sets CHANGED=1 when the
# content differs. Mode and owner are enforced every run.
CHANGED=0
put_file() {
    local mode=$1 owner=$2 dest=$3 tmp
    tmp=$(mktemp)
    cat >"$tmp"
    if [ -f "$dest" ] && cmp -s "$tmp" "$dest"; then
        rm -f "$tmp"; CHANGED=0
    else
        mv -f "$tmp" "$dest"; CHANGED=1
    fi
    chmod "$mode" "$dest"; chown "$owner" "$dest"
}

mkdir -p "$STATE_DIR" "$LOG_DIR"
chmod 755 "$STATE_DIR" "$LOG_DIR"
POSTFIX_DIRTY=0
DOVECOT_DIRTY=0

# ---------------------------------------------------------------- test user
if ! id "$TEST_USER" >/dev/null 2>&1; then
    log "creating user $TEST_USER"
    useradd --create-home --home-dir "$TEST_HOME" --shell /usr/sbin/nologin "$TEST_USER"
    echo "$TEST_USER:$TEST_PASSWORD" | chpasswd
fi
TEST_UID=$(id -u "$TEST_USER"); TEST_GID=$(id -g "$TEST_USER")
mkdir -p "$MAILDIR"/{new,cur,tmp}
chown -R "$TEST_USER:$TEST_USER" "$TEST_HOME"
chmod 755 "$TEST_HOME" "$MAILDIR" "$MAILDIR"/{new,cur,tmp}

# ------------------------------------------------------------- certificate
cert_ok() {
    [ -s "$CERT" ] && [ -s "$KEY" ] || return 1
    openssl x509 -in "$CERT" -noout -checkend 86400 >/dev/null 2>&1 || return 1
    openssl x509 -in "$CERT" -noout -ext subjectAltName 2>/dev/null \
        | grep -q "DNS:localhost, IP Address:$LISTEN_ADDR" || return 1
    # key matches cert
    [ "$(openssl x509 -in "$CERT" -noout -pubkey)" = "$(openssl pkey -in "$KEY" -pubout 2>/dev/null)" ]
}
if ! cert_ok; then
    log "generating self-signed certificate $CERT"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -sha256 \
        -keyout "$KEY" -out "$CERT" -subj "/CN=localhost" \
        -addext "subjectAltName=DNS:localhost,IP:$LISTEN_ADDR" \
        -addext "basicConstraints=critical,CA:FALSE" \
        -addext "extendedKeyUsage=serverAuth" >/dev/null 2>&1 \
        || die "openssl failed to create the certificate"
    POSTFIX_DIRTY=1
fi
chown root:root "$CERT"; chmod 644 "$CERT"
chown root:postfix "$KEY"; chmod 640 "$KEY"

# ------------------------------------------------------------------ dovecot
put_file 640 root:dovecot "$DOVECOT_USERS" <<EOT
$TEST_USER:{PLAIN}$TEST_PASSWORD:$TEST_UID:$TEST_GID::$TEST_HOME::
EOT
[ "$CHANGED" = 0 ] || DOVECOT_DIRTY=1

put_file 644 root:root "$DOVECOT_CONF" <<EOT
# Generated by smtpx tests/interop/postfix-up.sh -- auth (SASL) service only.
protocols = none
listen = $LISTEN_ADDR
base_dir = $DOVECOT_BASE
instance_name = smtpx-dovecot
log_path = $DOVECOT_LOG
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_verbose = yes
# Fast auth failures. auth_failure_delay = 0 alone still answers a failure only
# on a 0.5 s timer tick, and repeated failures from 127.0.0.1 would add the
# anvil auth penalty (2..15 s, also delaying later good logins). A failed
# passdb's extra fields are dropped, so a first passdb that only sets
# "nodelay" (result: next) makes every failure immediate and penalty-free.
auth_failure_delay = 0
passdb {
  driver = static
  args = noauthenticate nodelay=yes
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%n $DOVECOT_USERS
}
userdb {
  driver = passwd-file
  args = username_format=%n $DOVECOT_USERS
}
service auth {
  unix_listener $SASL_SOCKET {
    mode = 0660
    user = postfix
    group = postfix
  }
}
# --- session engineer: LMTP on $LISTEN_ADDR:$PORT_LMTP (RFC 2033). $TEST_USER gets the
# mail in $MAILDIR; $LMTP_FULL_USER exists but has a 1-byte quota, so its data reply
# fails while the other recipient of the same message is delivered.
protocols = lmtp
mail_location = maildir:~/Maildir
first_valid_uid = 100
userdb {
  driver = passwd-file
  args = username_format=%n $LMTP_USERS
}
protocol lmtp {
  mail_plugins = quota
  postmaster_address = postmaster@$TEST_DOMAIN
}
plugin {
  quota = count:User quota
  quota_vsizes = yes
  quota_rule = *:storage=0
}
service lmtp {
  inet_listener lmtp {
    address = $LISTEN_ADDR
    port = $PORT_LMTP
  }
}
# --- end session engineer
EOT
[ "$CHANGED" = 0 ] || DOVECOT_DIRTY=1
# --- session engineer: the over-quota LMTP user (never a SASL login: no passdb entry)
put_file 640 root:dovecot "$LMTP_USERS" <<EOT
$LMTP_FULL_USER::$TEST_UID:$TEST_GID::$TEST_HOME/$LMTP_FULL_USER::userdb_quota_rule=*:storage=1B
EOT
[ "$CHANGED" = 0 ] || DOVECOT_DIRTY=1
# --- end session engineer

# ------------------------------------------------------------------ postfix
[ -s /etc/mailname ] || echo localhost >/etc/mailname
if [ ! -f /etc/aliases ]; then
    printf 'postmaster: root\n' >/etc/aliases
fi
if [ ! -f /etc/aliases.db ] || [ /etc/aliases -nt /etc/aliases.db ]; then
    NEED_NEWALIASES=1
else
    NEED_NEWALIASES=0
fi
for f in main.cf master.cf; do
    if [ -f /etc/postfix/$f ] && [ ! -e /etc/postfix/$f.smtpx-orig ] \
        && ! grep -q 'smtpx tests/interop' /etc/postfix/$f; then
        cp -p /etc/postfix/$f /etc/postfix/$f.smtpx-orig
    fi
done

put_file 644 root:root /etc/postfix/main.cf <<EOT
# Generated by smtpx tests/interop/postfix-up.sh -- loopback-only test MTA.
compatibility_level = 3.6
myhostname = localhost
mydomain = $TEST_DOMAIN
myorigin = \$myhostname
mydestination = localhost, localhost.localdomain, $TEST_DOMAIN
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_banner = \$myhostname ESMTP Postfix (smtpx interop)
biff = no
append_dot_mydomain = no
readme_directory = no
maillog_file = $POSTFIX_LOG

# Local delivery for $TEST_USER@localhost and $TEST_USER@$TEST_DOMAIN.
alias_maps = hash:/etc/aliases
alias_database = hash:/etc/aliases
home_mailbox = Maildir/
mailbox_size_limit = 0
recipient_delimiter = +

# Never leave the machine: no DNS, no smtp client in master.cf, and the error
# transport for every non-local domain (smtpd rejects such RCPTs with 550 5.1.1).
smtp_dns_support_level = disabled
lmtp_dns_support_level = disabled
smtpd_peername_lookup = no
default_transport = error:no outbound mail in smtpx interop tests
relay_transport = error:no outbound mail in smtpx interop tests
relayhost =

# TLS (server side only).
smtpd_tls_cert_file = $CERT
smtpd_tls_key_file = $KEY
smtpd_tls_security_level = may
smtpd_tls_received_header = yes
smtpd_tls_loglevel = 1
smtp_tls_security_level = none

# SASL through Dovecot; enabled per service in master.cf.
smtpd_sasl_type = dovecot
smtpd_sasl_path = private/auth
smtpd_sasl_auth_enable = no
smtpd_sasl_security_options = noanonymous
broken_sasl_auth_clients = no

# Relaying only for authenticated clients ("Relay access denied" otherwise).
smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
smtpd_recipient_restrictions =
EOT
[ "$CHANGED" = 0 ] || POSTFIX_DIRTY=1

put_file 644 root:root /etc/postfix/master.cf <<EOT
# Generated by smtpx tests/interop/postfix-up.sh.
# No port 25; all services unchrooted (column 5 = n); no smtp/lmtp client.
# ==========================================================================
# service type  private unpriv  chroot  wakeup  maxproc command + args
# ==========================================================================
$LISTEN_ADDR:$PORT_MTA inet n - n - - smtpd
  -o syslog_name=postfix/mta
  -o smtpd_tls_security_level=may
  -o smtpd_sasl_auth_enable=no
$LISTEN_ADDR:$PORT_SUBMISSION inet n - n - - smtpd
  -o syslog_name=postfix/submission
  -o smtpd_tls_security_level=encrypt
  -o smtpd_tls_auth_only=yes
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
  -o smtpd_recipient_restrictions=
$LISTEN_ADDR:$PORT_SMTPS inet n - n - - smtpd
  -o syslog_name=postfix/smtps
  -o smtpd_tls_wrappermode=yes
  -o smtpd_tls_security_level=encrypt
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
  -o smtpd_recipient_restrictions=
# connection engineer: as $PORT_MTA behind a HAProxy-style PROXY header.
$LISTEN_ADDR:$PORT_PROXIED inet n - n - - smtpd
  -o syslog_name=postfix/proxied
  -o smtpd_upstream_proxy_protocol=haproxy
  -o smtpd_tls_security_level=may
  -o smtpd_sasl_auth_enable=no
# smuggle check: bare <LF> is no line end here, for every client (CVE-2023-51764)
$LISTEN_ADDR:$PORT_FORBID_BARE_LF inet n - n - - smtpd
  -o syslog_name=postfix/forbid-bare-lf
  -o smtpd_tls_security_level=may
  -o smtpd_sasl_auth_enable=no
  -o smtpd_forbid_bare_newline=yes
  -o smtpd_forbid_bare_newline_exclusions=
# --- session engineer: XCLIENT and XFORWARD for 127.0.0.1 (Postfix XCLIENT_README)
$LISTEN_ADDR:$PORT_XCLIENT inet n - n - - smtpd
  -o syslog_name=postfix/xclient
  -o smtpd_tls_security_level=may
  -o smtpd_sasl_auth_enable=no
  -o smtpd_authorized_xclient_hosts=$LISTEN_ADDR
  -o smtpd_authorized_xforward_hosts=$LISTEN_ADDR
# --- end session engineer
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOT
[ "$CHANGED" = 0 ] || POSTFIX_DIRTY=1

if [ "$NEED_NEWALIASES" = 1 ]; then
    newaliases || die "newaliases failed"
    POSTFIX_DIRTY=1
fi

# ------------------------------------------------------------ start/restart
# A live (not zombie) process; kill -0 also succeeds on zombies.
proc_alive() {
    local st
    st=$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$1/status" 2>/dev/null) || return 1
    [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}
dovecot_master_pid() {
    local pid
    pid=$(cat "$DOVECOT_BASE/master.pid" 2>/dev/null) || return 1
    [ -n "$pid" ] && proc_alive "$pid" \
        && [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = /usr/sbin/dovecot ] && echo "$pid"
}
dovecot_running() { dovecot_master_pid >/dev/null && [ -S "$SASL_SOCKET" ]; }
# Pids of this Dovecot instance only (process titles carry instance_name).
dovecot_instance_pids() {
    local d cmd
    for d in /proc/[0-9]*; do
        cmd=$(tr '\0' ' ' 2>/dev/null <"$d/cmdline") || continue
        case $cmd in
            "dovecot-smtpx-dovecot/"*|"/usr/sbin/dovecot -c $DOVECOT_CONF"*) echo "${d#/proc/}" ;;
        esac
    done
    return 0
}
postfix_running() { postfix status >/dev/null 2>&1; }

stop_dovecot() {
    local pid p
    if pid=$(dovecot_master_pid); then
        dovecot -c "$DOVECOT_CONF" stop || kill "$pid" 2>/dev/null || true
        for _ in $(seq 50); do proc_alive "$pid" || break; sleep 0.1; done
    fi
    # The auth process outlives its master while clients (smtpd) hold it
    # open, and a crashed master leaves its children behind: end them.
    for p in $(dovecot_instance_pids); do kill "$p" 2>/dev/null || true; done
    for _ in $(seq 30); do [ -z "$(dovecot_instance_pids)" ] && break; sleep 0.1; done
    # dovecot refuses to start while master.pid names a live (or zombie) pid.
    dovecot_master_pid >/dev/null || rm -f "$DOVECOT_BASE/master.pid"
}

# Postfix smtpd processes keep their connection to Dovecot's auth process, so
# a Dovecot restart also restarts Postfix (stopped first, started last).
if [ "$DOVECOT_DIRTY" = 1 ] || ! dovecot_running; then
    POSTFIX_DIRTY=1
fi
if postfix_running && [ "$POSTFIX_DIRTY" = 1 ]; then
    log "stopping postfix (config changed or dovecot restarting)"
    postfix stop || true
    for _ in $(seq 100); do postfix_running || break; sleep 0.1; done
fi
if dovecot_running && [ "$DOVECOT_DIRTY" = 1 ]; then
    log "dovecot config changed; stopping dovecot"
    stop_dovecot
fi
if ! dovecot_running; then
    stop_dovecot   # leftovers of a crashed/half-up instance: start clean
    log "starting dovecot (auth only)"
    doveconf -c "$DOVECOT_CONF" -n >/dev/null || die "dovecot config invalid: $DOVECOT_CONF"
    if ! dovecot -c "$DOVECOT_CONF"; then
        tail -n 20 "$DOVECOT_LOG" >&2 2>/dev/null || true
        die "dovecot failed to start; see $DOVECOT_LOG"
    fi
    for _ in $(seq 100); do [ -S "$SASL_SOCKET" ] && break; sleep 0.1; done
fi

if ! postfix_running; then
    log "starting postfix"
    postfix set-permissions >/dev/null 2>&1 || true
    postfix check || die "postfix check failed"
    if ! postfix start; then
        tail -n 20 "$POSTFIX_LOG" >&2 2>/dev/null || true
        die "postfix failed to start; see $POSTFIX_LOG"
    fi
fi

# ------------------------------------------------------------------- verify
deadline=$((SECONDS + WAIT_SECS))
until all_ports_up; do
    if [ "$SECONDS" -ge "$deadline" ]; then
        for p in "$PORT_MTA" "$PORT_SUBMISSION"; do
            greet_plain "$p" || log "no SMTP greeting on $LISTEN_ADDR:$p"
        done
        greet_tls "$PORT_SMTPS" || log "no SMTP greeting (TLS) on $LISTEN_ADDR:$PORT_SMTPS"
        greet_proxied || log "no SMTP greeting after a PROXY header on $LISTEN_ADDR:$PORT_PROXIED"
        dovecot_running || log "dovecot is not running / no $SASL_SOCKET"
        tail -n 20 "$POSTFIX_LOG" "$DOVECOT_LOG" 2>/dev/null >&2 || true
        die "services did not come up within ${WAIT_SECS}s"
    fi
    sleep 0.5
done
dovecot_running || die "dovecot is not running or auth socket $SASL_SOCKET missing"
greet_tls "$PORT_SMTPS" auth \
    || die "AUTH PLAIN as $TEST_USER failed on $LISTEN_ADDR:$PORT_SMTPS (see $POSTFIX_LOG, $DOVECOT_LOG)"

cat <<EOT
postfix-up: ready
  MTA (STARTTLS, no AUTH):          $LISTEN_ADDR:$PORT_MTA
  submission (STARTTLS then AUTH):  $LISTEN_ADDR:$PORT_SUBMISSION
  submissions (implicit TLS, AUTH): $LISTEN_ADDR:$PORT_SMTPS
  MTA behind a PROXY header:        $LISTEN_ADDR:$PORT_PROXIED
  MTA, bare <LF> forbidden:         $LISTEN_ADDR:$PORT_FORBID_BARE_LF
  user / password:                  $TEST_USER / $TEST_PASSWORD
  local addresses:                  $TEST_USER@localhost, $TEST_USER@$TEST_DOMAIN
  certificate / key:                $CERT / $KEY
  Maildir:                          $MAILDIR/new/
  logs:                             $POSTFIX_LOG, $DOVECOT_LOG
EOT
