#!/bin/sh
# postgres.sh start DIR | stop DIR (or postgres.sh DIR: start, for
# dk_server_start): a throw-away PostgreSQL server for tests, its cluster
# in DIR/data (initdb), listening on a free port of 127.0.0.1 only, its
# socket in DIR/run, fsync off (a test's data need not survive a power
# cut). Trust authentication for the user dokpim, on loopback only.
# start prints "PORT PID URL" (the postmaster's pid; URL
# postgresql://dokpim@127.0.0.1:PORT/postgres) and writes the URL to
# DIR/url; the server stops by itself when $DK_WATCH_PID ends
# (watch-parent.sh). stop stops it (fast shutdown, then SIGKILL) and waits.
#
# initdb and postgres refuse to run as root: as root the cluster belongs
# to the unprivileged user nobody (DIR is made 0711 so that it can reach
# DIR/data; DIR's parents must let it through, as /tmp does).
set -eu
case "${1:-}" in
start | stop) action=$1; dir=$2 ;;
*) action=start; dir=$1 ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
bin=${DOKPIM_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
[ -x "$bin/initdb" ] || { echo "postgres.sh: no PostgreSQL server (initdb) in $bin" >&2; exit 1; }

as_server() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u nobody -- "$@"
    else
        "$@"
    fi
}

if [ "$action" = stop ]; then
    dir=$(cd "$dir" && pwd)
    [ -f "$dir/data/postmaster.pid" ] || exit 0
    pid=$(head -n 1 "$dir/data/postmaster.pid")
    as_server "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 20 stop >/dev/null 2>&1 ||
        kill -9 "$pid" 2>/dev/null || true
    i=0
    while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    exit 0
fi

dir=$(mkdir -p "$dir" && cd "$dir" && pwd)
mkdir -p "$dir/data" "$dir/run"
if [ "$(id -u)" -eq 0 ]; then
    chmod 711 "$dir"
    chown nobody "$dir/data" "$dir/run"
    runuser -u nobody -- test -x "$dir" || {
        echo "postgres.sh: user nobody cannot reach $dir (its parent folders need o+x)" >&2
        exit 1
    }
fi
chmod 700 "$dir/data"
as_server "$bin/initdb" -D "$dir/data" -A trust -U dokpim -E UTF8 \
    --locale=C --no-sync >"$dir/run/initdb.log" 2>&1 || {
    cat "$dir/run/initdb.log" >&2
    exit 1
}
port=$("$here/free-port.sh")
cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir/run'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 100
CONF
as_server "$bin/pg_ctl" -D "$dir/data" -l "$dir/run/server.log" -w -t 30 \
    start >/dev/null 2>&1 || {
    cat "$dir/run/server.log" >&2
    exit 1
}
pid=$(head -n 1 "$dir/data/postmaster.pid")
"$here/watch-parent.sh" "$pid"
url="postgresql://dokpim@127.0.0.1:$port/postgres"
echo "$url" >"$dir/url"
echo "$port $pid $url"
