#!/usr/bin/env bash
# Every test: unit (GoogleTest), API on SQLite, API on a PostgreSQL cluster this script
# starts itself, and browser tests in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
if [ ! -d tests/node_modules ] || [ tests/package-lock.json -nt tests/node_modules/.package-lock.json ]; then
  npm install --prefix tests --no-audit --no-fund --loglevel=error
fi

work=$(mktemp -d /tmp/fangyi-test.XXXXXX)
chmod 755 "$work"
pg_dir="$work/pg"
cleanup() { bash scripts/pg-cluster.sh stop "$pg_dir"; rm -rf "$work"; }
trap cleanup EXIT

pass=0; fail=0
run() {  # name, command...
  local name=$1; shift
  echo "=== $name"
  if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "!!! $name failed"; fi
}

run "unit" ctest --test-dir build --output-on-failure --no-tests=error --timeout 120
run "api (sqlite)" env FANGYI_TEST_DB=sqlite node --test --test-concurrency=1 tests/api/
pg_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
pg_url=$(bash scripts/pg-cluster.sh start "$pg_dir" "$pg_port")
run "api (postgresql)" env FANGYI_TEST_DB=postgres FANGYI_TEST_PG="$pg_url" node --test --test-concurrency=1 tests/api/
run "browser" node --test --test-concurrency=1 tests/e2e/

echo "suites: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
