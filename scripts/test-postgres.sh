#!/usr/bin/env bash
# Starts (or stops) a throwaway PostgreSQL server on 127.0.0.1 for the tests, from Debian's packaged
# binaries (/usr/lib/postgresql/<version>/bin), with trust auth and a database named opstate.
#   scripts/test-postgres.sh start <dir> [port]   → prints the connection URL on its last line
#   scripts/test-postgres.sh stop <dir>
# PostgreSQL refuses to run as root, so as root the cluster is owned by and run as the `postgres` user.
set -euo pipefail
cmd="${1:?start|stop}"
dir="${2:?data directory}"
port="${3:-54329}"
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)"
if [[ -z "$bin" || ! -x "$bin/initdb" ]]; then
  echo "no PostgreSQL binaries under /usr/lib/postgresql/*/bin (apt-get install -y postgresql)" >&2
  exit 3
fi
as_owner() {
  if [[ "$(id -u)" == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "$cmd" in
  start)
    mkdir -p "$dir"
    if [[ "$(id -u)" == 0 ]]; then chown postgres "$dir"; fi
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -c listen_addresses=127.0.0.1 -k $dir -c max_connections=100" start >/dev/null
    "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -qAt -c 'CREATE DATABASE opstate' >/dev/null
    echo "postgres://postgres@127.0.0.1:$port/opstate"
    ;;
  stop)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|stop <dir> [port]" >&2
    exit 2
    ;;
esac
