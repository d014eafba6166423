#!/usr/bin/env bash
# The background warm-up of `smtpx replay` on a 1,000,000-event transcript (target 3): how
# long a whole process takes to make every checkpoint after opening, its peak memory then,
# and the CPU it uses while warming and once warmed (it must go idle).
#
# Same transcript as benches/replay_open.sh (the `replay` bench's generator). smtpx runs in a
# tmux pane (a real terminal):
#   1. with SMTPX_EXIT_WHEN_WARM=1 (a benchmark hook: leave once the first frame is drawn and
#      the warm-up has finished) under /usr/bin/time -v: wall time and peak RSS;
#   2. without hooks: CPU time (utime+stime from /proc/PID/stat) over the first second
#      (warming) and over IDLE_SECS seconds once warmed, with no key pressed.
#
#   bash benches/replay_warm.sh            # 80x24, 3 runs of each
#   RUNS=5 IDLE_SECS=30 bash benches/replay_warm.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
IDLE_SECS=${IDLE_SECS:-20}
WORK=$(mktemp -d)
SOCKET="smtpx-replay-warm-$$"
trap 'tmux -L "$SOCKET" kill-server 2>/dev/null || true; rm -rf "$WORK"' EXIT

cargo build --release --quiet
FILE="$WORK/million.jsonl"
SMTPX_REPLAY_GENERATE="$FILE" cargo bench --quiet --bench replay >/dev/null
SIZE=$(stat -c %s "$FILE")
echo "transcript: $(($(wc -l <"$FILE") - 1)) events, $SIZE bytes"
cat "$FILE" >/dev/null # in the page cache
TICKS=$(getconf CLK_TCK)

wait_for() {
    for _ in $(seq 1 1200); do
        [ -f "$1" ] && return 0
        sleep 0.05
    done
    echo "timed out waiting for $1" >&2
    exit 1
}

cpu_ticks() { # utime + stime of process $1, in clock ticks
    awk '{ print $14 + $15 }' "/proc/$1/stat"
}

for run in $(seq 1 "$RUNS"); do
    rm -f "$WORK/done"
    tmux -L "$SOCKET" new-session -d -x 80 -y 24 \
        "/usr/bin/time -v -o $WORK/time.txt env SMTPX_EXIT_WHEN_WARM=1 \
         target/release/smtpx replay $FILE; touch $WORK/done"
    wait_for "$WORK/done"
    wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$WORK/time.txt")
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$WORK/time.txt")
    ratio=$(awk -v r="$rss" -v s="$SIZE" 'BEGIN { printf "%.2f", r * 1024 / s }')
    echo "run $run: open + first frame + whole warm-up $wall (m:ss), peak RSS $((rss / 1024)) MiB = ${ratio}x the file"
    tmux -L "$SOCKET" kill-server 2>/dev/null || true
done

for run in $(seq 1 "$RUNS"); do
    rm -f "$WORK/pid"
    tmux -L "$SOCKET" new-session -d -x 80 -y 24 \
        "sh -c 'echo \$\$ > $WORK/pid.tmp && mv $WORK/pid.tmp $WORK/pid && exec target/release/smtpx replay $FILE'"
    wait_for "$WORK/pid"
    pid=$(cat "$WORK/pid")
    sleep 0.5 # open and first frame
    a=$(cpu_ticks "$pid")
    sleep 1
    b=$(cpu_ticks "$pid")
    warming=$(awk -v d=$((b - a)) -v t="$TICKS" 'BEGIN { printf "%.0f", d * 100 / t }')
    # Warmed when the CPU time stops moving for two seconds.
    last=$b
    for _ in $(seq 1 120); do
        sleep 2
        now=$(cpu_ticks "$pid")
        [ "$now" = "$last" ] && break
        last=$now
    done
    sleep 1
    a=$(cpu_ticks "$pid")
    sleep "$IDLE_SECS"
    b=$(cpu_ticks "$pid")
    idle=$(awk -v d=$((b - a)) -v t="$TICKS" -v s="$IDLE_SECS" 'BEGIN { printf "%.3f", d * 100 / t / s }')
    rss=$(awk '/VmRSS/ { print int($2 / 1024) }' "/proc/$pid/status")
    echo "run $run: CPU while warming ${warming}% of a core; once warmed ${idle}% over ${IDLE_SECS} s (RSS then $rss MiB)"
    tmux -L "$SOCKET" send-keys -t 0 q
    for _ in $(seq 1 100); do
        [ -d "/proc/$pid" ] || break
        sleep 0.05
    done
    tmux -L "$SOCKET" kill-server 2>/dev/null || true
done
