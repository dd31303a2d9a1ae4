#!/usr/bin/env bash
# bench/live — `dokpim live` against ffmpeg doing the same work: a test
# pattern with the logo and a lower third, encoded once (x264 veryfast,
# zerolatency, CBR 4000/6000 kb/s with nal-hrd=cbr, a keyframe every 2 s, no
# scene cuts; AAC 128 kb/s 48 kHz) feeding both an RTMP push to a local
# nginx-rtmp and a Matroska recording, for 30 s at 720p30 and 1080p30.
#
#   bench/live/run.sh [BUILD_DIR]
#   bench/live/run.sh --page [BUILD_DIR]
#
# Prints, as medians over REPS runs: CPU seconds per second of stream
# (user+sys / stream length), frames that reached the server against the
# frames the stream should have, frames each tool says it dropped, and the
# time from an nginx restart to the push flowing again (dokpim reconnects;
# ffmpeg exits, so for it the time from the server going away to its exit
# is shown). A plain ffmpeg push (no overlay, no recording) is printed as
# the reference the issue quotes.
#
# --page measures what the live control page costs the live instead: the
# same dokpim live at 720p30 with --web and a headless client on it (the
# preview JPEG polled 3 times a second, one at a time as live.js does, and
# the /api/events stream read) and without --web, alternating, REPS runs
# each: frames dropped, encoder fps (mean of the status lines after the
# first 2 s), frames at the server, and what the client got.
#
# BUILD_DIR (default ./build) is a built, non-sanitizer tree. Environment:
# REPS (default 3), SECONDS_LIVE (default 30), KEEP=1 keeps the work
# folder, TMPDIR where it goes.
set -euo pipefail

page=0
if [ "${1:-}" = --page ]; then
  page=1
  shift
fi
REPS=${REPS:-3}
LIVE=${SECONDS_LIVE:-30}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
die() { echo "bench/live: $*" >&2; exit 2; }
bench_build_dir "${1:-$root/build}"
event=$root/assets/sample-event/event.ini
logo=$root/assets/logo/dokpim-logo.png
server=$root/tests/servers/nginx-rtmp/nginx-rtmp.sh

bench_need_tools ffmpeg ffprobe /usr/bin/time /usr/sbin/nginx /usr/bin/python3 fc-match awk
bench_need_dokpim
bench_not_sanitized

work=$(mktemp -d "${TMPDIR:-/tmp}/dokpim-bench-live-XXXXXX")
cleanup() {
  "$server" stop "$work/nginx" 2>/dev/null || true
  if [ -z "${KEEP:-}" ]; then rm -rf "$work"; else echo "kept $work"; fi
}
trap cleanup EXIT

eval "$("$server" start "$work/nginx")"
rec_dir=$work/nginx/rec
printf 'bench%08x\n' "$RANDOM$RANDOM" >"$work/key"
chmod 600 "$work/key"
font=$(fc-match "Sans Bold" -f "%{file}")
leader=$(awk -F= '/^leader=/{print $2}' "$event")
role=$(awk -F= '/^role=/{print $2}' "$event")

median() { bench_median_mean; }

# cpu_per_s TIMEFILE: (user + sys) / stream seconds
cpu_per_s() { awk -v s="$LIVE" '{printf "%.3f\n", ($1 + $2) / s}' "$1"; }

# frames_at_server: video packets in the newest stream nginx recorded
frames_at_server() {
  local flv
  # shellcheck disable=SC2012 # names are nginx's: STREAM-TIME.flv
  flv=$(ls -t "$rec_dir"/*.flv | head -1)
  ffprobe -v error -select_streams v:0 -count_packets \
    -show_entries stream=nb_read_packets -of csv=p=0 "$flv"
}

run_dokpim() { # preset tag [dokpim args] -> cpu frames dropped
  local preset=$1 out=$work/$2
  shift 2
  mkdir -p "$out"
  /usr/bin/time -f '%U %S %e' -o "$out/time" "$dokpim" live \
    "$root/pipelines/live-youtube.conf" --event "$event" -o "$out/lib" \
    --duration "$LIVE" --json \
    --set youtube.url="$RTMP_URL" --set youtube.key-file="$work/key" \
    --set youtube.preset="$preset" \
    --set youtube.lower-third-every=1 --set youtube.lower-third-for=1 "$@" \
    >"$out/out.json" 2>"$out/err" || die "dokpim failed: $(cat "$out/err")"
  # dropped before the encoder plus dropped for the push (last status)
  local dropped
  dropped=$(grep '"type":"status"' "$out/out.json" | tail -1 |
    /usr/bin/python3 -c 'import json,sys; s=json.load(sys.stdin); print(s["dropped_frames"] + sum(o["dropped_frames"] for o in s["outputs"]))')
  echo "$(cpu_per_s "$out/time") $(frames_at_server) $dropped"
}

# The same picture and sound as dokpim's test source, the same overlay
# (logo 12 % of the width top right, the lower third bottom left), the same
# encoder settings; one encode into a tee muxer feeding push and recording.
# dokpim's test source is 75 % colour bars drawn once and a 1 kHz tone;
# pal75bars is ffmpeg's closest (drawn once too)
set_inputs() { # width height -> inputs
  inputs=(-re -f lavfi -i "pal75bars=size=$1x$2:rate=30"
    -re -f lavfi -i "sine=frequency=1000:sample_rate=48000")
}

run_ffmpeg() { # width height kbps tag plain -> cpu frames dropped
  local w=$1 h=$2 kbps=$3 plain=$5 out=$work/$4
  mkdir -p "$out"
  local logo_w=$((w * 12 / 100)) margin=$((w * 3 / 100)) size=$((h / 20))
  local enc=(-c:v libx264 -preset veryfast -tune zerolatency -profile:v high
    -pix_fmt yuv420p -b:v "${kbps}k" -minrate "${kbps}k" -maxrate "${kbps}k"
    -bufsize "${kbps}k" -g 60 -keyint_min 60
    -x264-params scenecut=0:nal-hrd=cbr:force-cfr=1
    -c:a aac -b:a 128k -ar 48000 -ac 2 -t "$LIVE")
  local args inputs
  set_inputs "$w" "$h"
  if [ "$plain" = 1 ]; then
    args=("${inputs[@]}" -map 0:v -map 1:a "${enc[@]}" -f flv "$RTMP_URL/plain")
  else
    local graph="[2:v]scale=$logo_w:-1[logo];[0:v][logo]overlay=W-w-$margin:$margin,"
    graph+="drawtext=fontfile=$font:text='$leader — $role':fontcolor=white:"
    graph+="fontsize=$size:x=w*0.05:y=h-th-h*0.05:shadowcolor=black@0.7:"
    graph+="shadowx=2:shadowy=2[v]"
    args=("${inputs[@]}" -i "$logo" -filter_complex "$graph"
      -map "[v]" -map 1:a "${enc[@]}"
      -f tee "[f=flv]$RTMP_URL/ffmpeg|[f=matroska]$out/recording.mkv")
  fi
  /usr/bin/time -f '%U %S %e' -o "$out/time" ffmpeg -hide_banner -nostdin \
    -loglevel error -stats "${args[@]}" 2>"$out/err" ||
    die "ffmpeg failed: $(tail -3 "$out/err")"
  local dropped
  # the stats line shows drop= only once it is not zero
  dropped=$(tr '\r' '\n' <"$out/err" | { grep -o 'drop=[ 0-9]*' || true; } |
    tail -1 | tr -dc 0-9)
  echo "$(cpu_per_s "$out/time") $(frames_at_server) ${dropped:-0}"
}

# resume_dokpim: restart nginx 6 s into a live; seconds until the new
# publish has data
resume_dokpim() {
  local out=$work/resume
  mkdir -p "$out"
  local before
  "$dokpim" live "$root/pipelines/live-youtube.conf" --event "$event" \
    -o "$out/lib" --duration 16 --json --set youtube.url="$RTMP_URL" \
    --set youtube.key-file="$work/key" >"$out/out.json" 2>"$out/err" &
  local pid=$!
  sleep 6
  "$server" stop "$work/nginx"
  sleep 3
  # shellcheck disable=SC2012 # names are nginx's: STREAM-TIME.flv
  before=$(ls "$rec_dir" | wc -l)
  "$server" start "$work/nginx" >/dev/null
  local t0
  t0=$(bench_now)
  local resumed=""
  for _ in $(seq 400); do
    local newest
    # shellcheck disable=SC2012 # names are nginx's: STREAM-TIME.flv
    newest=$(ls -t "$rec_dir"/*.flv | head -1)
    # shellcheck disable=SC2012
    if [ "$(ls "$rec_dir" | wc -l)" -gt "$before" ] &&
      [ "$(stat -c %s "$newest")" -gt 20000 ]; then
      resumed=$(bench_since "$t0")
      break
    fi
    sleep 0.02
  done
  wait "$pid" || true
  printf '%.2f\n' "${resumed:-99}"
}

# ffmpeg_on_loss: seconds from the server going away to ffmpeg's exit
ffmpeg_on_loss() {
  local out=$work/loss
  mkdir -p "$out"
  local inputs
  set_inputs 1280 720
  ffmpeg -hide_banner -nostdin -loglevel error "${inputs[@]}" \
    -map 0:v -map 1:a -c:v libx264 -preset veryfast -tune zerolatency \
    -b:v 4000k -c:a aac -f flv "$RTMP_URL/loss" 2>"$out/err" &
  local pid=$!
  sleep 4
  local t0
  t0=$(bench_now)
  "$server" stop "$work/nginx"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.005; done
  local gone
  gone=$(bench_since "$t0")
  wait "$pid" 2>/dev/null || true
  "$server" start "$work/nginx" >/dev/null
  printf '%.2f\n' "$gone"
}

if [ "$page" = 1 ]; then
  # shellcheck source=bench/live/page.sh
  . "$here/page.sh"
  exit 0
fi

echo "bench/live: $(nproc) cores, $(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)"
echo "bench/live: ${LIVE} s per run, median of $REPS runs; frames expected $((LIVE * 30))"
printf '%-9s %-26s %9s %9s %9s\n' preset tool "CPU-s/s" "frames@srv" dropped
for spec in "720p30 1280 720 4000" "1080p30 1920 1080 6000"; do
  read -r preset w h kbps <<<"$spec"
  for tool in dokpim ffmpeg ffmpeg-plain; do
    : >"$work/rows"
    for rep in $(seq "$REPS"); do
      case $tool in
      dokpim) run_dokpim "$preset" "d-$preset-$rep" >>"$work/rows" ;;
      ffmpeg) run_ffmpeg "$w" "$h" "$kbps" "f-$preset-$rep" 0 >>"$work/rows" ;;
      ffmpeg-plain) run_ffmpeg "$w" "$h" "$kbps" "p-$preset-$rep" 1 >>"$work/rows" ;;
      esac
    done
    cpu=$(awk '{print $1}' "$work/rows" | median)
    frames=$(awk '{print $2}' "$work/rows" | median)
    dropped=$(awk '{print $3}' "$work/rows" | median)
    label=$tool
    [ "$tool" = ffmpeg ] && label="ffmpeg (tee, same work)"
    [ "$tool" = ffmpeg-plain ] && label="ffmpeg plain push (ref.)"
    printf '%-9s %-26s %9s %9s %9s\n' "$preset" "$label" "$cpu" "$frames" "$dropped"
    echo "$preset $tool $cpu" >>"$work/cpu"
  done
  d=$(awk -v p="$preset" '$1==p && $2=="dokpim"{print $3}' "$work/cpu")
  f=$(awk -v p="$preset" '$1==p && $2=="ffmpeg"{print $3}' "$work/cpu")
  printf '%-9s %-26s %9s\n' "$preset" "ratio dokpim/ffmpeg" \
    "$(awk -v d="$d" -v f="$f" 'BEGIN{printf "%.2f", d / f}')"
done

: >"$work/resume.txt"
: >"$work/loss.txt"
for rep in $(seq "$REPS"); do
  resume_dokpim >>"$work/resume.txt"
  ffmpeg_on_loss >>"$work/loss.txt"
done
echo "bench/live: server restart -> dokpim push flowing again: $(median <"$work/resume.txt") s (median; runs: $(tr '\n' ' ' <"$work/resume.txt"))"
echo "bench/live: server gone -> ffmpeg exits (no reconnect): $(median <"$work/loss.txt") s"
