#!/usr/bin/env bash
# A new user's first run, end to end with the real binary: `sendguard serve
# --dev` in an empty directory starts with no other setup, answers health,
# readiness and a check, refuses a non-loopback --dev address, and on
# SIGTERM shuts down cleanly (exit 0, "stopped" logged).
set -euo pipefail
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp=$(mktemp -d -t sendguard-smoke.XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
cd "$tmp"
fail() { echo "test-serve: FAIL: $*"; cat "$tmp/stderr" 2>/dev/null || true; exit 1; }

if "$bin" serve --dev --addr 0.0.0.0:0 2>"$tmp/refused"; then fail "--dev accepted a non-loopback address"; fi
grep -q loopback "$tmp/refused" || fail "--dev refusal does not say why"

"$bin" serve --dev --addr 127.0.0.1:0 2>"$tmp/stderr" &
pid=$!
url=
for _ in $(seq 100); do
  url=$(sed -n 's/^sendguard: listening on //p' "$tmp/stderr")
  [ -n "$url" ] && break
  kill -0 "$pid" 2>/dev/null || fail "the server exited"
  sleep 0.1
done
[ -n "$url" ] || fail "no 'listening on' line"
grep -q '"msg":"listening"' "$tmp/stderr" || fail "no JSON listening log"
grep -q 'DEV MODE' "$tmp/stderr" || fail "dev mode is not announced"
[ -f sendguard.db ] || fail "no sendguard.db in the working directory"

curl -fsS "$url/healthz" | grep -q '"ok"' || fail "healthz"
curl -fsS "$url/readyz" | grep -q '"ready"' || fail "readyz"
verdict=$(curl -sS -X POST -H 'Content-Type: application/json' \
  --data '{"message":{"subject":"Results","toRecipients":[{"emailAddress":{"address":"patient@gmail.com"}}],"body":{"contentType":"text","content":"NHS number 943 476 5919"}},"context":{}}' \
  "$url/api/v1/check")
echo "$verdict" | grep -q '"action":"' || fail "check answered $verdict"
code=$(curl -sS -o /dev/null -w '%{http_code}' -X POST --data '{' "$url/api/v1/check")
[ "$code" = 400 ] || fail "malformed check answered $code"

kill -TERM "$pid"
set +e; wait "$pid"; rc=$?; set -e
pid=
[ "$rc" = 0 ] || fail "exit status $rc after SIGTERM"
grep -q '"msg":"stopped"' "$tmp/stderr" || fail "no 'stopped' log"
if grep -q '5919' "$tmp/stderr"; then fail "the log contains the planted NHS number"; fi
echo "test-serve: ok ($url answered: $(echo "$verdict" | head -c 80)...)"
