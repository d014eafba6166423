#!/usr/bin/env bash
# A whole submission at a real distance: smtpx probe, swaks, swaks --pipeline and Python
# smtplib, side by side in one run, against the interop Postfix (tests/interop/postfix-up.sh)
# on 127.0.0.1:10587 — EHLO, STARTTLS, EHLO, AUTH PLAIN, MAIL, RCPT, the 1 KiB message, QUIT
# — once straight on loopback and once through benches/rtt_proxy.rs, which delays every
# chunk DELAY_MS each way (order kept), i.e. 2 x DELAY_MS of added round trip.
#
# The tools take turns (one run of each, then the next round), so a change in the machine's
# load hits them alike. Reported per tool: median and min wall time, and median divided by
# the added round trip. For smtpx also the round trips counted from its own timeline
# (`--json`): one for the greeting, one per TLS handshake, and one per write that waits for
# a reply (a run of `sent` events with no reply between them is one write's worth).
#
# usage: benches/rtt.sh [RUNS] [DELAY_MS]       (defaults 15 and 25)
# env:   SMTPX=path to the binary (default $CARGO_TARGET_DIR or target, debug/smtpx)
#        SMTPX_ARGS=extra probe arguments (e.g. --no-pipeline)
#        SMTPX_BASELINE=another smtpx binary to run beside it (e.g. the previous release)
#        PROXY_PORT=the proxy's port (default 12587)
#        SERVER=exim: the same comparison against the interop Exim (tests/interop/exim-up.sh)
#        on 127.0.0.1:10126, to a recipient at exim.test
#
# The password goes through the environment only (SMTP_PASS for smtpx and the Python client,
# SWAKS_OPT_auth_password for swaks), never on a command line.
set -euo pipefail

cd "$(dirname "$0")/.."
RUNS=${1:-15}
DELAY_MS=${2:-25}
TARGET=${CARGO_TARGET_DIR:-target}
SMTPX=${SMTPX:-$TARGET/debug/smtpx}
PROXY_PORT=${PROXY_PORT:-12587}
case ${SERVER:-postfix} in
  postfix) export UPSTREAM_PORT=10587 CA_FILE=/etc/smtpx-interop/cert.pem RCPT=smtpxtest@localhost ;;
  exim) export UPSTREAM_PORT=10126 CA_FILE=/etc/smtpx-exim/cert.pem RCPT=bench@exim.test ;;
  *) echo "SERVER is postfix or exim" >&2; exit 2 ;;
esac
WORK=$(mktemp -d /tmp/smtpx-rtt.XXXXXX)
PROXY_PID=
cleanup() {
  [ -n "$PROXY_PID" ] && kill "$PROXY_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

[ -x "$SMTPX" ] || cargo build --quiet --bin smtpx
PROXY=$(ls -t "$TARGET"/debug/deps/rtt_proxy-* 2>/dev/null | grep -v '\.d$' | head -1 || true)
if [ -z "$PROXY" ]; then
  cargo build --quiet --bench rtt_proxy
  PROXY=$(ls -t "$TARGET"/debug/deps/rtt_proxy-* | grep -v '\.d$' | head -1)
fi
command -v swaks >/dev/null || { echo "swaks missing: apt-get install -y swaks" >&2; exit 1; }

export SMTP_PASS=smtpx-test-password
export SWAKS_OPT_auth_password=$SMTP_PASS
export XDG_STATE_HOME=$WORK/state

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

"$PROXY" --listen "127.0.0.1:$PROXY_PORT" --upstream "127.0.0.1:$UPSTREAM_PORT" --delay-ms "$DELAY_MS" 2>/dev/null &
PROXY_PID=$!
for _ in $(seq 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$PROXY_PORT") 2>/dev/null && break
  sleep 0.1
done

echo "machine: $(nproc) cores, kernel $(uname -r); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "server: ${SERVER:-postfix} on 127.0.0.1:$UPSTREAM_PORT"
echo "smtpx: $SMTPX ${SMTPX_ARGS:-}; $(swaks --version 2>&1 | head -1); $(python3 --version)"

python3 - "$WORK" "$RUNS" "$DELAY_MS" "$SMTPX" "$PROXY_PORT" "${SMTPX_ARGS:-}" "${SMTPX_BASELINE:-}" <<'EOF'
import json, os, statistics, subprocess, sys, time

work, runs, delay, smtpx, proxy_port, extra, baseline = sys.argv[1:8]
runs, delay = int(runs), int(delay)
msg = f"{work}/msg.eml"
user, sender, rcpt = "smtpxtest", "smtpxtest@smtpx.test", os.environ["RCPT"]
upstream, ca_file = int(os.environ["UPSTREAM_PORT"]), os.environ["CA_FILE"]

def tools(port):
    swaks = ["swaks", "--server", f"127.0.0.1:{port}", "-tls", "--helo", "bench",
             "--auth", "PLAIN", "--auth-user", user, "--from", sender, "--to", rcpt,
             "--data", f"@{msg}", "--silent", "2"]
    probe = ["probe", f"127.0.0.1:{port}", "--ehlo", "bench", "--auth", "plain",
             "--user", user, "--password-env", "SMTP_PASS",
             "--ca-file", ca_file, "--from", sender, "--to", rcpt,
             "--data", msg, "--json"]
    commands = {"smtpx": [smtpx, *probe, *extra.split()]}
    if baseline:
        commands["smtpx (baseline)"] = [baseline, *probe]
    return commands | {
        "swaks": swaks,
        "swaks --pipeline": swaks + ["--pipeline"],
        "smtplib": ["python3", "benches/smtplib_client.py", "starttls", "127.0.0.1",
                    str(port), user, sender, rcpt, msg],
    }

def round_trips(out):
    """Waits in smtpx's own timeline: the greeting, each TLS handshake, each write that
    waits for a reply (consecutive `sent` events go out before any reply is read)."""
    count, last = 0, None
    for line in out.splitlines():
        try:
            kind = json.loads(line).get("event")
        except ValueError:
            continue
        if kind == "reply" and last is None:
            count += 1
        elif kind == "tls":
            count += 1
        elif kind == "sent" and last != "sent":
            count += 1
        if kind in ("sent", "reply", "tls"):
            last = kind
    return count

loopback = {}
for label, port, rtt in (("loopback", upstream, 0), (f"+{2 * delay} ms round trip", proxy_port, 2 * delay)):
    commands = tools(port)
    times = {name: [] for name in commands}
    trips = {}
    for _ in range(runs):
        for name, argv in commands.items():
            start = time.perf_counter()
            done = subprocess.run(argv, capture_output=True, text=True)
            elapsed = (time.perf_counter() - start) * 1000
            if done.returncode != 0:
                sys.exit(f"{name} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
            times[name].append(elapsed)
            if name.startswith("smtpx"):
                trips.setdefault(name, []).append(round_trips(done.stdout))
    print(f"\n== {label}: STARTTLS + AUTH PLAIN + 1 KiB message, {runs} runs each, taking turns")
    if rtt:
        print("  (added/RTT: the median minus the same tool's loopback median, over the RTT)")
    base = statistics.median(times["swaks --pipeline"])
    for name, t in times.items():
        median = statistics.median(t)
        per_rtt = ""
        if rtt:
            added = (median - loopback[name]) / rtt
            per_rtt = f"  {median / rtt:5.1f} x RTT  added/RTT {added:5.1f}"
        loopback.setdefault(name, median)
        print(f"  {name:17} median {median:7.1f} ms  min {min(t):7.1f} ms{per_rtt}"
              f"  vs swaks --pipeline {median / base:5.2f}x")
    for name, counts in trips.items():
        print(f"  {name} round trips (own timeline): median {statistics.median(counts):g}"
              f" (min {min(counts)}, max {max(counts)})")
EOF
echo
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
