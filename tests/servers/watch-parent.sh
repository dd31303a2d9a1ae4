#!/bin/sh
# watch-parent.sh PID: when $DK_WATCH_PID is set, stops server PID once the
# process $DK_WATCH_PID (the test that started it) is gone, however it
# ended. Runs detached; prints nothing.
[ -n "${DK_WATCH_PID:-}" ] || exit 0
server=$1
setsid sh -c 'while kill -0 "$0" 2>/dev/null && kill -0 "$1" 2>/dev/null; do
    sleep 0.5
done
kill "$1" 2>/dev/null' "$DK_WATCH_PID" "$server" >/dev/null 2>&1 </dev/null &
