#!/usr/bin/env bash
# Runs every fuzz target for RUNS executions (default 10,000,000), one after another, one
# job each, and prints libFuzzer's execution count and time per target. Not part of CI.
#
#   fuzz/run-all.sh [RUNS] [extra libFuzzer flags...]     e.g. fuzz/run-all.sh 1000000 -max_len=512
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`); runs on stable via RUSTC_BOOTSTRAP=1.
# Builds without a sanitizer: smtpx has no unsafe code, and it is several times faster.
# Generated corpora go to fuzz/corpus/TARGET (git-ignored); fuzz/seeds/TARGET is read too.
set -euo pipefail
cd "$(dirname "$0")"
runs="${1:-10000000}"
shift || true
export RUSTC_BOOTSTRAP=1
targets=(reply_parser capabilities transcript_reader sandbox_command)
cargo fuzz build --sanitizer none -O
bin=target/x86_64-unknown-linux-gnu/release
summary=()
for target in "${targets[@]}"; do
  mkdir -p "corpus/$target" artifacts
  log="artifacts/$target.log"
  echo "== $target: $runs runs"
  start=$(date +%s)
  status=0
  "$bin/$target" "corpus/$target" "seeds/$target" -runs="$runs" -print_final_stats=1 \
    -artifact_prefix="artifacts/$target-" "$@" >"$log" 2>&1 || status=$?
  seconds=$(($(date +%s) - start))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  if [ "$status" -ne 0 ]; then
    result="FAILED (exit $status; see $log and artifacts/$target-*)"
  else
    result="ok"
  fi
  line="$target: ${execs:-?} executions in ${seconds}s (${rate:-?}/s) $result"
  echo "$line"
  summary+=("$line")
done
echo "== summary"
printf '%s\n' "${summary[@]}"
for line in "${summary[@]}"; do
  case "$line" in *FAILED*) exit 1 ;; esac
done
