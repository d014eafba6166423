#!/usr/bin/env bash
# Time to a diagnosis (issue 19: under 5 s each with the default waits, against 30 s
# before) for the four ports where a connection used to wait in silence:
#   refused       nothing listens (the kernel answers the SYN with RST);
#   filtered      the SYN is dropped: a listener whose accept queue is full, which Linux
#                 treats as a firewall DROP rule would (tcp_abort_on_overflow = 0);
#   silent        accepts and never says a word (a tarpit, or a greeting delay);
#   implicit-tls  the sandbox's implicit-TLS port, connected to in plaintext.
# Each is `smtpx probe --json` on loopback; the figure is the `t` of its first
# `diagnosis:` note (seconds since the probe started connecting), and the process's wall
# time. Default waits: --connect-timeout 4, --greeting-wait 3, --timeout 30.
#
#   bash benches/time_to_diagnosis.sh                 # release build, 3 runs each
#   RUNS=5 SMTPX_BIN=target/debug/smtpx bash benches/time_to_diagnosis.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
if [ -z "${SMTPX_BIN:-}" ]; then
    cargo build --release --quiet
    SMTPX_BIN=target/release/smtpx
fi
WORK=$(mktemp -d)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"' EXIT

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# The sandbox: its implicit-TLS listener is the "implicit-tls" port.
TLS_PORT=$(free_port)
PLAIN_PORT=$(free_port)
"$SMTPX_BIN" serve --listen "127.0.0.1:$PLAIN_PORT" --tls-listen "127.0.0.1:$TLS_PORT" \
    >"$WORK/serve.log" 2>&1 &
PIDS+=($!)

# silent: accept everything, say nothing. filtered: backlog 0 and one queued connection.
python3 - "$WORK" <<'PY' &
import socket, sys, threading, time
work = sys.argv[1]
silent = socket.socket(); silent.bind(("127.0.0.1", 0)); silent.listen(16)
full = socket.socket(); full.bind(("127.0.0.1", 0)); full.listen(0)
filler = socket.create_connection(full.getsockname())
held = []
def accept():
    while True:
        held.append(silent.accept())
threading.Thread(target=accept, daemon=True).start()
with open(work + "/ports", "w") as f:
    f.write(f"{silent.getsockname()[1]} {full.getsockname()[1]}\n")
time.sleep(3600)
PY
PIDS+=($!)
for _ in $(seq 1 100); do
    [ -s "$WORK/ports" ] && grep -q . "$WORK/serve.log" && break
    sleep 0.05
done
read -r SILENT_PORT FILTERED_PORT <"$WORK/ports"
REFUSED_PORT=$(free_port)

measure() {
    local name=$1 port=$2
    shift 2
    for run in $(seq 1 "$RUNS"); do
        local start end out
        start=$(date +%s.%N)
        out=$("$SMTPX_BIN" probe "127.0.0.1:$port" --json --no-record "$@" 2>/dev/null || true)
        end=$(date +%s.%N)
        local t
        t=$(printf '%s\n' "$out" | python3 -c '
import json, sys
for line in sys.stdin:
    e = json.loads(line)
    if e.get("event") == "note" and e.get("message", "").startswith("diagnosis:"):
        print("%.2f" % e["t"]); break
else:
    print("none")')
        local kind
        kind=$(printf '%s\n' "$out" | grep -o '"message":"diagnosis: [^:]*' | head -1 | cut -c 23-70)
        printf '%-13s run %s: diagnosis at %5s s, process %5.2f s  (%s…)\n' \
            "$name" "$run" "$t" "$(echo "$end - $start" | bc)" "$kind"
    done
}

echo "smtpx $("$SMTPX_BIN" --version 2>/dev/null | head -1) · $(nproc) cores · load $(cut -d' ' -f1-3 /proc/loadavg)"
measure refused "$REFUSED_PORT"
measure filtered "$FILTERED_PORT"
measure silent "$SILENT_PORT"
measure implicit-tls "$TLS_PORT" --no-tls-on-connect
