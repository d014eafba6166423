#!/usr/bin/env bash
# Issue 10, target 1: a whole submission session, smtpx probe vs swaks vs Python smtplib,
# against the real Postfix on loopback (tests/interop/README.md):
#   starttls: 127.0.0.1:10587, EHLO, STARTTLS, EHLO, AUTH PLAIN, MAIL, RCPT, DATA (1 KiB), QUIT
#   implicit: 127.0.0.1:10465, TLS on connect, EHLO, AUTH PLAIN, MAIL, RCPT, DATA (1 KiB), QUIT
#
# Wall time: hyperfine (Debian package `hyperfine`), -N (no shell), median and min of RUNS.
# Time on the wire: a tcpdump capture on lo while each tool runs WIRE_RUNS more times; per
# connection, from the client's SYN to the server's last data segment (the 221),
# median over the connections. Without tcpdump, only smtpx's own transcript timestamps
# (its `S~ 221` offset from connect) are shown.
#
# usage: benches/compare.sh [RUNS] [WIRE_RUNS]        (defaults 30 and 10)
# env:   SMTPX=path to the binary (default target/release/smtpx, built if missing)
#
# The password is passed through the environment only (SMTP_PASS for smtpx and the Python
# client, SWAKS_OPT_auth_password for swaks), never on a command line.
set -euo pipefail

cd "$(dirname "$0")/.."
RUNS=${1:-30}
WIRE_RUNS=${2:-10}
SMTPX=${SMTPX:-target/release/smtpx}
HOST=127.0.0.1
USER_NAME=smtpxtest
FROM=smtpxtest@smtpx.test
TO=smtpxtest@localhost
WORK=$(mktemp -d /tmp/smtpx-compare.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

[ -x "$SMTPX" ] || cargo build --release --quiet
command -v hyperfine >/dev/null || { echo "hyperfine missing: apt-get install -y hyperfine" >&2; exit 1; }
command -v swaks >/dev/null || { echo "swaks missing: apt-get install -y swaks" >&2; exit 1; }

export SMTP_PASS=smtpx-test-password
export SWAKS_OPT_auth_password=$SMTP_PASS
# Transcripts (smtpx records by default, as a user gets it) go to a scratch directory.
export XDG_STATE_HOME=$WORK/state

# The same 1 KiB message for every tool: CRLF line ends, no line starting with a dot.
python3 - "$WORK/msg.eml" <<'EOF'
import sys
body = ("Subject: smtpx benchmark\r\nFrom: <smtpxtest@smtpx.test>\r\n"
        "To: <smtpxtest@localhost>\r\n\r\n")
line = "The quick brown fox jumps over the lazy dog, again and again and again.\r\n"
while len(body) + len(line) <= 1022:
    body += line
body += "x" * (1022 - len(body)) + "\r\n"
assert len(body) == 1024
open(sys.argv[1], "w", newline="").write(body)
EOF
MSG=$WORK/msg.eml

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), kernel $(uname -r)"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "smtpx: $SMTPX ($(stat -c %s "$SMTPX") bytes); $(swaks --version 2>&1 | head -1); $(python3 --version)"

smtpx_cmd() { # mode port
  local tls=()
  [ "$1" = implicit ] && tls=(--tls-on-connect)
  echo "$SMTPX probe $HOST:$2 ${tls[*]} --ehlo bench --auth plain --user $USER_NAME --password-env SMTP_PASS --from $FROM --to $TO --data $MSG"
}
swaks_cmd() { # mode port
  local tls=-tls
  [ "$1" = implicit ] && tls=-tlsc
  echo "swaks --server $HOST:$2 $tls --helo bench --auth PLAIN --auth-user $USER_NAME --from $FROM --to $TO --data @$MSG --silent 2"
}
python_cmd() { # mode port
  echo "python3 benches/smtplib_client.py $1 $HOST $2 $USER_NAME $FROM $TO $MSG"
}

# Checks each tool delivers before timing it (a failing tool would look fast).
for mode_port in starttls:10587 implicit:10465; do
  mode=${mode_port%:*}; port=${mode_port#*:}
  for tool in smtpx_cmd swaks_cmd python_cmd; do
    if ! $($tool "$mode" "$port") >"$WORK/check.out" 2>&1; then
      echo "$tool $mode failed:" >&2; cat "$WORK/check.out" >&2; exit 1
    fi
  done
done

summary() { # json
  python3 - "$1" <<'EOF'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
def stats(r):
    t = sorted(r["times"])
    return t[len(t) // 2] * 1000, t[0] * 1000
smtpx_median, smtpx_min = stats(results[0])
for r in results:
    median, minimum = stats(r)
    name = r["command"].split()[0].split("/")[-1]
    if name == "python3":
        name = "smtplib"
    ratio = smtpx_median / median
    print(f"  {name:8} median {median:7.1f} ms   min {minimum:7.1f} ms   smtpx/this {ratio:5.2f}x")
EOF
}

wire_times() { # mode port -> per tool, median SYN..last segment
  local mode=$1 port=$2 pcap=$WORK/$1.pcap
  if ! command -v tcpdump >/dev/null; then
    echo "  (no tcpdump: wire time from smtpx's transcript only)"
    for _ in $(seq "$WIRE_RUNS"); do { $(smtpx_cmd "$mode" "$port") || true; } | awk '/S[~<] 221/{print $1 * 1000}'; done |
      sort -n | awk '{a[NR]=$1} END{printf "  smtpx    connect..221 median %.1f ms (transcript timestamps)\n", a[int((NR+1)/2)]}'
    return
  fi
  tcpdump -i lo -nn -tt -w "$pcap" "tcp port $port" 2>/dev/null &
  local dump=$!
  sleep 0.5
  for tool in smtpx_cmd swaks_cmd python_cmd; do
    for _ in $(seq "$WIRE_RUNS"); do $($tool "$mode" "$port") >/dev/null 2>&1 || echo "  ($tool failed once)"; done
    sleep 0.2
    echo "--- $tool" >"$WORK/mark.$tool"
  done
  sleep 0.5
  kill "$dump" 2>/dev/null || true
  wait "$dump" 2>/dev/null || true
  # Connections come in tool order, WIRE_RUNS each.
  # A capture cut by the kill may end mid-packet: tcpdump then exits non-zero after
  # printing every whole packet.
  cat >"$WORK/wire.py" <<'EOF'
import sys
port, runs = sys.argv[1], int(sys.argv[2])
conns = {}
order = []
for line in sys.stdin:
    f = line.split()
    if len(f) < 5 or f[1] != "IP":
        continue
    t, src, dst = float(f[0]), f[2], f[4].rstrip(":")
    from_server = src.endswith("." + port)
    client = dst if from_server else src
    if client not in conns:
        conns[client] = [t, t]
        order.append(client)
    # The end is the server's last data segment (the 221): what follows it (FIN, ACKs)
    # happens after the tool has its answer.
    if from_server and not line.rstrip().endswith("length 0"):
        conns[client][1] = t
for i, name in enumerate(["smtpx", "swaks", "smtplib"]):
    d = sorted((conns[c][1] - conns[c][0]) * 1000 for c in order[i * runs:(i + 1) * runs])
    if d:
        print(f"  {name:8} on the wire (SYN..221) median {d[len(d) // 2]:6.1f} ms   min {d[0]:6.1f} ms   ({len(d)} connections)")
EOF
  { tcpdump -r "$pcap" -nn -tt 2>/dev/null || true; } | python3 "$WORK/wire.py" "$port" "$WIRE_RUNS"
}

for mode_port in starttls:10587 implicit:10465; do
  mode=${mode_port%:*}; port=${mode_port#*:}
  echo
  echo "== $mode ($HOST:$port): STARTTLS/TLS + AUTH PLAIN + 1 KiB message, $RUNS runs each"
  hyperfine -N --warmup 3 --runs "$RUNS" --style none --export-json "$WORK/$mode.json" \
    "$(smtpx_cmd "$mode" "$port")" "$(swaks_cmd "$mode" "$port")" "$(python_cmd "$mode" "$port")" >/dev/null
  summary "$WORK/$mode.json"
  wire_times "$mode" "$port"
done
echo
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
