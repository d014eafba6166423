#!/usr/bin/env bash
# Start two real SOCKS5 servers (Dante's danted) on loopback for smtpx's --proxy tests:
#   127.0.0.1:1080  no authentication
#   127.0.0.1:1081  user name and password (RFC 1929), user smtpxsocks / smtpx-socks-password
# Both resolve mx.socks-only.test (to 127.0.0.1), a name nothing else on the machine knows.
# Both relay only to 127.0.0.0/8 (the tests talk to loopback servers only).
#
# Run as root on Debian 12 (no systemd needed):  bash tests/interop/socks-up.sh
# Idempotent: a second run with both up only re-checks and exits 0.
set -euo pipefail

# ---------------------------------------------------------------- constants
LISTEN_ADDR=127.0.0.1
PORT_OPEN=1080
PORT_AUTH=1081
SOCKS_USER=smtpxsocks
SOCKS_PASSWORD=smtpx-socks-password
STATE_DIR=/etc/smtpx-interop
RUN_DIR=/run/smtpx-socks
LOG_DIR=/var/log/smtpx-interop
# A name only the proxies can resolve (their own /etc/hosts, in a mount namespace): a
# session to it proves the proxy, not smtpx, resolved the server's name.
PROXY_ONLY_NAME=mx.socks-only.test
PROXY_HOSTS=$STATE_DIR/socks-hosts
WAIT_SECS=10
PACKAGES=(dante-server)

log() { printf 'socks-up: %s\n' "$*"; }
die() { printf 'socks-up: ERROR: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root"

# A SOCKS5 method negotiation (RFC 1928 §3) offering method $2 on port $1; 0 when the
# server selects that method.
selects() {
    local port=$1 method=$2 reply
    reply=$(exec 3<>"/dev/tcp/$LISTEN_ADDR/$port" 2>/dev/null || exit 1
        printf "\x05\x01\x$method" >&3
        timeout 3 head -c 2 <&3 | od -An -tx1 | tr -d ' \n'
        exec 3<&- 3>&-) || return 1
    [ "$reply" = "05$method" ]
}
both_up() { selects "$PORT_OPEN" 00 && selects "$PORT_AUTH" 02; }

# --------------------------------------------------------------- packages
if ! command -v danted >/dev/null; then
    log "installing ${PACKAGES[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${PACKAGES[@]}"
fi
# The package starts a default instance where an init system runs; ours use their own
# configuration files, ports and pid files, so it is left alone.

# ------------------------------------------------------------------- user
if ! id "$SOCKS_USER" >/dev/null 2>&1; then
    useradd --no-create-home --shell /usr/sbin/nologin "$SOCKS_USER"
fi
echo "$SOCKS_USER:$SOCKS_PASSWORD" | chpasswd

# ---------------------------------------------------------------- configs
mkdir -p "$STATE_DIR" "$RUN_DIR" "$LOG_DIR"
CHANGED=0
# $1 port, $2 socksmethod ("none" or "username"); CHANGED=1 when the file changes.
write_conf() {
    local file=$STATE_DIR/danted-$1.conf
    conf_text "$1" "$2" > "$file.new"
    if cmp -s "$file.new" "$file"; then
        rm -f "$file.new"
    else
        mv "$file.new" "$file"
        CHANGED=1
    fi
}
conf_text() {
    cat <<CONF
logoutput: $LOG_DIR/danted-$1.log
internal: $LISTEN_ADDR port = $1
external: $LISTEN_ADDR
clientmethod: none
socksmethod: $2
# root reads /etc/shadow for the username method.
user.privileged: root
user.unprivileged: nobody
client pass {
    from: 127.0.0.0/8 to: 0.0.0.0/0
}
socks pass {
    from: 127.0.0.0/8 to: 127.0.0.0/8
    command: connect
    protocol: tcp
    socksmethod: $2
    # The tests read the requested destination (a name stays a name) from this log.
    log: connect error
}
socks block {
    from: 0.0.0.0/0 to: 0.0.0.0/0
    log: error
}
CONF
}
write_conf "$PORT_OPEN" none
write_conf "$PORT_AUTH" username
printf '127.0.0.1 localhost %s\n::1 localhost ip6-localhost\n' "$PROXY_ONLY_NAME" > "$PROXY_HOSTS.new"
if cmp -s "$PROXY_HOSTS.new" "$PROXY_HOSTS"; then rm -f "$PROXY_HOSTS.new"; else mv "$PROXY_HOSTS.new" "$PROXY_HOSTS"; CHANGED=1; fi

if [ "$CHANGED" = 0 ] && both_up 2>/dev/null; then
    log "already up: $LISTEN_ADDR:$PORT_OPEN (no auth), $LISTEN_ADDR:$PORT_AUTH (user $SOCKS_USER)"
    exit 0
fi

# ------------------------------------------------------------------ start
start() { # port
    local pidfile=$RUN_DIR/danted-$1.pid pid
    pid=$(cat "$pidfile" 2>/dev/null || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill "$pid"
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    unshare -m sh -c 'mount --bind "$1" /etc/hosts && exec danted -D -f "$2" -p "$3"' \
        danted "$PROXY_HOSTS" "$STATE_DIR/danted-$1.conf" "$pidfile"
}
start "$PORT_OPEN"
start "$PORT_AUTH"

for _ in $(seq $((WAIT_SECS * 10))); do
    if both_up 2>/dev/null; then
        log "up: $LISTEN_ADDR:$PORT_OPEN (no auth), $LISTEN_ADDR:$PORT_AUTH (user $SOCKS_USER)"
        exit 0
    fi
    sleep 0.1
done
tail -n 20 "$LOG_DIR"/danted-*.log >&2 || true
die "danted did not come up on $PORT_OPEN and $PORT_AUTH"
