#!/usr/bin/env bash
# Starts (or stops) a throwaway PgBouncer on 127.0.0.1 in transaction pooling mode, in front of the
# PostgreSQL server of a URL (every database of that server is reachable through it), from Debian's
# `pgbouncer` package, with trust auth like scripts/test-postgres.sh.
#   scripts/test-pgbouncer.sh start <dir> <port> <postgres-url>  → prints the pooled URL on its last line
#   scripts/test-pgbouncer.sh stop <dir>                         (SIGINT: closes every connection now)
# PgBouncer refuses to run as root, so as root it runs as the `postgres` user.
set -euo pipefail
cmd="${1:?start|stop}"
dir="${2:?state directory}"
bin="$(command -v pgbouncer || echo /usr/sbin/pgbouncer)"
as_owner() {
  if [[ "$(id -u)" == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "$cmd" in
  start)
    port="${3:?port}"
    url="${4:?postgres url}"
    if [[ ! -x "$bin" ]]; then
      echo "no pgbouncer binary (apt-get install -y pgbouncer)" >&2
      exit 3
    fi
    # postgres://user[:pass]@host:port/db → its parts (trust auth: no password is used).
    rest="${url#*://}"
    user="${rest%%@*}"
    user="${user%%:*}"
    hostport="${rest#*@}"
    hostport="${hostport%%/*}"
    db="${rest##*/}"
    db="${db%%\?*}"
    host="${hostport%%:*}"
    pgport="${hostport##*:}"
    [[ "$pgport" == "$hostport" ]] && pgport=5432
    mkdir -p "$dir"
    cat >"$dir/pgbouncer.ini" <<EOF
[databases]
* = host=$host port=$pgport

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
auth_file = $dir/userlist.txt
admin_users = $user
pool_mode = transaction
default_pool_size = 8
max_client_conn = 1000
ignore_startup_parameters = extra_float_digits
pidfile = $dir/pgbouncer.pid
logfile = $dir/pgbouncer.log
EOF
    printf '"%s" ""\n' "$user" >"$dir/userlist.txt"
    if [[ "$(id -u)" == 0 ]]; then chown -R postgres "$dir"; fi
    as_owner "$bin" -d -q "$dir/pgbouncer.ini"
    for _ in $(seq 1 100); do
      if (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "postgres://$user@127.0.0.1:$port/$db"
        exit 0
      fi
      sleep 0.05
    done
    echo "pgbouncer did not start listening on 127.0.0.1:$port (see $dir/pgbouncer.log)" >&2
    exit 1
    ;;
  stop)
    if [[ -f "$dir/pgbouncer.pid" ]]; then
      pid="$(cat "$dir/pgbouncer.pid")"
      kill -INT "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
      done
      kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$dir/pgbouncer.pid"
    ;;
  *)
    echo "usage: $0 start <dir> <port> <postgres-url> | stop <dir>" >&2
    exit 2
    ;;
esac
