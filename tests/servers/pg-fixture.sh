#!/bin/sh
# pg-fixture.sh: the PostgreSQL queue the upload suites' _pg twins share
# (CTest fixture pg_queue, see dk_add_upload_test POSTGRES).
#   start DIR            a server for the whole ctest run (postgres.sh), its
#                        URL kept in DIR/base-url (postgres.sh
#                        writes DIR/url, with the database)
#   stop DIR             stops it; nothing is left running
#   run DIR NAME CMD...  CMD with DK_TEST_PG_URL (the server, ending in /)
#                        and DK_TEST_PG_PREFIX=NAME: the suite makes one
#                        schema NAME_* per test case (dk_rig_isolate_queue).
#                        Afterwards the test fails unless jobs reached those
#                        queues (a suite that quietly fell back to SQLite
#                        passes every case), and they are dropped.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
command=$1 dir=$2
shift 2

psql_on() {
    db=$1
    shift
    psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$(cat "$dir/base-url")$db" "$@"
}

# The suite's schemas, one a line.
schemas() {
    psql_on postgres -c "SELECT nspname FROM pg_namespace
        WHERE nspname LIKE '$1\\_%' ORDER BY nspname"
}

drop_all() {
    for schema in $(schemas "$1"); do
        psql_on postgres -c "DROP SCHEMA IF EXISTS $schema CASCADE"
    done
}

# Only what postgres.sh and this script put in DIR.
forget() {
    rm -rf "$dir/data" "$dir/run" "$dir/url" "$dir/base-url"
}

case $command in
start)
    # a server left by a run that was killed goes first, and its cluster:
    # initdb wants an empty folder
    "$here/postgres.sh" stop "$dir" >/dev/null 2>&1 || true
    forget
    mkdir -p "$dir"
    url=$("$here/postgres.sh" start "$dir" | grep -o 'postgres[a-z]*://[^ ]*' |
        tail -n 1)
    [ -n "$url" ] || { echo "postgres.sh printed no URL" >&2; exit 1; }
    # the server without its database: the suites name their own
    printf '%s\n' "${url%/*}/" >"$dir/base-url"
    echo "PostgreSQL queue for the _pg tests: ${url%/*}/"
    ;;
stop)
    "$here/postgres.sh" stop "$dir"
    forget
    ;;
run)
    name=$(printf '%s' "$1" | tr 'A-Z-' 'a-z_')
    shift
    [ -s "$dir/base-url" ] || { echo "no server in $dir: run through ctest" >&2; exit 1; }
    drop_all "$name"
    DK_TEST_PG_URL=$(cat "$dir/base-url") DK_TEST_PG_PREFIX=$name
    export DK_TEST_PG_URL DK_TEST_PG_PREFIX
    status=0
    "$@" || status=$?
    jobs=0 used=0
    for schema in $(schemas "$name"); do
        n=$(psql_on postgres -c "SELECT count(*) FROM $schema.jobs" 2>/dev/null ||
            echo 0)
        jobs=$((jobs + n))
        [ "$n" -gt 0 ] && used=$((used + 1))
    done
    echo "pg-fixture: $jobs jobs in $used queues of $name"
    drop_all "$name"
    if [ "$jobs" -eq 0 ]; then
        echo "pg-fixture: no job of $name reached PostgreSQL" >&2
        [ "$status" -ne 0 ] || status=1
    fi
    exit "$status"
    ;;
*)
    echo "usage: pg-fixture.sh start|stop DIR | run DIR NAME CMD..." >&2
    exit 2
    ;;
esac
