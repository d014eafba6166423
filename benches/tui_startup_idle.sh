#!/bin/sh
# Explorer start-up and idle CPU (issue 10, target 4: start to first frame under 50 ms; an
# idle open session under 0.5% CPU over 30 s).
#
# Runs the release explorer in tmux (private socket, 80x24) against the built-in sandbox
# (`smtpx serve`) on loopback.
#
# (a) Start to first frame, RUNS times: the pane's shell writes the wall clock to a file and
#     execs smtpx; smtpx, with SMTPX_FIRST_FRAME_LOG=PATH, writes the wall clock of its
#     first completed draw (src/tui/mod.rs, `log_first_frame`). The difference includes
#     exec, dynamic loading, argument parsing, runtime and terminal set-up, and the end of
#     the `date` process that took the first stamp (so it errs high by well under 1 ms).
# (b) Idle CPU: one explorer connected and greeted, left alone for IDLE seconds; utime +
#     stime of the process (all its threads) from /proc/PID/stat before and after, in
#     clock ticks (1/`getconf CLK_TCK` s).
#
# Usage: benches/tui_startup_idle.sh [RUNS] [IDLE]     (defaults 20 and 30)
# Needs: a release build (`cargo build --release`), tmux, python3.
set -eu

RUNS=${1:-20}
IDLE=${2:-30}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${SMTPX_BIN:-$ROOT/target/release/smtpx}
[ -x "$BIN" ] || { echo "no release build at $BIN: run cargo build --release" >&2; exit 2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/smtpx-bench.XXXXXX")
SOCK="smtpx-bench-$$"
export XDG_STATE_HOME="$WORK/state"
mkdir -p "$XDG_STATE_HOME"
SERVER_PID=
cleanup() {
    tmux -L "$SOCK" kill-server 2>/dev/null || true
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN" serve --listen "127.0.0.1:$PORT" --maildir "$WORK/maildir" >"$WORK/serve.log" 2>&1 &
SERVER_PID=$!
# Wait for the sandbox to accept connections.
python3 - "$PORT" <<'EOF'
import socket, sys, time
deadline = time.time() + 10
while True:
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2).close()
        break
    except OSError:
        if time.time() > deadline:
            sys.exit("the sandbox did not start")
        time.sleep(0.02)
EOF

# Waits until FILE exists and is not empty (at most 10 s).
wait_file() {
    i=0
    while [ ! -s "$1" ]; do
        i=$((i + 1))
        [ $i -gt 1000 ] && { echo "timed out waiting for $1" >&2; return 1; }
        sleep 0.01
    done
}

# Starts the explorer in a new tmux session NAME; the shell stamps the time, then execs.
start_explorer() {
    name=$1
    tmux -L "$SOCK" new-session -d -s "$name" -x 80 -y 24 \
        "date +%s%N > '$WORK/$name.t0'; exec env TERM=xterm-256color SMTPX_FIRST_FRAME_LOG='$WORK/$name.ff' '$BIN' 127.0.0.1:$PORT --no-record"
}

# A session that lives as long as the script, so that the tmux server does not exit (and
# race the next new-session) each time a measured session is killed.
tmux -L "$SOCK" new-session -d -s keep -x 80 -y 24 "sleep 86400"

echo "== start to first frame: $RUNS runs, release explorer at 80x24 in tmux, sandbox on 127.0.0.1:$PORT"
: >"$WORK/times"
run=1
while [ $run -le "$RUNS" ]; do
    start_explorer "s$run"
    wait_file "$WORK/s$run.ff"
    wait_file "$WORK/s$run.t0"
    echo "$(cat "$WORK/s$run.t0") $(cat "$WORK/s$run.ff")" >>"$WORK/times"
    tmux -L "$SOCK" kill-session -t "s$run"
    run=$((run + 1))
done
python3 - "$WORK/times" <<'EOF'
import statistics, sys
ms = sorted((int(ff) - int(t0)) / 1e6 for t0, ff in (l.split() for l in open(sys.argv[1])))
print(f"start to first frame: min {ms[0]:.1f} ms, median {statistics.median(ms):.1f} ms, "
      f"max {ms[-1]:.1f} ms over {len(ms)} runs (target: under 50 ms)")
EOF

echo "== idle CPU: one explorer connected and greeted, left alone for $IDLE s"
start_explorer idle
wait_file "$WORK/idle.ff"
# Wait for the greeting on screen: the session is open and idle from here.
i=0
until tmux -L "$SOCK" capture-pane -p -t idle | grep -q "S< 220"; do
    i=$((i + 1))
    [ $i -gt 500 ] && { echo "no greeting on screen" >&2; tmux -L "$SOCK" capture-pane -p -t idle >&2; exit 1; }
    sleep 0.02
done
PID=$(tmux -L "$SOCK" list-panes -t idle -F '#{pane_pid}')
ticks() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
HZ=$(getconf CLK_TCK)
before=$(ticks)
sleep "$IDLE"
after=$(ticks)
python3 -c "
used = ($after - $before) / $HZ
print(f'idle CPU: {used * 1000:.0f} ms of CPU in $IDLE s = {100 * used / $IDLE:.3f}% '
      f'(utime+stime of pid $PID, {$after - $before} ticks at $HZ Hz; target: under 0.5%)')
"
tmux -L "$SOCK" capture-pane -p -t idle | head -3
