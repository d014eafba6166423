#!/usr/bin/env bash
# Whole-process time to the first frame and peak memory of `smtpx replay` on a
# 1,000,000-event transcript (issue 10, target 3: first frame under 1.5 s, peak RSS under
# twice the file size). The transcript is generated through the real recorder by the
# `replay` bench's generator; smtpx runs in a tmux pane (a real terminal) with
# SMTPX_EXIT_AFTER_FIRST_FRAME=1, a benchmark hook that makes it leave right after drawing
# its first frame, under /usr/bin/time -v.
#
#   bash benches/replay_open.sh            # 80x24 and 200x60, 5 runs each
#   RUNS=10 bash benches/replay_open.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
WORK=$(mktemp -d)
SOCKET="smtpx-replay-open-$$"
trap 'tmux -L "$SOCKET" kill-server 2>/dev/null || true; rm -rf "$WORK"' EXIT

cargo build --release --quiet
FILE="$WORK/million.jsonl"
SMTPX_REPLAY_GENERATE="$FILE" cargo bench --quiet --bench replay >/dev/null
SIZE=$(stat -c %s "$FILE")
EVENTS=$(($(wc -l <"$FILE") - 1))
echo "transcript: $EVENTS events, $SIZE bytes ($((SIZE / 1024 / 1024)) MiB)"
cat "$FILE" >/dev/null # in the page cache, as a file just written or opened before

for size in 80x24 200x60; do
    width=${size%x*}
    height=${size#*x}
    for run in $(seq 1 "$RUNS"); do
        rm -f "$WORK/done"
        tmux -L "$SOCKET" new-session -d -x "$width" -y "$height" \
            "/usr/bin/time -v -o $WORK/time.txt env SMTPX_EXIT_AFTER_FIRST_FRAME=1 \
             target/release/smtpx replay $FILE; touch $WORK/done"
        for _ in $(seq 1 600); do
            [ -f "$WORK/done" ] && break
            sleep 0.05
        done
        [ -f "$WORK/done" ] || { echo "timed out" >&2; exit 1; }
        wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$WORK/time.txt")
        rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$WORK/time.txt")
        ratio=$(awk -v r="$rss" -v s="$SIZE" 'BEGIN { printf "%.2f", r * 1024 / s }')
        echo "$size run $run: first frame after $wall (m:ss), peak RSS $((rss / 1024)) MiB = ${ratio}x the file"
        tmux -L "$SOCKET" kill-server 2>/dev/null || true
    done
done
