#!/bin/sh
# youtube-standin.sh DIR [youtube_server.py options...]
# Starts the local YouTube protocol stand-in on a free loopback port, in
# the background, with its files in DIR; prints "PORT PID". Stop it with
# kill PID.
set -eu
dir=$1; shift
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$dir"
rm -f "$dir/port"
setsid /usr/bin/python3 "$here/youtube_server.py" --port-file "$dir/port" \
    --data "$dir/data" "$@" >"$dir/server.log" 2>&1 </dev/null &
pid=$!
i=0
while [ ! -s "$dir/port" ]; do
    kill -0 "$pid" 2>/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    i=$((i + 1)); [ $i -lt 300 ] || { echo "stand-in did not start" >&2; exit 1; }
    sleep 0.05
done
"$here/watch-parent.sh" "$pid"
echo "$(cat "$dir/port") $pid"
