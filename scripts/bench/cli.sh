#!/usr/bin/env bash
# Times `sendguard check --json DIR` against the one-regexp net/mail
# baseline over the same directory, end to end, and prints both means and
# the ratio. Uses hyperfine when installed (apt-get install hyperfine),
# otherwise a fixed number of timed runs. Bounded: 3 warm-ups, 15 runs each.
# Usage: cli.sh SENDGUARD NETMAILSCAN DIR
set -euo pipefail
sendguard=$1 baseline=$2 dir=$3
runs=${BENCH_RUNS:-15}
if [ ! -d "$dir" ]; then
  echo "bench-cli: $dir is missing (the shared corpora live in ../shared/corpora)" >&2
  exit 1
fi
cli="$sendguard check --json $dir"
base="$baseline $dir"

mean_us() { # command -> mean wall time in µs over $runs runs
  local cmd=$1 i start end total=0
  for i in 1 2 3; do $cmd >/dev/null 2>&1 || true; done
  for ((i = 0; i < runs; i++)); do
    start=$(date +%s%N)
    $cmd >/dev/null 2>&1 || true
    end=$(date +%s%N)
    total=$((total + end - start))
  done
  echo $((total / runs / 1000))
}

if command -v hyperfine >/dev/null 2>&1; then
  out=$(mktemp)
  trap 'rm -f "$out"' EXIT
  # check exits 1 or 2 when it finds something: that is a result, not a failure.
  hyperfine --warmup 3 --runs "$runs" -N --ignore-failure --export-json "$out" \
    -n sendguard "$cli" -n netmailscan "$base"
  read -r cli_us base_us cli_cpu base_cpu < <(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["results"]
us = lambda x: int(x * 1e6)
print(us(r[0]["mean"]), us(r[1]["mean"]), us(r[0]["user"] + r[0]["system"]), us(r[1]["user"] + r[1]["system"]))' "$out")
  # CPU time (user + system) is the steadier figure on a shared machine:
  # wall time there mostly measures waiting for a core.
  cpu_ratio=$(awk -v a="$cli_cpu" -v b="$base_cpu" 'BEGIN { printf "%.2f", a / b }')
  echo "bench-cli: CPU (user+sys) mean: sendguard $((cli_cpu / 1000)) ms, netmailscan $((base_cpu / 1000)) ms, ratio $cpu_ratio"
else
  echo "bench-cli: hyperfine not installed; timing $runs runs of each with date"
  cli_us=$(mean_us "$cli")
  base_us=$(mean_us "$base")
fi
ratio=$(awk -v a="$cli_us" -v b="$base_us" 'BEGIN { printf "%.2f", a / b }')
echo "bench-cli: wall mean: sendguard $((cli_us / 1000)).$(printf %03d $((cli_us % 1000))) ms," \
  "netmailscan $((base_us / 1000)).$(printf %03d $((base_us % 1000))) ms, ratio $ratio (target <= 1.00)"
