#!/usr/bin/env bash
# `smtpx check` beside `posttls-finger -c -l dane` on the DNS rig, in one run: both look up the
# MX of dane.test, the TLSA records, connect and STARTTLS, and match DANE (smtpx also checks the
# second MX, MTA-STS and TLS-RPT, and validates DNSSEC itself).
#
#   sudo bash tests/dns/rig-up.sh && cargo build --release
#   sudo bash tests/dns/bench.sh [target/release/smtpx] [RUNS]
#
# posttls-finger reads /etc/resolv.conf (port 53 only) and trusts the AD bit only with
# `options trust-ad`: a second unbound of the rig listens on 127.0.0.53:53, and the tool runs
# under `unshare -m` with a bind-mounted resolv.conf naming it. Loopback only.
set -euo pipefail

SMTPX=${1:-target/release/smtpx}
RUNS=${2:-30}
STATE=/etc/smtpx-dns
RUN=/run/smtpx-dns
LOG=/var/log/smtpx-dns
WORK=$(mktemp -d)
die() { printf 'dns-bench: ERROR: %s\n' "$*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "must run as root"
[ -s "$STATE/unbound.conf" ] || die "run tests/dns/rig-up.sh first"
[ -x "$SMTPX" ] || die "no $SMTPX (cargo build --release)"
command -v posttls-finger >/dev/null || die "posttls-finger missing (apt-get install postfix)"

sed -e 's/interface: 127.0.0.1@5353/interface: 127.0.0.53@53/' \
    -e "s|pidfile: .*|pidfile: \"$RUN/unbound53.pid\"|" \
    -e "s|logfile: .*|logfile: \"$LOG/unbound53.log\"|" "$STATE/unbound.conf" >"$WORK/unbound53.conf"
unbound -c "$WORK/unbound53.conf"
printf 'nameserver 127.0.0.53\noptions trust-ad edns0\n' >"$WORK/resolv.conf"
"$SMTPX" serve --listen 127.0.0.1:2625 --cert "$STATE/mx-chain.pem" --key "$STATE/mx.key" \
    --hostname mx1.dane.test >"$WORK/serve.log" 2>&1 &
SERVE=$!
cleanup() {
    kill "$SERVE" 2>/dev/null || true
    [ -s "$RUN/unbound53.pid" ] && kill "$(cat "$RUN/unbound53.pid")" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/2625) 2>/dev/null && break; sleep 0.1; done

# One command RUNS times; prints the median and mean wall time in ms.
measure() { # label command...
    local label=$1; shift
    local times=()
    for _ in $(seq "$RUNS"); do
        local start end
        start=$(date +%s%N)
        "$@" >/dev/null 2>&1 || true
        end=$(date +%s%N)
        times+=($(( (end - start) / 1000 )))
    done
    printf '%s\n' "${times[@]}" | sort -n | awk -v label="$label" '
        { t[NR] = $1; sum += $1 }
        END { printf "%-34s median %6.1f ms   mean %6.1f ms   (%d runs)\n", label, t[int((NR + 1) / 2)] / 1000, sum / NR / 1000, NR }'
}

check() {
    "$SMTPX" check dane.test --resolver 127.0.0.1:5353 --trust-anchor "$STATE/test.anchor" \
        --ca-file "$STATE/ca.pem" --port 2625 --timeout 5
}
finger() {
    posttls-finger -c -l dane dane.test:2625
}
# The rest runs in a private mount namespace where /etc/resolv.conf names 127.0.0.53, so the
# timings hold no unshare or mount cost.
export -f measure check finger
export SMTPX STATE RUNS
unshare -m bash -euo pipefail -c "
    mount --bind '$WORK/resolv.conf' /etc/resolv.conf
    check | tail -n 1
    finger 2>&1 | grep -q 'Verified TLS connection' || { echo 'posttls-finger did not verify dane.test' >&2; exit 1; }
    measure 'posttls-finger -c -l dane' finger
    measure 'smtpx check (MX+DANE+MTA-STS)' check
"
