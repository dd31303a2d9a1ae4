# bench/live/page.sh: the --page part of bench/live/run.sh (sourced by it,
# with its work folder, server, key and run_dokpim).

# page_client LIBRARY PORT SECONDS OUT: polls the preview, reads the events
page_client() {
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

# page_run TAG OPEN(0|1) -> dropped fps frames cpu previews sse
page_run() {
  local tag=$1 open=$2 out=$work/$1 port row
  if [ "$open" = 1 ]; then
    port=$("$root/tests/servers/free-port.sh")
    page_client "$out/lib" "$port" "$((LIVE + 10))" "$out/client" &
    row=$(run_dokpim 720p30 "$tag" --web "127.0.0.1:$port")
    wait
  else
    row=$(run_dokpim 720p30 "$tag")
  fi
  local cpu frames dropped
  read -r cpu frames dropped <<<"$row"
  local fps
  fps=$(/usr/bin/python3 -c '
import json, sys
s = [json.loads(l) for l in open(sys.argv[1]) if "\"type\":\"status\"" in l]
f = [x["encoder_fps"] for x in s if x["uptime_ms"] > 2000 and x["encoder_fps"] is not None][:-1]
print("%.2f" % (sum(f) / len(f)))' "$out/out.json")
  echo "$dropped $fps $frames $cpu $(if [ "$open" = 1 ]; then cat "$out/client"; else echo "- -"; fi)"
}

echo "bench/live --page: $(nproc) cores, ${LIVE} s at 720p30 per run, $REPS runs each"
printf '%-6s %-6s %8s %8s %11s %8s %9s %5s\n' run page dropped fps frames@srv CPU-s/s previews sse
: >"$work/closed"
: >"$work/open"
for rep in $(seq "$REPS"); do
  for state in closed open; do
    row=$(page_run "$state-$rep" "$([ $state = open ] && echo 1 || echo 0)")
    echo "$row" >>"$work/$state"
    # shellcheck disable=SC2086 # the row's words are the columns
    printf '%-6s %-6s %8s %8s %11s %8s %9s %5s\n' "$rep" "$state" $row
  done
done
for state in closed open; do
  printf '%-6s %-6s %8s %8s %11s %8s\n' median "$state" \
    "$(awk '{print $1}' "$work/$state" | median)" \
    "$(awk '{print $2}' "$work/$state" | median)" \
    "$(awk '{print $3}' "$work/$state" | median)" \
    "$(awk '{print $4}' "$work/$state" | median)"
done
