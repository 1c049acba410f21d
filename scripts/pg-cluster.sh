#!/usr/bin/env bash
# Starts or stops a throw-away PostgreSQL cluster for tests: its own directory, loopback only.
#   scripts/pg-cluster.sh start DIR PORT   -> prints the connection URL base
#   scripts/pg-cluster.sh stop DIR
set -euo pipefail
cmd=${1:?start|stop}; dir=${2:?directory}
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case "$cmd" in
  start)
    port=${3:?port}
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"
    if [ ! -f "$dir/PG_VERSION" ]; then
      as_pg "$bin/initdb" -D "$dir" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
      # The settings a Fangyi host runs with (checkpoints, WAL), copied so the cluster
      # does not depend on this checkout staying where it is.
      install -m 0644 "$(dirname "$0")/../deploy/postgresql/fangyi.conf" "$dir/fangyi.conf"
      [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir/fangyi.conf"
      echo "include 'fangyi.conf'" >>"$dir/postgresql.conf"
    fi
    as_pg "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on -c max_connections=200" start >/dev/null
    echo "postgresql://postgres@127.0.0.1:$port"
    ;;
  stop)
    as_pg "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null 2>&1 || true
    ;;
  *) echo "usage: $0 start DIR PORT | stop DIR" >&2; exit 2 ;;
esac
