#!/usr/bin/env bash
# What the units' MemoryDenyWriteExecute=yes means for dokpim: the video
# pipeline (GStreamer with ORC, x264, FFmpeg) and a live session with its
# recording work under the kernel's same rule (mdwe_exec), and give what
# they give without it. A W+X mapping is refused under it, so the rule is
# known to be on.
#   test_mdwe.sh SOURCE_DIR DOKPIM MDWE_EXEC RWX_PROBE
set -euo pipefail
src=$1
dokpim=$2
mdwe=$3
probe=$4
fail() { echo "test_mdwe: $*" >&2; exit 1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/dokpim-mdwe-XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T"

status=0
"$mdwe" "$probe" >probe.txt 2>&1 || status=$?
if [ "$status" = 77 ]; then
  echo "skipped: this kernel has no PR_SET_MDWE (Linux 6.3+)"
  exit 0
fi
[ "$("$probe")" = "rwx mmap: allowed" ] || fail "probe: $("$probe")"
[ "$(cat probe.txt)" = "rwx mmap: refused" ] || fail "MDWE not on: $(cat probe.txt)"

mkdir in
ffmpeg -v error -f lavfi -i testsrc=size=640x360:rate=25 \
  -f lavfi -i sine=frequency=440 -t 3 -c:v libx264 -pix_fmt yuv420p \
  -c:a aac -shortest in/clip.mp4
event=$src/assets/sample-event/event.ini
for mode in plain mdwe; do
  run=()
  [ "$mode" = mdwe ] && run=("$mdwe")
  "${run[@]}" "$dokpim" run "$src/pipelines/event-video.conf" --event "$event" \
    -o "lib-$mode" in >"run-$mode.log" 2>&1 || fail "run ($mode): $(cat "run-$mode.log")"
  grep -q "1 done, 0 skipped, 0 duplicate, 0 failed" "run-$mode.log" ||
    fail "run ($mode): $(cat "run-$mode.log")"
done
# the same outputs (the transcode's MP4 carries its creation time: its
# frames are compared)
for f in $(cd lib-plain/derived && find . -type f | sort); do
  case "$f" in
  *.mp4)
    a=$(ffprobe -v error -show_entries packet=size,pts -of csv "lib-plain/derived/$f" | md5sum)
    b=$(ffprobe -v error -show_entries packet=size,pts -of csv "lib-mdwe/derived/$f" | md5sum)
    [ "$a" = "$b" ] || fail "$f: other packets under MDWE" ;;
  *) cmp -s "lib-plain/derived/$f" "lib-mdwe/derived/$f" || fail "$f differs under MDWE" ;;
  esac
done

# live: test pattern, an ingest nobody listens on, the local recording
printf 'secret-key\n' >key
chmod 600 key
"$mdwe" "$dokpim" live "$src/pipelines/live-youtube.conf" \
  --event "$event" -o live --set youtube.key-file="$T/key" \
  --set youtube.url=rtmp://127.0.0.1:9/live2 </dev/null >live.log 2>&1 &
pid=$!   # mdwe_exec execs dokpim: the same process
# the first status line (media is flowing into the recording), then 4 s of
# recording, then Ctrl-C (the sanitizer build and a busy machine make the
# start slow, and "started" comes before the first frame is encoded, so
# the status line is waited for, not guessed)
for _ in $(seq 900); do
  grep -q "rec [0-9.]* [kMG]*B" live.log && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
sleep 4
kill -INT "$pid" 2>/dev/null || true
wait "$pid" || true
grep -q "recorded .*\.mkv" live.log || fail "live under MDWE: $(cat live.log)"
# the last video frame's time (a short recording's header may carry no
# duration)
duration=$(ffprobe -v error -select_streams v:0 -show_entries packet=pts_time \
  -of csv=p=0 live/live/*.mkv | sort -g | tail -n 1)
awk -v d="$duration" 'BEGIN { exit !(d ~ /^[0-9.]+$/ && d + 0 >= 2) }' ||
  fail "live recording of ${duration:-no} s: $(cat live.log)"
echo "test_mdwe: ok (live recording $duration s)"
