#!/usr/bin/env bash
# Start or stop a private, throw-away PostgreSQL for the test suite.
#   scripts/pg-test.sh start DIR   -> prints the database URL on stdout
#   scripts/pg-test.sh stop DIR
# PostgreSQL refuses to run as root, so as root the server runs as `postgres`.
set -euo pipefail
cmd=${1:?start|stop}
dir=${2:?directory}

pgbin() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$bin" ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "installing PostgreSQL with apt-get ..." >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) >&2
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  fi
  [ -n "$bin" ] || { echo "PostgreSQL not found (apt-get install postgresql)" >&2; exit 1; }
  echo "$bin"
}

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
  start)
    bin=$(pgbin)
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    as_pg "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --no-locale >/dev/null
    # fsync off: a test database is thrown away; production keeps fsync on (RELIABILITY R25).
    # PG_FSYNC=on (benchmarks, bench/bench_cycle.py) keeps the production durability settings.
    durability="-c fsync=off -c full_page_writes=off"
    [ "${PG_FSYNC:-off}" = on ] && durability=""
    # PG_OPTS: more server settings (benchmarks: the memory and WAL sizes of a production server).
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 $durability ${PG_OPTS:-}" start >/dev/null
    as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres jiuzhu
    echo "postgres://postgres@127.0.0.1:$port/jiuzhu"
    ;;
  stop)
    bin=$(pgbin)
    [ -d "$dir/data" ] && as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
