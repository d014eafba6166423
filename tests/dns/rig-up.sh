#!/usr/bin/env bash
# A real DNS + MTA-STS rig on loopback for `smtpx check` tests.
#
#   authoritative  nsd      127.0.0.1:5300  DNSSEC-signed zones under the RFC 6761 name `test.`
#   resolver       unbound  127.0.0.1:5353  validates with the `test.` trust anchor; permissive
#                                          mode passes bogus data on (without AD) so smtpx's own
#                                          validator can name it bogus
#   MTA-STS        python3  127.0.0.1:443   HTTPS with a test CA; SNI picks the certificate
#
# Every address in every zone is 127.0.0.1 or ::1. The SMTP side is not started here: the tests
# run smtpx's sandbox on 127.0.0.1:2625 with the certificate made below (::1:2625 stays closed,
# so MX hosts with only ::1 refuse connections).
#
# Run as root on Debian 12:  bash tests/dns/rig-up.sh
# Idempotent: keys and certificates are made once and kept; zones are re-signed on every run.
set -euo pipefail

STATE=/etc/smtpx-dns
RUN=/run/smtpx-dns
LOG=/var/log/smtpx-dns
AUTH_PORT=5300
RESOLVER_PORT=5353
SMTP_PORT=2625
PACKAGES=(nsd unbound bind9-utils bind9-dnsutils openssl python3 curl)
HERE=$(cd "$(dirname "$0")" && pwd)

log() { printf 'dns-rig: %s\n' "$*"; }
die() { printf 'dns-rig: ERROR: %s\n' "$*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "must run as root"

missing=()
command -v nsd >/dev/null || missing+=(nsd)
command -v unbound >/dev/null || missing+=(unbound)
command -v dnssec-signzone >/dev/null || missing+=(bind9-utils)
command -v dig >/dev/null || missing+=(bind9-dnsutils)
command -v openssl >/dev/null || missing+=(openssl)
command -v curl >/dev/null || missing+=(curl)
if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${PACKAGES[@]}" >/dev/null
fi

mkdir -p "$STATE/keys" "$STATE/zones" "$STATE/www" "$RUN" "$LOG"

# ------------------------------------------------------------ certificates
# One test CA; one SMTP certificate for every MX name (DANE-EE, DANE-TA and WebPKI with
# --ca-file); one MTA-STS policy-server certificate from the CA; one self-signed
# "untrusted" policy-server certificate.
MX_NAMES=(mx1.dane.test mx2.dane.test mx.tlsabad.test mx.unsigned.test implicit.test
          mx.refuse.test mx.sts.test mx.stsmismatch.test mx.stsbadcert.test localhost)
STS_NAMES=(mta-sts.sts.test mta-sts.stsmismatch.test)
san() { local IFS=,; local out=(); for n in "$@"; do out+=("DNS:$n"); done; echo "${out[*]}"; }
if [ ! -s "$STATE/ca.pem" ]; then
    log "making the test CA and certificates"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
        -subj "/CN=smtpx DNS rig test CA" -keyout "$STATE/ca.key" -out "$STATE/ca.pem" \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
    issue() { # name-of-files subject-cn san-list
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$2" \
            -keyout "$STATE/$1.key" -out "$STATE/$1.csr" 2>/dev/null
        printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "$3" >"$STATE/$1.ext"
        openssl x509 -req -in "$STATE/$1.csr" -CA "$STATE/ca.pem" -CAkey "$STATE/ca.key" \
            -CAcreateserial -days 825 -extfile "$STATE/$1.ext" -out "$STATE/$1.pem" 2>/dev/null
        rm -f "$STATE/$1.csr" "$STATE/$1.ext"
    }
    issue mx "${MX_NAMES[0]}" "$(san "${MX_NAMES[@]}")"
    issue sts "${STS_NAMES[0]}" "$(san "${STS_NAMES[@]}")"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 825 \
        -subj "/CN=mta-sts.stsbadcert.test" -addext "subjectAltName=DNS:mta-sts.stsbadcert.test" \
        -addext basicConstraints=critical,CA:FALSE \
        -keyout "$STATE/untrusted.key" -out "$STATE/untrusted.pem" 2>/dev/null
    cat "$STATE/mx.pem" "$STATE/ca.pem" >"$STATE/mx-chain.pem"
fi

# TLSA data: 3 1 1 = SHA-256 of the MX certificate's SubjectPublicKeyInfo; 2 0 1 = SHA-256 of
# the CA; 3 0 2 = SHA-512 of the whole MX certificate.
SPKI_SHA256=$(openssl x509 -in "$STATE/mx.pem" -noout -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1)
CA_SHA256=$(openssl x509 -in "$STATE/ca.pem" -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1)
CERT_SHA512=$(openssl x509 -in "$STATE/mx.pem" -outform DER | openssl dgst -sha512 -r | cut -d' ' -f1)

# ------------------------------------------------------------ zones
SERIAL=$(date -u +%s)
soa() { # zone
    cat <<Z
\$TTL 300
$1. IN SOA ns.test. hostmaster.test. $SERIAL 3600 600 86400 300
$1. IN NS ns.test.
Z
}
declare -A Z
Z[dane.test]="$(soa dane.test)
dane.test. IN MX 10 mx1.dane.test.
dane.test. IN MX 20 mx2.dane.test.
mx1.dane.test. IN A 127.0.0.1
mx2.dane.test. IN A 127.0.0.1
_$SMTP_PORT._tcp.mx1.dane.test. IN TLSA 3 1 1 $SPKI_SHA256
_$SMTP_PORT._tcp.mx2.dane.test. IN TLSA 2 0 1 $CA_SHA256
_$SMTP_PORT._tcp.mx2.dane.test. IN TLSA 1 1 1 $SPKI_SHA256"
Z[tlsabad.test]="$(soa tlsabad.test)
tlsabad.test. IN MX 10 mx.tlsabad.test.
mx.tlsabad.test. IN A 127.0.0.1
_$SMTP_PORT._tcp.mx.tlsabad.test. IN TLSA 3 1 1 $(printf '%064d' 0)"
Z[unsigned.test]="$(soa unsigned.test)
unsigned.test. IN MX 10 mx.unsigned.test.
mx.unsigned.test. IN A 127.0.0.1
_$SMTP_PORT._tcp.mx.unsigned.test. IN TLSA 3 1 1 $SPKI_SHA256"
Z[bogus.test]="$(soa bogus.test)
bogus.test. IN MX 10 mx.bogus.test.
mx.bogus.test. IN A 127.0.0.1"
Z[implicit.test]="$(soa implicit.test)
implicit.test. IN A 127.0.0.1
_$SMTP_PORT._tcp.implicit.test. IN TLSA 3 0 2 $CERT_SHA512"
Z[nullmx.test]="$(soa nullmx.test)
nullmx.test. IN MX 0 .
nullmx.test. IN A 127.0.0.1"
Z[cname.test]="$(soa cname.test)
cname.test. IN MX 10 mail.cname.test.
mail.cname.test. IN CNAME mx1.dane.test."
Z[refuse.test]="$(soa refuse.test)
refuse.test. IN MX 10 dead1.refuse.test.
refuse.test. IN MX 20 dead2.refuse.test.
refuse.test. IN MX 30 mx.refuse.test.
dead1.refuse.test. IN AAAA ::1
dead2.refuse.test. IN AAAA ::1
mx.refuse.test. IN AAAA ::1
mx.refuse.test. IN A 127.0.0.1"
for d in sts stsmismatch stsbadcert; do
    Z[$d.test]="$(soa $d.test)
$d.test. IN MX 10 mx.$d.test.
mx.$d.test. IN A 127.0.0.1
mta-sts.$d.test. IN A 127.0.0.1
_mta-sts.$d.test. IN TXT \"v=STSv1; id=20261204T01;\"
_smtp._tls.$d.test. IN TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@$d.test\""
done

key_for() { # zone -> key base name (made once)
    local k
    k=$(ls "$STATE/keys" 2>/dev/null | grep -E "^K$1\.\+013\+[0-9]+\.key$" | head -n1 || true)
    if [ -z "$k" ]; then
        k=$(dnssec-keygen -q -K "$STATE/keys" -a ECDSAP256SHA256 -f KSK "$1").key
    fi
    echo "${k%.key}"
}
sign() { # zone extra-args...
    local zone=$1; shift
    local key; key=$(key_for "$zone")
    { cat "$STATE/zones/$zone"; cat "$STATE/keys/$key.key"; } >"$STATE/zones/$zone.in"
    dnssec-signzone -q -K "$STATE/keys" -o "$zone" -d "$STATE/zones" -z -N keep -O full "$@" \
        -f "$STATE/zones/$zone.signed" "$STATE/zones/$zone.in" "$STATE/keys/$key.key" >/dev/null
    rm -f "$STATE/zones/$zone.in"
}

parent="$(soa test)
ns.test. IN A 127.0.0.1"
for zone in "${!Z[@]}"; do
    printf '%s\n' "${Z[$zone]}" >"$STATE/zones/$zone"
    parent+="
$zone. IN NS ns.test."
    if [ "$zone" = unsigned.test ]; then
        cp "$STATE/zones/$zone" "$STATE/zones/$zone.signed"
        continue
    fi
    sign "$zone" -s now-3600 -e now+2592000
    parent+="
$(dnssec-dsfromkey -2 "$STATE/keys/$(key_for "$zone").key")"
done
# bogus.test: signed and delegated with a DS, then its MX record is changed after signing,
# so the RRSIG over the MX set no longer verifies.
sed -i -E 's/([[:space:]]MX[[:space:]]+)10 mx\.bogus\.test\./\120 mx.bogus.test./' \
    "$STATE/zones/bogus.test.signed"
grep -qE '[[:space:]]MX[[:space:]]+20 mx\.bogus\.test' "$STATE/zones/bogus.test.signed" \
    || die "could not break bogus.test's signature"
printf '%s\n' "$parent" >"$STATE/zones/test"
sign test -s now-3600 -e now+2592000
TEST_KEY=$(key_for test)
# The trust anchor, as DNSKEY records (smtpx --trust-anchor and unbound trust-anchor-file).
grep -E 'DNSKEY' "$STATE/keys/$TEST_KEY.key" >"$STATE/test.anchor"

# ------------------------------------------------------------ MTA-STS policies
mkdir -p "$STATE/www/mta-sts.sts.test/.well-known" "$STATE/www/mta-sts.stsmismatch.test/.well-known" \
         "$STATE/www/mta-sts.stsbadcert.test/.well-known"
printf 'version: STSv1\r\nmode: enforce\r\nmx: mx.sts.test\r\nmx: *.dane.test\r\nmax_age: 86400\r\n' \
    >"$STATE/www/mta-sts.sts.test/.well-known/mta-sts.txt"
printf 'version: STSv1\r\nmode: enforce\r\nmx: mail.elsewhere.test\r\nmax_age: 86400\r\n' \
    >"$STATE/www/mta-sts.stsmismatch.test/.well-known/mta-sts.txt"
printf 'version: STSv1\r\nmode: enforce\r\nmx: mx.stsbadcert.test\r\nmax_age: 86400\r\n' \
    >"$STATE/www/mta-sts.stsbadcert.test/.well-known/mta-sts.txt"

# ------------------------------------------------------------ servers
stop() { # pidfile
    local pid
    pid=$(cat "$1" 2>/dev/null || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill "$pid"
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$1"
}

{
    cat <<C
server:
    ip-address: 127.0.0.1@$AUTH_PORT
    username: ""
    chroot: ""
    zonesdir: "$STATE/zones"
    pidfile: "$RUN/nsd.pid"
    xfrdfile: "$RUN/xfrd.state"
    zonelistfile: "$RUN/zone.list"
    database: ""
    logfile: "$LOG/nsd.log"
    server-count: 1
    verbosity: 1
remote-control:
    control-enable: no
C
    for zone in test "${!Z[@]}"; do
        printf 'zone:\n    name: "%s"\n    zonefile: "%s.signed"\n' "$zone" "$zone"
    done
} >"$STATE/nsd.conf"
nsd-checkconf "$STATE/nsd.conf" || die "nsd.conf is invalid"
stop "$RUN/nsd.pid"
nsd -c "$STATE/nsd.conf" || die "nsd did not start (see $LOG/nsd.log)"

cat >"$STATE/unbound.conf" <<C
server:
    interface: 127.0.0.1@$RESOLVER_PORT
    access-control: 127.0.0.0/8 allow
    do-ip6: no
    do-not-query-localhost: no
    username: ""
    chroot: ""
    directory: "$STATE"
    pidfile: "$RUN/unbound.pid"
    logfile: "$LOG/unbound.log"
    use-syslog: no
    verbosity: 1
    num-threads: 1
    local-zone: "test." transparent
    local-zone: "." refuse
    trust-anchor-file: "$STATE/test.anchor"
    val-permissive-mode: yes
    cache-max-ttl: 5
    cache-max-negative-ttl: 5
remote-control:
    control-enable: no
stub-zone:
    name: "test."
    stub-addr: 127.0.0.1@$AUTH_PORT
C
for zone in "${!Z[@]}"; do
    printf 'stub-zone:\n    name: "%s."\n    stub-addr: 127.0.0.1@%s\n' "$zone" "$AUTH_PORT" >>"$STATE/unbound.conf"
done
unbound-checkconf "$STATE/unbound.conf" >/dev/null || die "unbound.conf is invalid"
stop "$RUN/unbound.pid"
unbound -c "$STATE/unbound.conf" || die "unbound did not start (see $LOG/unbound.log)"

stop "$RUN/mta-sts.pid"
nohup python3 "$HERE/mta_sts_server.py" "$STATE" 127.0.0.1 443 >"$LOG/mta-sts.log" 2>&1 &
echo $! >"$RUN/mta-sts.pid"

# ------------------------------------------------------------ checks
ok=0
for _ in $(seq 50); do
    if dig +short +time=1 +tries=1 @127.0.0.1 -p "$RESOLVER_PORT" MX dane.test | grep -q mx1.dane.test \
        && dig +time=1 +tries=1 +dnssec @127.0.0.1 -p "$RESOLVER_PORT" MX dane.test | grep -qE 'flags:.* ad[ ;]' \
        && curl -fsS --max-time 2 --cacert "$STATE/ca.pem" --resolve mta-sts.sts.test:443:127.0.0.1 \
            https://mta-sts.sts.test/.well-known/mta-sts.txt 2>/dev/null | grep -q STSv1; then
        ok=1; break
    fi
    sleep 0.2
done
[ "$ok" = 1 ] || die "the rig does not answer (logs in $LOG)"
dig +time=1 +tries=1 +dnssec @127.0.0.1 -p "$RESOLVER_PORT" MX unsigned.test | grep -qE 'flags:.* ad[ ;]' \
    && die "unsigned.test validates as secure"
log "up: nsd 127.0.0.1:$AUTH_PORT, unbound 127.0.0.1:$RESOLVER_PORT (anchor $STATE/test.anchor), MTA-STS https://127.0.0.1:443, CA $STATE/ca.pem"
