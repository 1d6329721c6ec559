#!/usr/bin/env bash
# Installs and starts what the test suites need, idempotently, then writes
# .cache/test.env. Debian packages are installed only when missing (and
# only as root); npm packages come from package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .cache

need_apt=()
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
command -v pg_ctlcluster >/dev/null 2>&1 && ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || need_apt+=(postgresql)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "test-deps: installing ${need_apt[*]} from Debian's packages"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "test-deps: missing ${need_apt[*]}; install them with: sudo apt-get install -y ${need_apt[*]}" >&2
    exit 1
  fi
fi

if [ -f package-lock.json ] && { [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; }; then
  echo "test-deps: npm ci"
  # npm here leaves other platforms' optional packages (workerd-darwin-*)
  # out of the lock file, which `npm ci` then rejects; `npm install` from
  # the same lock installs the same versions.
  npm ci --no-audit --no-fund --loglevel=error 2>/dev/null ||
    npm install --no-audit --no-fund --loglevel=error
fi

# PostgreSQL: a throwaway cluster owned by the postgres user, on loopback.
pg_url="${SENDGUARD_TEST_POSTGRES_URL:-}"
if [ -z "$pg_url" ]; then
  pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
  pgdata=/tmp/sendguard-pg
  pgport=55432
  as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
  if ! as_pg "$pgbin/pg_isready" -q -h 127.0.0.1 -p $pgport; then
    if [ ! -f $pgdata/PG_VERSION ]; then
      rm -rf $pgdata; mkdir -p $pgdata
      [ "$(id -u)" = 0 ] && chown postgres:postgres $pgdata
      as_pg "$pgbin/initdb" -D $pgdata -U postgres --auth=trust -E UTF8 >/dev/null
    fi
    as_pg "$pgbin/pg_ctl" -D $pgdata -l $pgdata/log -w -o "-h 127.0.0.1 -p $pgport -k /tmp -c max_connections=200 -c fsync=off" start >/dev/null
  fi
  as_pg "$pgbin/psql" -h 127.0.0.1 -p $pgport -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='sendguard_test'" | grep -q 1 ||
    as_pg "$pgbin/psql" -h 127.0.0.1 -p $pgport -U postgres -qc "CREATE DATABASE sendguard_test"
  pg_url="postgres://postgres@127.0.0.1:$pgport/sendguard_test?sslmode=disable"
fi
cat > .cache/test.env <<ENV
SENDGUARD_TEST_POSTGRES_URL=$pg_url
SENDGUARD_REQUIRE_POSTGRES=1
CHROMIUM=/usr/bin/chromium
PATH=$(go env GOROOT)/lib/wasm:$PATH
ENV
echo "test-deps: ready (PostgreSQL at ${pg_url%%\?*})"
