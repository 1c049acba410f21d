#!/usr/bin/env bash
# Several `fangyi serve` nodes behind nginx on one PostgreSQL, all on this machine's loopback:
#   deploy/local-cluster.sh start DIR [--nodes N] [--port P] [--pg-port Q]
#   deploy/local-cluster.sh stop DIR
# start: a PostgreSQL cluster in DIR/pg (port Q, default 55450) with database "fangyi",
# migrations and demo data, N nodes (default 2) on 127.0.0.1:P+1..P+N, each with its own data
# directory DIR/node-I and the one master key, and nginx on 127.0.0.1:P (default 8080) from
# deploy/nginx/fangyi.conf (deploy/nginx/render.sh). Only node 1 runs the background jobs and
# the SMS sender. Logs: DIR/node-I.log, DIR/nginx/logs/. stop: stops all of it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin=${FANGYI_BIN:-$root/build/server/fangyi}
web=${FANGYI_WEB_DIR:-$root/web/dist}
cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR [--nodes N] [--port P] [--pg-port Q]" >&2; exit 2; }
shift 2
nodes=2; port=8080; pgport=55450
while [ $# -gt 0 ]; do
  case "$1" in
    --nodes) nodes=${2:?}; shift 2 ;;
    --port) port=${2:?}; shift 2 ;;
    --pg-port) pgport=${2:?}; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"

wait_ready() { # URL SECONDS
  for _ in $(seq $(($2 * 10))); do
    curl -fsS -o /dev/null "$1/readyz" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

stop_pid() { # PIDFILE
  [ -f "$1" ] || return 0
  local pid; pid=$(cat "$1")
  if kill -TERM "$pid" 2>/dev/null; then
    for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$1"
}

case "$cmd" in
  start)
    [ -x "$bin" ] || { echo "no server binary at $bin (build it or set FANGYI_BIN)" >&2; exit 1; }
    command -v nginx >/dev/null || { echo "nginx is not installed (apt-get install nginx-light)" >&2; exit 1; }
    chmod 755 "$dir"  # the postgres user (and nginx's workers, as root) enter it
    pg=$(bash "$root/scripts/pg-cluster.sh" start "$dir/pg" "$pgport")
    psql -qAt "$pg/postgres" -c "SELECT 1 FROM pg_database WHERE datname = 'fangyi'" | grep -q 1 ||
      psql -q "$pg/postgres" -c "CREATE DATABASE fangyi"
    db="$pg/fangyi"
    # The first data directory makes the master key; every node gets the same one.
    "$bin" migrate --data-dir "$dir/node-1" --db "$db"
    "$bin" demo-data --data-dir "$dir/node-1" --db "$db" | tee "$dir/demo-data.log"
    key=$(base64 -w0 "$dir/node-1/keys/master.key")
    upstream=()
    for i in $(seq "$nodes"); do
      listen="127.0.0.1:$((port + i))"
      upstream+=("$listen")
      [ -f "$dir/node-$i.pid" ] && kill -0 "$(cat "$dir/node-$i.pid")" 2>/dev/null && continue
      extra=()
      [ "$i" -gt 1 ] && extra=(--no-jobs --no-sms-dispatch)
      FANGYI_MASTER_KEY=$key nohup "$bin" serve --data-dir "$dir/node-$i" --db "$db" \
        --listen "$listen" --trust-proxy --web-dir "$web" \
        --public-url "http://127.0.0.1:$port" "${extra[@]}" >>"$dir/node-$i.log" 2>&1 &
      echo $! >"$dir/node-$i.pid"
      # One after another: a node's start-up writes the built-in roles and permissions.
      wait_ready "http://$listen" 30 ||
        { echo "node $i did not become ready; see $dir/node-$i.log" >&2; exit 1; }
    done
    bash "$root/deploy/nginx/render.sh" "$dir/nginx" "127.0.0.1:$port" "$web" "${upstream[@]}" >/dev/null
    if [ -f "$dir/nginx/nginx.pid" ] && kill -0 "$(cat "$dir/nginx/nginx.pid")" 2>/dev/null; then
      nginx -p "$dir/nginx" -c nginx.conf -s reload
    else
      nginx -p "$dir/nginx" -c nginx.conf
    fi
    wait_ready "http://127.0.0.1:$port" 10 ||
      { echo "nginx does not answer; see $dir/nginx/logs/error.log" >&2; exit 1; }
    echo "database: $db"
    echo "nodes:    ${upstream[*]}"
    echo "open:     http://127.0.0.1:$port/  (stop: $0 stop $dir)"
    ;;
  stop)
    stop_pid "$dir/nginx/nginx.pid"
    for f in "$dir"/node-*.pid; do stop_pid "$f"; done
    [ -d "$dir/pg" ] && bash "$root/scripts/pg-cluster.sh" stop "$dir/pg"
    echo "stopped"
    ;;
  *) echo "usage: $0 start|stop DIR [--nodes N] [--port P] [--pg-port Q]" >&2; exit 2 ;;
esac
