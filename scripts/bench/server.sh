#!/usr/bin/env bash
# Load test of the check API: `sendguard serve --dev` on loopback, driven by
# wrk (one thread) with a typical check request, for a bounded time. Prints
# requests/s, p99 latency and the server's RSS (VmRSS sampled under load,
# VmHWM peak). Target: >= 15,000 requests/s with p99 <= 10 ms on 2 cores.
#
# usage: scripts/bench/server.sh BIN [SECONDS] [CONNECTIONS]
set -euo pipefail
bin=${1:?usage: server.sh BIN [SECONDS] [CONNECTIONS]}
secs=${2:-10}
conns=${3:-16}
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v wrk >/dev/null; then
  echo "bench-server: skipping: wrk is not installed (apt-get install wrk)"
  exit 0
fi
load0=$(cut -d' ' -f1-3 /proc/loadavg)
tmp=$(mktemp -d -t sendguard-bench.XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

"$bin" serve --dev --addr 127.0.0.1:0 --database-url "$tmp/bench.db" --rate-limit 1000000000 --log-level warn 2>"$tmp/stderr" &
pid=$!
url=
for _ in $(seq 100); do
  url=$(sed -n 's/^sendguard: listening on //p' "$tmp/stderr")
  [ -n "$url" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$tmp/stderr"; exit 1; }
  sleep 0.1
done
[ -n "$url" ] || { echo "bench-server: the server did not start"; cat "$tmp/stderr"; exit 1; }

check=$(curl -sS -X POST -H 'Content-Type: application/json' --data-binary @"$here/server-check.json" "$url/api/v1/check")
echo "bench-server: $url, verdict for the request: $(echo "$check" | head -c 160)..."

# Warm up (JIT-free Go still needs its heap and connection pools sized).
wrk -t1 -c"$conns" -d2s -s "$here/server-check.lua" "$url/api/v1/check" >/dev/null

rss_max=0
( while kill -0 "$pid" 2>/dev/null; do
    awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null
    sleep 0.5
  done ) >"$tmp/rss" &
sampler=$!
cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
cpu0=$(cpu_ticks)
wrk -t1 -c"$conns" -d"${secs}s" --latency -s "$here/server-check.lua" "$url/api/v1/check" | tee "$tmp/wrk"
cpu1=$(cpu_ticks)
kill "$sampler" 2>/dev/null || true
rss_max=$(sort -n "$tmp/rss" | tail -1)
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")

rps=$(awk '/^Requests\/sec:/ {print $2}' "$tmp/wrk")
p99=$(awk '$1 == "99%" {print $2}' "$tmp/wrk")
to_ms() { case "$1" in *us) echo "${1%us}" | awk '{print $1/1000}';; *ms) echo "${1%ms}";; *s) echo "${1%s}" | awk '{print $1*1000}';; esac; }
p99ms=$(to_ms "$p99")
reqs=$(awk '/requests in/ {print $1}' "$tmp/wrk")
hz=$(getconf CLK_TCK)
# CPU time per request is what the machine's load cannot distort much: on a
# shared box requests/s falls when others compete, CPU per request does not.
cpu_us=$(awk -v t=$((cpu1 - cpu0)) -v hz="$hz" -v n="$reqs" 'BEGIN { if (n > 0) printf "%.1f", t / hz * 1e6 / n; else print "?" }')
echo
echo "bench-server: ${rps} requests/s, p99 ${p99ms} ms, server CPU ${cpu_us} us/request, RSS under load ${rss_max} kB (peak VmHWM ${hwm} kB), wrk -t1 -c${conns} -d${secs}s, load average before: ${load0}"
# Events are writes (one SQLite transaction each): a shorter run, for scale.
wrk -t1 -c16 -d"$(( secs / 2 > 0 ? secs / 2 : 1 ))s" --latency -s "$here/server-event.lua" "$url/api/v1/events" >"$tmp/wrk-events"
erps=$(awk '/^Requests\/sec:/ {print $2}' "$tmp/wrk-events")
ep99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$tmp/wrk-events")")
echo "bench-server: events (SQLite writes): ${erps} requests/s, p99 ${ep99} ms, wrk -t1 -c16"
if awk -v r="$rps" -v p="$p99ms" 'BEGIN { exit !(r >= 15000 && p <= 10) }'; then
  echo "bench-server: target met (>= 15000 requests/s, p99 <= 10 ms)"
else
  echo "bench-server: target MISSED (>= 15000 requests/s, p99 <= 10 ms)"
fi
