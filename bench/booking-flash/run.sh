#!/usr/bin/env bash
# Flash-sale booking benchmark: a slot of quota Q released to C connections all booking, the
# sold-out flood after it, nginx static on the same client as the machine's HTTP ceiling and,
# on PostgreSQL, a naive one-transaction-per-booking pgbench baseline. One JSON line per
# database on stdout; progress on stderr. See bench/README.md.
#
#   bash bench/booking-flash/run.sh [--connections 256] [--quota 200000] [--soldout-seconds 5]
#                                   [--db sqlite|postgres|both] [--threads 2]
#                                   [--baseline-seconds 10] [--max-seconds 600] [--grace-ms 50]
#                                   [--idempotency-keys]   (each booking keyed, as the citizens' page does)
#
# Environment (all optional):
#   FANGYI_BIN        server binary (default build/server/fangyi, built first by scripts/build.sh server)
#   BENCH_NO_BUILD=1  do not build (use the binary as it is)
#   BENCH_KEEP=1      keep the temporary directory (databases, server logs, wrk results)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
HERE=$ROOT/bench/booking-flash
BIN=${FANGYI_BIN:-$ROOT/build/server/fangyi}
say() { echo "[flash] $*" >&2; }
usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

CONNECTIONS=256
QUOTA=200000
SOLDOUT_SECONDS=5
DBS=both
THREADS=2
BASELINE_SECONDS=10
MAX_SECONDS=600
GRACE_MS=50
IDEM=0
while [ $# -gt 0 ]; do
  case "$1" in
    --connections) CONNECTIONS=${2:?}; shift 2 ;;
    --quota) QUOTA=${2:?}; shift 2 ;;
    --soldout-seconds) SOLDOUT_SECONDS=${2:?}; shift 2 ;;
    --db) DBS=${2:?}; shift 2 ;;
    --threads) THREADS=${2:?}; shift 2 ;;
    --baseline-seconds) BASELINE_SECONDS=${2:?}; shift 2 ;;
    --max-seconds) MAX_SECONDS=${2:?}; shift 2 ;;
    --grace-ms) GRACE_MS=${2:?}; shift 2 ;;
    --idempotency-keys) IDEM=1; shift ;;
    -h|--help) usage ;;
    *) say "unknown argument: $1"; usage ;;
  esac
done
case "$DBS" in
  sqlite) DB_LIST=(sqlite) ;;
  postgres|postgresql) DB_LIST=(postgres) ;;
  both) DB_LIST=(sqlite postgres) ;;
  *) say "--db must be sqlite, postgres or both"; exit 2 ;;
esac
for v in CONNECTIONS QUOTA SOLDOUT_SECONDS THREADS BASELINE_SECONDS MAX_SECONDS GRACE_MS; do
  [[ ${!v} =~ ^[0-9]+$ ]] && [ "${!v}" -gt 0 ] || { say "$v must be a positive integer"; exit 2; }
done
[ "$QUOTA" -le 1000000 ] || { say "--quota: at most 1000000 (the API's limit)"; exit 2; }
[ "$THREADS" -le 99 ] || { say "--threads: at most 99"; exit 2; }
[ "$CONNECTIONS" -ge "$THREADS" ] || { say "--connections must be at least --threads"; exit 2; }

need() { command -v "$1" >/dev/null || { say "$1 is required ($2)"; exit 2; }; }
need node "Node 18+"
need curl "curl"
need wrk "Debian package wrk"
need nginx "Debian package nginx"
for db in "${DB_LIST[@]}"; do
  if [ "$db" = sqlite ]; then need sqlite3 "Debian package sqlite3"; fi
  if [ "$db" = postgres ]; then
    need psql "postgresql-client"; need pgbench "postgresql-contrib"; need createdb "postgresql-client"
    ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1 || { say "PostgreSQL server binaries are required"; exit 2; }
  fi
done

# ---- build (if needed: ninja does nothing when the binary is current)
if [ -z "${FANGYI_BIN:-}" ] && [ "${BENCH_NO_BUILD:-0}" != 1 ]; then
  say "scripts/build.sh server"
  bash scripts/build.sh server >&2
fi
[ -x "$BIN" ] || { say "server binary not found: $BIN"; exit 2; }

# ---- temporary directory; every process started here goes away on any exit
WORK=$(mktemp -d "${TMPDIR:-/tmp}/fangyi-bench-flash.XXXXXX")
# nginx workers (nobody) and PostgreSQL (postgres) must reach their files inside.
chmod 755 "$WORK"
SERVER_PID=
NGINX_PID=
CHILD_PID=
PG_DIR=
stop_pid() { # pid, seconds to wait before SIGKILL
  local pid=$1 i
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 $(($2 * 10))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    say "process $pid did not stop within $2 s of SIGTERM: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_pid "$CHILD_PID" 5
  stop_pid "$SERVER_PID" 15
  stop_pid "$NGINX_PID" 5
  if [ -n "$PG_DIR" ]; then bash "$ROOT/scripts/pg-cluster.sh" stop "$PG_DIR" || true; fi
  if [ "${BENCH_KEEP:-0}" = 1 ]; then
    say "kept $WORK"
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Long commands run in the background + wait, so that a TERM/INT reaches the trap at once
# (bash runs traps only after a foreground child ends). Their output goes to files.
run_bg() { # stdout-file command...
  local out=$1 rc=0
  shift
  "$@" >"$out" 2>&1 </dev/null &
  CHILD_PID=$!
  wait "$CHILD_PID" || rc=$?
  CHILD_PID=
  return "$rc"
}

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}
CLK_TCK=$(getconf CLK_TCK)
cpu_s() { # utime + stime of a process, in seconds
  local f
  f=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
  awk -v t="$CLK_TCK" '{printf "%.2f", ($12 + $13) / t}' <<<"$f"
}
loadavg() { cut -d' ' -f1 /proc/loadavg; }
threads_cpu() { # one line per thread of a process: its name (the server names its own) and utime + stime in ticks
  local t f
  for t in /proc/"$1"/task/*; do
    f=$(sed 's/.*) //' "$t/stat" 2>/dev/null) || continue
    printf '%s %s\n' "$(tr ' ' '_' <"$t/comm")" "$(awk '{print $12 + $13}' <<<"$f")"
  done
}

say "work directory $WORK"
say "connections $CONNECTIONS, wrk threads $THREADS, quota $QUOTA, sold-out ${SOLDOUT_SECONDS}s, databases: ${DB_LIST[*]}"

# ---- nginx: a ~100-byte static file on loopback (the machine's HTTP ceiling for this client)
NG=$WORK/nginx
mkdir -p "$NG/www" "$NG/tmp" "$NG/logs"
chmod -R a+rX "$NG"
printf '<!doctype html><html><head><title>fangyi</title></head><body>booking-flash, static</body></html>\n' >"$NG/www/index.html"
NGINX_URL=
NGINX_BASE=
for attempt in 1 2 3; do
  NGINX_PORT=$(free_port)
  cat >"$NG/nginx.conf" <<EOF
worker_processes 2;
daemon off;
pid $NG/nginx.pid;
error_log $NG/logs/error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  default_type text/html;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  keepalive_timeout 75s;
  client_body_temp_path $NG/tmp/body;
  proxy_temp_path $NG/tmp/proxy;
  fastcgi_temp_path $NG/tmp/fastcgi;
  uwsgi_temp_path $NG/tmp/uwsgi;
  scgi_temp_path $NG/tmp/scgi;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $NG/www;
    location / { }
    # The sold-out answer as a fixed string: the ceiling of the sold-out phase's own client.
    location = /api/v1/public/vaccination/bookings {
      default_type application/problem+json;
      return 409 '{"type":"about:blank","title":"Conflict","status":409,"code":"slot_full","detail":"no places are left in this slot","errors":[]}';
    }
  }
}
EOF
  nginx -p "$NG" -c "$NG/nginx.conf" -e "$NG/logs/error.log" >>"$NG/logs/stdout.log" 2>&1 </dev/null &
  NGINX_PID=$!
  for _ in $(seq 1 50); do
    if curl -fsS -o /dev/null "http://127.0.0.1:$NGINX_PORT/index.html" 2>/dev/null; then NGINX_BASE="http://127.0.0.1:$NGINX_PORT"; NGINX_URL="$NGINX_BASE/index.html"; break; fi
    kill -0 "$NGINX_PID" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$NGINX_URL" ] && break
  stop_pid "$NGINX_PID" 5
  NGINX_PID=
  say "nginx did not start on port $NGINX_PORT (attempt $attempt)"
done
[ -n "$NGINX_URL" ] || { cat "$NG/logs/error.log" >&2; exit 1; }
say "nginx pid $NGINX_PID at $NGINX_URL"

# ---- the server's flags: --rate-ip 0 lifts the per-IP limit (one client IP makes all the load)
SERVE_FLAGS=(--test-mode --no-jobs --no-sms-dispatch)
if "$BIN" serve --help 2>/dev/null | grep -q -- '--rate-ip'; then
  SERVE_FLAGS+=(--rate-ip 0)
else
  say "WARNING: this fangyi has no --rate-ip flag: running without it"
fi

start_server() { # data-dir, extra args...
  local dir=$1 attempt port
  shift
  URL=
  for attempt in 1 2 3; do
    port=$(free_port)
    "$BIN" serve --data-dir "$dir" "$@" --listen "127.0.0.1:$port" "${SERVE_FLAGS[@]}" \
      >>"$dir/server.log" 2>&1 </dev/null &
    SERVER_PID=$!
    for _ in $(seq 1 300); do
      if curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz" 2>/dev/null; then URL="http://127.0.0.1:$port"; break; fi
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.1
    done
    [ -n "$URL" ] && break
    stop_pid "$SERVER_PID" 5
    SERVER_PID=
    say "server did not become ready on port $port (attempt $attempt)"
  done
  [ -n "$URL" ] || { tail -30 "$dir/server.log" >&2; return 1; }
  say "server pid $SERVER_PID at $URL"
}

server_alive() {
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    say "the server is gone (crashed?); last lines of its log:"
    tail -30 "$1/server.log" >&2
    SERVER_PID=
    return 1
  fi
}

# One wrk run of book.lua: phase (book|soldout), output json, duration, phase number[, url].
wrk_phase() {
  local mode=$1 out=$2 duration=$3 phase=$4 url=${5:-$URL} done_dir
  done_dir=$(mktemp -d "$RUN/done.XXXX")
  BF_MODE=$mode BF_TOKEN=$(jq_field token) BF_SLOT=$(jq_field slotId) BF_GRID=$(jq_field gridId) \
    BF_PHASE=$phase BF_THREADS=$THREADS BF_DONE_DIR=$done_dir BF_GRACE_MS=$GRACE_MS BF_OUT=$out BF_IDEM=$IDEM \
    run_bg "$out.wrk.txt" wrk -t"$THREADS" -c"$CONNECTIONS" -d"${duration}s" --timeout 10s \
    -s "$HERE/book.lua" "$url"
  [ -s "$out" ] || { say "wrk ($mode) wrote no result:"; cat "$out.wrk.txt" >&2; return 1; }
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const s = r.mode === "book" ? (r.last_201_us - r.first_request_us) / 1e6 : r.duration_us / 1e6;
    const n = r.mode === "book" ? r.status_201 : r.status_409_slot_full;
    const other = r.requests - r.status_201 - r.status_409_slot_full;
    console.error(`[flash]   ${r.mode}: ${r.status_201} booked, ${r.status_409_slot_full} slot_full, ${other} other answers` +
      ` in ${s.toFixed(2)} s: ${Math.round(n / s)}/s, p50 ${(r.lat_p50_us / 1e3).toFixed(2)} ms, p99 ${(r.lat_p99_us / 1e3).toFixed(2)} ms` +
      (r.sample_other ? `; e.g. ${r.sample_other.slice(0, 160)}` : ""));' "$out"
}
jq_field() { node -e 'const o=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));console.log(o[process.argv[2]])' "$RUN/setup.json" "$1"; }
meta() { echo "$1=$2" >>"$RUN/meta.txt"; }

RC=0
run_db() {
  local db=$1 dbargs=() pg_port pg_base pg_url psql_cmd
  RUN=$WORK/$db
  mkdir -p "$RUN/data"
  meta db "$db"
  meta connections "$CONNECTIONS"
  meta threads "$THREADS"
  meta idempotency_keys "$IDEM"
  meta quota "$QUOTA"
  meta server_flags "${SERVE_FLAGS[*]}"

  if [ "$db" = postgres ]; then
    PG_DIR=$WORK/pg
    pg_port=$(free_port)
    say "starting a PostgreSQL cluster in $PG_DIR on port $pg_port"
    pg_base=$(bash "$ROOT/scripts/pg-cluster.sh" start "$PG_DIR" "$pg_port")
    createdb -h 127.0.0.1 -p "$pg_port" -U postgres fangyi_bench
    pg_url="$pg_base/fangyi_bench"
    dbargs=(--db "$pg_url")
    psql_cmd=(psql -X -q -A -t -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pg_port" -U postgres -d fangyi_bench)
  fi

  say "[$db] demo-data"
  "$BIN" demo-data --data-dir "$RUN/data" "${dbargs[@]}" >"$RUN/demo-data.log" 2>&1 || {
    say "demo-data failed:"; tail -20 "$RUN/demo-data.log" >&2; return 1; }
  start_server "$RUN/data" "${dbargs[@]}"
  node "$HERE/setup.mjs" --url "$URL" --quota "$QUOTA" --baseline "$([ "$db" = postgres ] && echo 1 || echo 0)" \
    >"$RUN/setup.json"
  local slot
  slot=$(jq_field slotId)

  # ---- the release: C connections book until the quota is gone
  say "[$db] booking phase: quota $QUOTA, $CONNECTIONS connections (stops $GRACE_MS ms after the first slot_full)"
  local c0 c1 c2
  c0=$(cpu_s "$SERVER_PID")
  threads_cpu "$SERVER_PID" >"$RUN/threads0.txt"
  wrk_phase book "$RUN/book.json" "$MAX_SECONDS" 1
  c1=$(cpu_s "$SERVER_PID")
  threads_cpu "$SERVER_PID" >"$RUN/threads1.txt"
  meta clk_tck "$CLK_TCK"
  meta server_cpu_s "$(awk -v a="$c0" -v b="$c1" 'BEGIN{printf "%.2f", b - a}')"
  meta loadavg_1m "$(loadavg)"
  server_alive "$RUN/data"

  # ---- sold out: the same flood, every answer should be 409 slot_full
  say "[$db] sold-out phase: ${SOLDOUT_SECONDS}s"
  wrk_phase soldout "$RUN/soldout.json" "$SOLDOUT_SECONDS" 2
  c2=$(cpu_s "$SERVER_PID")
  meta soldout_server_cpu_s "$(awk -v a="$c1" -v b="$c2" 'BEGIN{printf "%.2f", b - a}')"
  server_alive "$RUN/data"

  # ---- invariants, in the database (requests wrk dropped when it stopped may still finish)
  sleep 1
  local q_slot q_active q_double inv
  q_slot="SELECT booked FROM vax_slot WHERE id = $slot;"
  q_active="SELECT count(*) FROM vax_booking WHERE slot_id = $slot AND status = 'booked';"
  q_double="SELECT count(*) FROM (SELECT 1 FROM vax_booking WHERE status = 'booked' GROUP BY id_hash, vaccine_id, dose_no HAVING count(*) > 1) d;"
  if [ "$db" = sqlite ]; then
    inv=$(sqlite3 -cmd '.timeout 10000' "$RUN/data/fangyi.db" "$q_slot" "$q_active" "$q_double")
  else
    inv=$("${psql_cmd[@]}" -c "$q_slot" -c "$q_active" -c "$q_double")
  fi
  meta db_slot_booked "$(sed -n 1p <<<"$inv")"
  meta db_active_bookings "$(sed -n 2p <<<"$inv")"
  meta db_double_booked "$(sed -n 3p <<<"$inv")"

  # ---- the crowd's search terms are written behind it: how many were still queued when the
  # sold-out phase ended, and how long after that the queue took to empty
  local q_terms="SELECT count(*) FROM vax_booking_unsearched;" pending t0 left
  count_terms() {  # empty for a server older than the queue (A/B runs of old binaries)
    if [ "$db" = sqlite ]; then sqlite3 -cmd '.timeout 10000' "$RUN/data/fangyi.db" "$q_terms"
    else "${psql_cmd[@]}" -c "$q_terms"; fi 2>/dev/null || true
  }
  pending=$(count_terms)
  t0=$(date +%s.%N)
  left=$pending
  for _ in $(seq 1 600); do
    [ "${left:-0}" -eq 0 ] && break
    sleep 0.1
    left=$(count_terms)
  done
  meta terms_pending_after_soldout "$pending"
  meta terms_pending_after_wait "$left"
  meta terms_catch_up_s "$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.2f", b - a}')"

  # ---- the server is done: its counters, then stop it and read its log
  local metrics
  metrics=$(curl -fsS "$URL/metrics" 2>/dev/null || true)
  meta keyed_on_full_memory "$(sed -n 's/^fangyi_vax_full_keyed_total{by="memory"} //p' <<<"$metrics")"
  meta keyed_on_full_read "$(sed -n 's/^fangyi_vax_full_keyed_total{by="read"} //p' <<<"$metrics")"
  meta server_rss_peak_mb "$(awk '/^VmHWM:/ {printf "%.1f", $2 / 1024}' "/proc/$SERVER_PID/status")"
  stop_pid "$SERVER_PID" 15
  SERVER_PID=
  meta server_5xx "$(grep -cE '\] (GET|POST|PUT|PATCH|DELETE) [^ ]+ 5[0-9][0-9] ' "$RUN/data/server.log" || true)"
  meta server_log_errors "$(grep -cE '\[(error|critical)\]' "$RUN/data/server.log" || true)"
  if grep -qE '\[(error|critical)\]' "$RUN/data/server.log"; then
    say "[$db] errors in the server log (first 5):"
    grep -E '\[(error|critical)\]' "$RUN/data/server.log" | head -5 >&2
  fi

  # ---- nginx static with the same client shape, for about as long as the release took
  local secs
  secs=$(node -e 'const b=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));const s=Math.ceil((b.last_201_us-b.first_request_us)/1e6);console.log(Math.min(30,Math.max(3,s||3)))' "$RUN/book.json")
  say "[$db] nginx static: ${secs}s"
  run_bg "$RUN/nginx.txt" wrk -t"$THREADS" -c"$CONNECTIONS" -d"${secs}s" --timeout 10s "$NGINX_URL"
  meta nginx_seconds "$secs"
  say "[$db] nginx answering the bookings route with a fixed 409 slot_full, through book.lua: ${SOLDOUT_SECONDS}s"
  wrk_phase soldout "$RUN/nginx-soldout.json" "$SOLDOUT_SECONDS" 3 "$NGINX_BASE"

  # ---- PostgreSQL: the naive baseline on its own slot, with nothing else running
  if [ "$db" = postgres ]; then
    local base_slot clients
    base_slot=$(jq_field baselineSlotId)
    clients=$((CONNECTIONS < 100 ? CONNECTIONS : 100))
    "${psql_cmd[@]}" -c "UPDATE vax_slot SET quota = 2000000000 WHERE id = $base_slot" >/dev/null
    say "[$db] naive baseline: pgbench, $clients clients, ${BASELINE_SECONDS}s"
    run_bg "$RUN/baseline.txt" pgbench -n -f "$HERE/naive.sql" -c "$clients" -j 2 -T "$BASELINE_SECONDS" -M prepared \
      -D slot="$base_slot" -D grid="$(jq_field gridId)" -D grid_path="$(jq_field gridPath)" \
      -h 127.0.0.1 -p "$pg_port" -U postgres fangyi_bench || {
      say "pgbench failed:"; cat "$RUN/baseline.txt" >&2; return 1; }
    meta baseline_clients "$clients"
    meta baseline_seconds "$BASELINE_SECONDS"
    bash "$ROOT/scripts/pg-cluster.sh" stop "$PG_DIR"
    PG_DIR=
  fi

  local rc=0
  node "$HERE/report.mjs" "$RUN" || rc=$?
  if [ "$rc" = 3 ]; then
    say "[$db] INVARIANT BROKEN (oversold, double booking, lost acknowledgement, or not sold out): see the line above"
    RC=3
  elif [ "$rc" != 0 ]; then
    return "$rc"
  fi
}

for db in "${DB_LIST[@]}"; do
  run_db "$db"
done
exit "$RC"
