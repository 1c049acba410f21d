#!/usr/bin/env bash
# Vaccination benchmark: import, statistics, booking list and export on 1,000,000 bookings.
# One JSON line per scenario on stdout; progress on stderr. See bench/README.md.
#
#   bash bench/vaccination/run.sh
#
# Environment (all optional):
#   FANGYI_BIN        server binary (default build/server/fangyi, built first by scripts/build.sh server)
#   BENCH_NO_BUILD=1  do not build (use the binary as it is)
#   BENCH_KEEP=1      keep the temporary data directory (SQLite file, server log) afterwards
#   BENCH_ROWS, BENCH_FILES, BENCH_N   shrink the run (see bench.mjs); defaults 100000, 10, 200
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
BIN=${FANGYI_BIN:-$ROOT/build/server/fangyi}
say() { echo "[run] $*" >&2; }

command -v node >/dev/null || { say "node (18+) is required"; exit 2; }
command -v curl >/dev/null || { say "curl is required"; exit 2; }

# ---- build (if needed: ninja does nothing when the binary is current)
if [ -z "${FANGYI_BIN:-}" ] && [ "${BENCH_NO_BUILD:-0}" != 1 ]; then
  say "scripts/build.sh server"
  bash scripts/build.sh server >&2
fi
[ -x "$BIN" ] || { say "server binary not found: $BIN"; exit 2; }

# ---- fresh data directory; the server and the directory go away on any exit
WORK=$(mktemp -d "${TMPDIR:-/tmp}/fangyi-bench-vax.XXXXXX")
SERVER_PID=
NODE_PID=
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$NODE_PID" ]; then
    kill -TERM "$NODE_PID" 2>/dev/null || true
    wait "$NODE_PID" 2>/dev/null || true
  fi
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 150); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$SERVER_PID" 2>/dev/null; then
      say "server did not stop within 15 s of SIGTERM: SIGKILL"
      kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [ "${BENCH_KEEP:-0}" = 1 ]; then
    say "kept $WORK (database $WORK/fangyi.db, log $WORK/server.log)"
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "data directory $WORK"
"$BIN" demo-data --data-dir "$WORK" >"$WORK/demo-data.log" 2>&1 || {
  say "demo-data failed:"; tail -20 "$WORK/demo-data.log" >&2; exit 1; }

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# A port can be taken between choosing and binding it: try a few.
URL=
for attempt in 1 2 3; do
  PORT=$(free_port)
  "$BIN" serve --data-dir "$WORK" --listen "127.0.0.1:$PORT" --test-mode --no-jobs --no-sms-dispatch \
    >>"$WORK/server.log" 2>&1 </dev/null &
  SERVER_PID=$!
  for _ in $(seq 1 200); do
    if curl -fsS -o /dev/null "http://127.0.0.1:$PORT/readyz" 2>/dev/null; then URL="http://127.0.0.1:$PORT"; break; fi
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$URL" ] && break
  kill -KILL "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
  say "server did not become ready on port $PORT (attempt $attempt)"
done
[ -n "$URL" ] || { tail -30 "$WORK/server.log" >&2; exit 1; }
say "server pid $SERVER_PID at $URL"

# In the background + wait, so that a TERM/INT reaches the trap at once (bash runs traps only
# after a foreground child ends).
rc=0
node "$ROOT/bench/vaccination/bench.mjs" --url "$URL" --pid "$SERVER_PID" &
NODE_PID=$!
wait "$NODE_PID" || rc=$?
NODE_PID=
if ! kill -0 "$SERVER_PID" 2>/dev/null; then
  say "the server is gone (crashed?); last lines of its log:"
  tail -30 "$WORK/server.log" >&2
  SERVER_PID=
  [ "$rc" = 0 ] && rc=1
fi
exit "$rc"
