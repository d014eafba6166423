#!/usr/bin/env bash
# Set up a real Exim on 127.0.0.1 for smtpx interop tests, beside the Postfix of
# postfix-up.sh.
#
# Run as root on Debian 12 (no systemd needed):  bash tests/interop/exim-up.sh
# Idempotent: a second run with everything up only re-checks and exits 0.
#
# Debian's exim4 packages conflict with postfix (both are the mail-transport-agent), so
# installing them would remove the Postfix the other tests use. Instead the packages are
# downloaded and unpacked into a private prefix, only the libraries the binary links are
# installed, and the daemon runs with its own configuration, spool, log and Maildir.
# Nothing listens on port 25 and nothing is ever delivered off this machine.
set -euo pipefail

# ---------------------------------------------------------------- constants
LISTEN_ADDR=127.0.0.1
PORT_MTA=10125          # STARTTLS offered, no AUTH; *@exim.test accepted, refuse*@ refused
PORT_SUBMISSION=10126   # STARTTLS offered, AUTH PLAIN/LOGIN only after it; RCPT needs AUTH
PORT_SMTPS=10165        # implicit TLS, AUTH PLAIN/LOGIN
TEST_USER=smtpxtest
TEST_PASSWORD=smtpx-test-password
TEST_DOMAIN=exim.test
PREFIX=/opt/smtpx-exim
EXIM=$PREFIX/usr/sbin/exim4
EXIM_USER=Debian-exim   # compiled into Debian's binary (EXIM_USER=ref:Debian-exim)
STATE_DIR=/etc/smtpx-exim
CONF=$STATE_DIR/exim.conf
CERT=$STATE_DIR/cert.pem
KEY=$STATE_DIR/key.pem
# Compiled into Debian's binary: a -C config listed here keeps root, so the daemon can
# re-execute itself for deliveries (`exim -bV` does not show it; EDITME.exim4-light does).
TRUSTED_CONFIG_LIST=/etc/exim4/trusted_configs
SPOOL_DIR=/var/spool/smtpx-exim
LOG_DIR=/var/log/smtpx-exim
MAIL_ROOT=/var/lib/smtpx-exim
MAILDIR=$MAIL_ROOT/Maildir
PID_FILE=$SPOOL_DIR/exim-daemon.pid
WAIT_SECS=20
DEB_PACKAGES=(exim4-daemon-light exim4-base)
TOOLS=(openssl swaks libnet-ssleay-perl libio-socket-ssl-perl)   # swaks --tls needs the two perl modules

log() { printf 'exim-up: %s\n' "$*"; }
die() { printf 'exim-up: ERROR: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root"
export DEBIAN_FRONTEND=noninteractive
APT_OPTS=(-y -q --no-install-recommends)

apt_lists_ready() {
    compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null || apt-get update -q
}
# apt-get install "$@", with one `apt-get update` and a retry when the lists are stale.
apt_install() {
    apt_lists_ready
    if ! apt-get install "${APT_OPTS[@]}" "$@"; then
        log "install failed; running apt-get update and retrying"
        apt-get update -q
        apt-get install "${APT_OPTS[@]}" "$@"
    fi
}
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

# ---------------------------------------------------------------- packages
missing_tools=()
for p in "${TOOLS[@]}"; do installed "$p" || missing_tools+=("$p"); done
[ ${#missing_tools[@]} -eq 0 ] || apt_install "${missing_tools[@]}"

exim_works() { [ -x "$EXIM" ] && "$EXIM" -C /dev/null -bV >/dev/null 2>&1; }

if ! exim_works; then
    log "unpacking ${DEB_PACKAGES[*]} into $PREFIX (not installed: they conflict with postfix)"
    apt_lists_ready
    # The libraries exim4-daemon-light links (these do not conflict with anything).
    mapfile -t libs < <(apt-cache depends "${DEB_PACKAGES[0]}" \
        | awk '$1 == "Depends:" && $2 ~ /^lib/ { print $2 }' | sort -u)
    [ ${#libs[@]} -gt 0 ] || die "apt-cache knows no dependencies of ${DEB_PACKAGES[0]}"
    apt_install "${libs[@]}"
    work=$(mktemp -d)
    chmod 755 "$work"; chown _apt "$work" 2>/dev/null || true   # apt-get download runs as _apt
    # shellcheck disable=SC2064
    trap "rm -rf '$work'" EXIT
    if ! (cd "$work" && apt-get download -q "${DEB_PACKAGES[@]}"); then
        apt-get update -q
        (cd "$work" && apt-get download -q "${DEB_PACKAGES[@]}") || die "apt-get download failed"
    fi
    rm -rf "$PREFIX"
    mkdir -p "$PREFIX"
    for deb in "$work"/*.deb; do dpkg -x "$deb" "$PREFIX"; done
    rm -rf "$work"
    trap - EXIT
fi
if ! getent passwd "$EXIM_USER" >/dev/null; then
    log "creating system user $EXIM_USER"
    useradd --system --user-group --home-dir /var/spool/exim4 --no-create-home \
        --shell /usr/sbin/nologin "$EXIM_USER"
fi
if ! exim_works; then
    ldd "$EXIM" 2>&1 | grep 'not found' >&2 || true
    "$EXIM" -C /dev/null -bV >&2 || true
    die "$EXIM does not run"
fi

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

DIRTY=0
mkdir -p "$STATE_DIR" "$(dirname "$TRUSTED_CONFIG_LIST")" "$SPOOL_DIR" "$LOG_DIR" "$MAILDIR"
chmod 755 "$STATE_DIR" "$(dirname "$TRUSTED_CONFIG_LIST")" "$MAIL_ROOT"
chown root:root "$STATE_DIR"
chown "$EXIM_USER:$EXIM_USER" "$SPOOL_DIR" "$LOG_DIR" "$MAIL_ROOT" "$MAILDIR"
chmod 750 "$SPOOL_DIR"
chmod 755 "$LOG_DIR" "$MAILDIR"

# ------------------------------------------------------------- certificate
# As postfix-up.sh makes its own: self-signed, CN and SAN localhost, SAN IP 127.0.0.1.
cert_ok() {
    [ -s "$CERT" ] && [ -s "$KEY" ] || return 1
    openssl x509 -in "$CERT" -noout -checkend 86400 >/dev/null 2>&1 || return 1
    openssl x509 -in "$CERT" -noout -ext subjectAltName 2>/dev/null \
        | grep -q "DNS:localhost, IP Address:$LISTEN_ADDR" || return 1
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
    DIRTY=1
fi
chown root:root "$CERT"; chmod 644 "$CERT"
chown "root:$EXIM_USER" "$KEY"; chmod 640 "$KEY"

# ------------------------------------------------------------------ config
put_file 644 root:root "$TRUSTED_CONFIG_LIST" <<EOT
$CONF
EOT

put_file 644 root:root "$CONF" <<EOT
# Generated by smtpx tests/interop/exim-up.sh -- loopback-only test MTA.
exim_path = $EXIM
spool_directory = $SPOOL_DIR
log_file_path = $LOG_DIR/%slog
pid_file_path = $PID_FILE
primary_hostname = localhost
smtp_banner = \$smtp_active_hostname ESMTP Exim \$version_number (smtpx interop) \$tod_full
local_interfaces = <; $LISTEN_ADDR.$PORT_MTA ; $LISTEN_ADDR.$PORT_SUBMISSION ; $LISTEN_ADDR.$PORT_SMTPS
tls_on_connect_ports = $PORT_SMTPS
domainlist local_domains = $TEST_DOMAIN
qualify_domain = $TEST_DOMAIN
never_users = root
keep_environment =
# No DNS and no ident calls: everything is on loopback.
host_lookup =
rfc1413_hosts =
# Exim's defaults, stated: PIPELINING (RFC 2920), CHUNKING (RFC 3030) and SMTPUTF8
# (RFC 6531, this build has I18N) to every client; STARTTLS everywhere but the TLS port.
pipelining_advertise_hosts = *
chunking_advertise_hosts = *
smtputf8_advertise_hosts = *
tls_advertise_hosts = *
tls_certificate = $CERT
tls_privatekey = $KEY
acl_smtp_rcpt = acl_check_rcpt
# Mail that cannot be delivered (a bounce to a sender elsewhere) is dropped, not kept.
ignore_bounce_errors_after = 0s
timeout_frozen_after = 1h

begin acl

acl_check_rcpt:
  # Submission ports: no RCPT before AUTH.
  deny    condition = \${if eq{\$received_port}{$PORT_MTA}{no}{yes}}
          !authenticated = *
          message = 530 5.7.0 Authentication required (smtpx interop)
  # A recipient refused in the middle of a pipelined group (RFC 2920 section 3.1).
  deny    domains = +local_domains
          local_parts = ^refuse
          message = 550 5.1.1 <\$local_part@\$domain>: recipient refused (smtpx interop)
  accept  domains = +local_domains
  deny    message = 550 5.7.1 Relay not permitted: no outbound mail in smtpx interop tests

begin routers

maildir:
  driver = accept
  domains = +local_domains
  transport = maildir

begin transports

# Every recipient at $TEST_DOMAIN lands in one Maildir; Envelope-to names them.
maildir:
  driver = appendfile
  directory = $MAILDIR
  maildir_format
  create_directory
  directory_mode = 0755
  mode = 0644
  user = $EXIM_USER
  group = $EXIM_USER
  delivery_date_add
  envelope_to_add
  return_path_add

begin authenticators

# Offered only over TLS and never on the MTA port (\$tls_in_cipher is empty before TLS).
PLAIN:
  driver = plaintext
  public_name = PLAIN
  server_prompts = :
  server_advertise_condition = \${if and{{!eq{\$tls_in_cipher}{}}{!eq{\$received_port}{$PORT_MTA}}}}
  server_condition = \${if and{{eq{\$auth2}{$TEST_USER}}{eq{\$auth3}{$TEST_PASSWORD}}}}
  server_set_id = \$auth2

LOGIN:
  driver = plaintext
  public_name = LOGIN
  server_prompts = <| Username: | Password:
  server_advertise_condition = \${if and{{!eq{\$tls_in_cipher}{}}{!eq{\$received_port}{$PORT_MTA}}}}
  server_condition = \${if and{{eq{\$auth1}{$TEST_USER}}{eq{\$auth2}{$TEST_PASSWORD}}}}
  server_set_id = \$auth1
EOT
[ "$CHANGED" = 0 ] || DIRTY=1
"$EXIM" -C "$CONF" -bV >/dev/null || die "exim rejects $CONF"

# ------------------------------------------------------------ start/restart
daemon_pid() {
    local pid
    pid=$(cat "$PID_FILE" 2>/dev/null) || return 1
    [ -n "$pid" ] && [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$EXIM" ] && echo "$pid"
}
if pid=$(daemon_pid) && [ "$DIRTY" = 1 ]; then
    log "config changed; stopping exim ($pid)"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
fi
if ! daemon_pid >/dev/null; then
    log "starting exim"
    rm -f "$PID_FILE"
    # -bd: the listening daemon (it detaches); -q1m: a queue run each minute for anything
    # deferred.
    "$EXIM" -C "$CONF" -bd -q1m || die "exim failed to start; see $LOG_DIR/mainlog"
fi

# ------------------------------------------------------------------- verify
# A real SMTP exchange: the greeting, STARTTLS, AUTH and an accepted RCPT (no message, so
# nothing lands in the Maildir).
exchange() {
    swaks --server "$LISTEN_ADDR" --port "$PORT_SUBMISSION" --tls \
        --auth PLAIN --auth-user "$TEST_USER" --auth-password "$TEST_PASSWORD" \
        --from "exim-up@$TEST_DOMAIN" --to "exim-up@$TEST_DOMAIN" \
        --quit-after RCPT --timeout 5 2>&1
}
deadline=$((SECONDS + WAIT_SECS))
until out=$(exchange); do
    if [ "$SECONDS" -ge "$deadline" ]; then
        printf '%s\n' "$out" >&2
        tail -n 20 "$LOG_DIR/mainlog" "$LOG_DIR/paniclog" 2>/dev/null >&2 || true
        die "no working SMTP session on $LISTEN_ADDR:$PORT_SUBMISSION within ${WAIT_SECS}s"
    fi
    sleep 0.5
done
for want in PIPELINING CHUNKING SMTPUTF8 STARTTLS "AUTH PLAIN LOGIN"; do
    grep -Eq "^<[-~] +250[- ]$want" <<<"$out" || { printf '%s\n' "$out" >&2; die "EHLO lacks $want"; }
done
grep -Eq '^<~ +235 ' <<<"$out" || { printf '%s\n' "$out" >&2; die "AUTH as $TEST_USER failed"; }
refused=$(swaks --server "$LISTEN_ADDR" --port "$PORT_MTA" --tls --from "exim-up@$TEST_DOMAIN" \
    --to "refuse@$TEST_DOMAIN" --quit-after RCPT --timeout 5 2>&1 || true)
grep -Eq '^<~\*? +550 5.1.1' <<<"$refused" || { printf '%s\n' "$refused" >&2; die "refuse@ not refused on $PORT_MTA"; }

cat <<EOT
exim-up: ready ($("$EXIM" -C "$CONF" -bV | head -1))
  MTA (STARTTLS, no AUTH):          $LISTEN_ADDR:$PORT_MTA
  submission (STARTTLS then AUTH):  $LISTEN_ADDR:$PORT_SUBMISSION
  submissions (implicit TLS, AUTH): $LISTEN_ADDR:$PORT_SMTPS
  user / password:                  $TEST_USER / $TEST_PASSWORD
  recipients:                       *@$TEST_DOMAIN (refuse*@$TEST_DOMAIN: 550 5.1.1)
  certificate / key:                $CERT / $KEY
  Maildir:                          $MAILDIR/new/
  logs:                             $LOG_DIR/mainlog, rejectlog, paniclog
EOT
