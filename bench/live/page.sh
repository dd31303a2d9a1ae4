#!/usr/bin/env bash
# bench/live/page.sh — what the live control page costs the live: the same
# `dokpim live` (test pattern, logo, lower third, x264 veryfast, push to a
# local nginx-rtmp and a Matroska recording, SECONDS_LIVE s at 720p30) with
# --web and a headless client on it (the preview JPEG polled 3 times a
# second, one picture at a time as live.js does, and the /api/events
# stream read), and without --web, alternating, REPS runs each.
#
#   bench/live/page.sh [BUILD_DIR]
#
# Prints per run and as medians: frames dropped (before the encoder plus
# for the push, from the last status), encoder fps (mean of the status
# lines after the first 2 s), frames that reached the server, and what the
# client got (previews, SSE status events). BUILD_DIR (default ./build) is
# a built, non-sanitizer tree. Environment: REPS (default 3), SECONDS_LIVE
# (default 30), KEEP=1, TMPDIR.
set -euo pipefail

REPS=${REPS:-3}
LIVE=${SECONDS_LIVE:-30}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
die() { echo "bench/live/page: $*" >&2; exit 2; }
bench_build_dir "${1:-$root/build}"
event=$root/assets/sample-event/event.ini
server=$root/tests/servers/nginx-rtmp/nginx-rtmp.sh
bench_need_tools ffprobe /usr/sbin/nginx /usr/bin/python3
bench_need_dokpim
bench_not_sanitized

work=$(mktemp -d "${TMPDIR:-/tmp}/dokpim-bench-page-XXXXXX")
cleanup() {
  "$server" stop "$work/nginx" 2>/dev/null || true
  if [ -z "${KEEP:-}" ]; then rm -rf "$work"; else echo "kept $work"; fi
}
trap cleanup EXIT
eval "$("$server" start "$work/nginx")"
rec_dir=$work/nginx/rec
printf 'bench%08x\n' "$RANDOM$RANDOM" >"$work/key"
chmod 600 "$work/key"

# client LIBRARY PORT SECONDS OUT: polls the preview and reads the events
client() {
  /usr/bin/python3 - "$@" <<'PY'
import http.client, sys, threading, time
library, port, seconds, out = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
end = time.monotonic() + seconds
while True:
    try:
        token = open(library + "/serve/token").read().strip()
        break
    except OSError:
        if time.monotonic() > end: sys.exit("no token")
        time.sleep(0.1)
auth = {"Authorization": "Bearer " + token}
counts = {"previews": 0, "statuses": 0}
def events():
    while time.monotonic() < end:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", "/api/events", headers=auth)
            r = c.getresponse()
            while time.monotonic() < end:
                line = r.fp.readline()
                if not line: break
                if line.startswith(b"event: live\n"): counts["statuses"] += 1
        except OSError:
            time.sleep(0.2)
threading.Thread(target=events, daemon=True).start()
while time.monotonic() < end:
    t = time.monotonic()
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        c.request("GET", "/api/live/preview.jpg", headers=auth)
        r = c.getresponse(); body = r.read()
        if r.status == 200 and body[:2] == b"\xff\xd8": counts["previews"] += 1
    except OSError:
        pass
    time.sleep(max(0, 0.333 - (time.monotonic() - t)))
open(out, "w").write("%d %d\n" % (counts["previews"], counts["statuses"]))
PY
}

frames_at_server() {
  local flv
  # shellcheck disable=SC2012 # names are nginx's: STREAM-TIME.flv
  flv=$(ls -t "$rec_dir"/*.flv | head -1)
  ffprobe -v error -select_streams v:0 -count_packets \
    -show_entries stream=nb_read_packets -of csv=p=0 "$flv"
}

run_live() { # tag web(0|1) -> dropped fps frames previews statuses
  local out=$work/$1 web=$2 port
  mkdir -p "$out"
  local extra=()
  if [ "$web" = 1 ]; then
    port=$("$root/tests/servers/free-port.sh")
    extra=(--web "127.0.0.1:$port")
    client "$out/lib" "$port" "$((LIVE + 10))" "$out/client" &
  fi
  "$dokpim" live "$root/pipelines/live-youtube.conf" --event "$event" \
    -o "$out/lib" --duration "$LIVE" --json "${extra[@]}" \
    --set youtube.url="$RTMP_URL" --set youtube.key-file="$work/key" \
    --set youtube.lower-third-every=1 --set youtube.lower-third-for=1 \
    >"$out/out.json" 2>"$out/err" || die "dokpim failed: $(cat "$out/err")"
  [ "$web" = 1 ] && wait
  /usr/bin/python3 - "$out/out.json" <<'PY'
import json, sys
s = [json.loads(l) for l in open(sys.argv[1]) if '"type":"status"' in l]
last = s[-1]
dropped = last["dropped_frames"] + sum(o["dropped_frames"] for o in last["outputs"])
fps = [x["encoder_fps"] for x in s if x["uptime_ms"] > 2000 and x["encoder_fps"] is not None][:-1]
print(dropped, "%.2f" % (sum(fps) / len(fps)), end=" ")
PY
  echo -n "$(frames_at_server) "
  if [ "$web" = 1 ]; then cat "$out/client"; else echo "- -"; fi
}

echo "bench/live/page: $(nproc) cores, ${LIVE} s at 720p30 per run, $REPS runs each"
printf '%-6s %-4s %8s %8s %11s %9s %9s\n' run page dropped fps frames@srv previews sse
: >"$work/closed"
: >"$work/open"
for rep in $(seq "$REPS"); do
  row=$(run_live "closed-$rep" 0)
  echo "$row" >>"$work/closed"
  printf '%-6s %-4s %8s %8s %11s %9s %9s\n' "$rep" closed $row
  row=$(run_live "open-$rep" 1)
  echo "$row" >>"$work/open"
  printf '%-6s %-4s %8s %8s %11s %9s %9s\n' "$rep" open $row
done
for page in closed open; do
  printf '%-6s %-4s %8s %8s %11s\n' median "$page" \
    "$(awk '{print $1}' "$work/$page" | bench_median_mean)" \
    "$(awk '{print $2}' "$work/$page" | bench_median_mean)" \
    "$(awk '{print $3}' "$work/$page" | bench_median_mean)"
done
