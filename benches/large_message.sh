#!/usr/bin/env bash
# Issue 10, target 5: a 100 MB message sent with `smtpx probe --data FILE` over STARTTLS to
# the sandbox (`smtpx serve`), streamed: reports throughput and the client's peak memory.
#
#   throughput, whole session: message octets / wall time of the probe process (connect,
#     TLS, the 8-bit pre-scan of the file, DATA, the server storing it, QUIT)
#   throughput, DATA: message octets / (time of smtpx's `C~ <message…>` event, written when
#     the last byte went out - time of the 354), from the probe's own timestamps
#   peak memory: "Maximum resident set size" from /usr/bin/time -v (client); the sandbox's
#     VmHWM from /proc for comparison (it writes DATA content to disk as it arrives)
#   CPU: the client's user + system time (time -v), the sandbox's from /proc/PID/stat; on
#     2 cores the two run side by side, so the larger bounds the wall time
#   end marker to 250: how long the sandbox took to answer after the last byte went out
#
# usage: benches/large_message.sh [MEGABYTES] [RUNS]        (defaults 100 and 3)
# env:   SMTPX=path to the binary (default target/release/smtpx, built if missing)
set -euo pipefail

cd "$(dirname "$0")/.."
MB=${1:-100}
RUNS=${2:-3}
SMTPX=${SMTPX:-target/release/smtpx}
PORT=${PORT:-12525}
WORK=$(mktemp -d /tmp/smtpx-large.XXXXXX)
SERVER=""
cleanup() {
  [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

[ -x "$SMTPX" ] || cargo build --release --quiet
[ -x /usr/bin/time ] || { echo "/usr/bin/time missing: apt-get install -y time" >&2; exit 1; }
export XDG_STATE_HOME=$WORK/state

# MB * 10^6 octets of CRLF text, 80-octet lines, every seventh starting with a dot.
python3 - "$WORK/big.eml" "$MB" <<'EOF'
import sys
path, size = sys.argv[1], int(sys.argv[2]) * 1000 * 1000
head = b"Subject: large message benchmark\r\nFrom: <a@sender.test>\r\nTo: <b@rcpt.test>\r\n\r\n"
lines = []
for n in range(7000):
    lead = b"." if n % 7 == 6 else b""
    body = lead + b"line %06d " % n
    lines.append(body + b"x" * (78 - len(body)) + b"\r\n")
block = b"".join(lines)
with open(path, "wb") as f:
    f.write(head)
    left = size - len(head)
    while left > 0:
        part = block[:left]
        f.write(part)
        left -= len(part)
EOF
SIZE=$(stat -c %s "$WORK/big.eml")
# The file may end mid-line; the probe adds CRLF and says so. Keep it in the page cache so
# the disk is not what is measured.
cat "$WORK/big.eml" >/dev/null

"$SMTPX" serve --listen "127.0.0.1:$PORT" --max-size $((SIZE * 2)) --maildir "$WORK/maildir" \
  --ca-out "$WORK/ca.pem" >"$WORK/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 50); do [ -s "$WORK/ca.pem" ] && break; sleep 0.1; done

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), kernel $(uname -r)"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "message: $SIZE octets; sandbox on 127.0.0.1:$PORT (--max-size $((SIZE * 2)))"
server_ticks() { awk '{print $14 + $15}' "/proc/$SERVER/stat"; }
for run in $(seq "$RUNS"); do
  before=$(server_ticks)
  /usr/bin/time -v -o "$WORK/time.txt" "$SMTPX" probe "127.0.0.1:$PORT" --starttls \
    --ca-file "$WORK/ca.pem" --from a@sender.test --to b@rcpt.test --data "$WORK/big.eml" \
    >"$WORK/probe.out"
  grep -q "S~ 250 " "$WORK/probe.out" || { cat "$WORK/probe.out"; exit 1; }
  server_cpu=$(( $(server_ticks) - before ))
  rm -f "$WORK"/maildir/*.eml
  python3 - "$WORK/time.txt" "$WORK/probe.out" "$SIZE" "$run" "$(grep VmHWM /proc/$SERVER/status | awk '{print $2}')" "$server_cpu" "$(getconf CLK_TCK)" <<'EOF'
import re, sys
timing, out, size, run, server_kb = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
server_cpu = int(sys.argv[6]) / int(sys.argv[7])
t = open(timing).read()
wall = t.split("Elapsed (wall clock) time (h:mm:ss or m:ss):")[1].split()[0]
parts = [float(p) for p in wall.split(":")]
seconds = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1))
client_cpu = sum(float(re.search(rf"{k} time \(seconds\): ([\d.]+)", t).group(1)) for k in ("User", "System"))
lines = open(out).read().splitlines()
go = next(float(l.split()[0]) for l in lines if "S~ 354" in l)
sent = next(float(l.split()[0]) for l in lines if "C~ <message:" in l)
done_at = next(float(l.split()[0]) for l in lines if "S~ 250 2.0.0 Ok: queued" in l)
print(f"run {run}: wall {seconds:.3f} s -> {size / seconds / 1e6:6.1f} MB/s whole session; "
      f"DATA sent in {sent - go:.3f} s -> {size / (sent - go) / 1e6:6.1f} MB/s; "
      f"client peak RSS {rss_kb / 1024:.1f} MiB; sandbox VmHWM {server_kb / 1024:.1f} MiB; "
      f"CPU client {client_cpu:.2f} s, sandbox {server_cpu:.2f} s; "
      f"end marker to 250: {done_at - sent:.3f} s")
EOF
done
grep -E "S~ 250 .*(queued|Ok)" "$WORK/probe.out" | tail -1
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
