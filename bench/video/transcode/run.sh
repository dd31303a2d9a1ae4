#!/usr/bin/env bash
# bench/video/transcode — the watermark transcode to a YouTube-ready MP4,
# against ffmpeg (-filter_complex overlay,drawtext + libx264) and a
# gst-launch-1.0 pipeline (gdkpixbufoverlay + textoverlay + x264enc), on
# the same generated 20 s 1080p30 noisy clip, in one run, with identical
# x264 settings (preset veryfast, CRF 23, GOP 60, closed GOP, no VBV), AAC
# 192 kbit/s 48 kHz stereo, fast start, and the same logo + text line.
#
#   bench/video/transcode/run.sh [BUILD_DIR]
#
# BUILD_DIR (default ./build) is a built, non-sanitizer tree: core/dokpim
# and plugins-built/ with ingest.video and transcode.video.
# Environment: REPS runs whose median is reported (default 3),
# CLIP_SECONDS clip length (default 20), CLIP=FILE reuses a clip an
# earlier run kept, KEEP=1 keeps the work folder, TMPDIR where it goes.
set -euo pipefail

REPS=${REPS:-3}
CLIP_SECONDS=${CLIP_SECONDS:-20}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../../.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
die() { echo "bench/video/transcode: $*" >&2; exit 2; }
bench_build_dir "${1:-$root/build}"
event=$root/assets/sample-event/event.ini
logo=$root/assets/logo/dokpim-logo.png

bench_need_tools ffmpeg ffprobe gst-launch-1.0 gst-inspect-1.0 \
  /usr/bin/convert awk fc-match
for element in gdkpixbufoverlay textoverlay x264enc avenc_aac mp4mux; do
  gst-inspect-1.0 "$element" >/dev/null 2>&1 ||
    die "GStreamer element $element is missing (scripts/install-deps.sh)"
done
bench_need_dokpim
bench_not_sanitized

bench_workdir vtranscode

# ---- the clip: noise so it does not compress to nothing ----
clip=$work/VID_20250314_101122.mp4
if [ -n "${CLIP:-}" ]; then
  cp "$CLIP" "$clip"
else
  # alls=10 puts ffmpeg's veryfast CRF 23 encode at ~33 CPU-s for 20 s on
  # this 2-core machine, the reference the issue quotes; CRF 18 keeps the
  # noise in the source
  echo "making a ${CLIP_SECONDS} s 1080p30 noisy H.264 + AAC clip"
  ffmpeg -nostdin -v error -y \
    -f lavfi -i "testsrc2=s=1920x1080:r=30:d=$CLIP_SECONDS" \
    -f lavfi -i "sine=f=440:sample_rate=48000:d=$CLIP_SECONDS" \
    -vf "noise=alls=10:allf=t+u" -c:v libx264 -preset veryfast -crf 18 \
    -g 250 -pix_fmt yuv420p -c:a aac -b:a 128k -ac 2 "$clip"
fi
echo "clip: $(($(stat -c %s "$clip") / 1048576)) MiB"

# ---- the same overlay for everyone: the logo a quarter of the width
# (480 px) at the bottom-right, 2 % margin (38 px), 85 % opacity, and the
# text line under it, where transcode.video puts them ----
text="Bagian Prokompim Setda Kabupaten Badung"
convert "$logo" -resize 480x "$work/logo480.png"
# transcode.video sizes this text to 20 px Sans Bold in a 38 px line (halo
# pads included) under the logo, so the logo's top is 38 + 38 px above the
# bottom edge. The overlay hides the noise it covers: a logo 42 px higher
# (as this script had it) hid a different part of the picture and gave
# ffmpeg and gst-launch 3 % fewer bits than dokpim, from the same x264
# settings. The check after the runs finds each output's overlay box.
text_line=38
font=$(fc-match -f '%{file}' 'Sans:bold')
cat >"$work/transcode.conf" <<CONF
[pipeline]
stages=ingest;transcode

[ingest]
plugin=ingest.video

[transcode]
plugin=transcode.video
logo=$logo
text=$text
preset=veryfast
crf=23
audio-bitrate=192
CONF

# x264: ffmpeg's -g 60 also sets keyint_min 25 where x264enc leaves x264's
# own default (6); -keyint_min 6 makes the two option strings equal (see
# the check below). CRF without -maxrate: no VBV, as transcode.video.
run_ffmpeg() {
  ffmpeg -nostdin -v error -y -i "$clip" -i "$work/logo480.png" \
    -filter_complex "[1:v]format=rgba,colorchannelmixer=aa=0.85[logo];[0:v][logo]overlay=W-w-38:H-h-$text_line-38,drawtext=text='$text':fontfile=$font:fontsize=20:fontcolor=white@0.85:borderw=2:bordercolor=black@0.6:x=w-tw-38-5:y=h-th-38-7" \
    -c:v libx264 -preset veryfast -crf 23 -g 60 -keyint_min 6 \
    -pix_fmt yuv420p -c:a aac -b:a 192k -ar 48000 -ac 2 \
    -movflags +faststart "$work/ffmpeg.mp4"
}
run_gst() {
  gst-launch-1.0 -q filesrc location="$clip" ! qtdemux name=d \
    d.video_0 ! queue ! h264parse ! avdec_h264 ! videoconvert \
    ! gdkpixbufoverlay location="$work/logo480.png" offset-x=-38 \
    offset-y=$((-text_line - 38)) alpha=0.85 \
    ! textoverlay text="$text" halignment=right valignment=bottom \
    xpad=43 ypad=45 font-desc="Sans Bold 15" auto-resize=false \
    ! videoconvert ! queue \
    ! x264enc speed-preset=veryfast pass=qual quantizer=23 key-int-max=60 \
    vbv-buf-capacity=0 ! video/x-h264,profile=high \
    ! mp4mux faststart=true faststart-file="$work/gst.mdat" name=m \
    ! filesink location="$work/gst.mp4" \
    d.audio_0 ! queue ! aacparse ! avdec_aac ! audioconvert ! audioresample \
    ! audio/x-raw,rate=48000,channels=2 ! avenc_aac bitrate=192000 ! queue \
    ! m.
}
# a fresh library each time: ingest hashes and copies the original in,
# then transcode.video does the work
run_dokpim() {
  chmod -R u+w "$work/lib" 2>/dev/null || true
  rm -rf "${work:?}/lib"
  "$dokpim" run "$work/transcode.conf" --event "$event" -o "$work/lib" -q \
    "$clip"
}

measure() { # NAME RUN
  bench_measure "$1" : "$2"
  printf '  %-46s %6.2f s wall %6.2f CPU-s   wall runs: %s\n' "$1" \
    "${bench_wall[$1]}" "${bench_cpu[$1]}" "${bench_runs[$1]}"
}

cat "$clip" >/dev/null # page cache warm for every contender
echo "medians of $REPS runs, $(nproc) cores, page cache warm:"
measure "ffmpeg overlay,drawtext + libx264" run_ffmpeg
measure "gst-launch gdkpixbufoverlay+textoverlay" run_gst
measure "dokpim ingest.video + transcode.video" run_dokpim

# ---- the outputs must be comparable ----
ours=$(find "$work/lib/derived" -name '*.mp4' | head -1)
[ -n "$ours" ] || die "dokpim wrote no MP4"
x264opts() { # the option string x264 writes into its SEI, minus threads
  strings "$1" | grep -o 'options: .*' | head -1 |
    tr ' ' '\n' | grep -v -E '^(threads|lookahead_threads)=' | tr '\n' ' '
}
# the box of the first frame's pixels that the overlay changed by more
# than 40 levels from the clip's: where the overlay sits decides how much
# of the noise it hides, so how many bits x264 spends
overlay_box() {
  ffmpeg -nostdin -v info -i "$1" -i "$clip" -filter_complex \
    "[0:v][1:v]blend=all_mode=difference,format=gray,lut=y='if(gt(val,40),255,0)',bbox=min_val=128" \
    -frames:v 1 -f null - 2>&1 | grep -o -m1 'x1:[0-9]* x2:[0-9]* y1:[0-9]* y2:[0-9]*'
}
describe() {
  local v
  v=$(ffprobe -v error -select_streams v:0 -show_entries \
    stream=profile,pix_fmt,bit_rate -of csv=p=0 "$1")
  printf '  %-10s %s, %s MiB, overlay %s, %s\n' "$2" "$v" \
    "$(($(stat -c %s "$1") / 1048576))" "$(overlay_box "$1")" \
    "$( [ "$(x264opts "$1")" = "$(x264opts "$ours")" ] && echo 'x264 options = dokpim' || echo 'x264 options DIFFER from dokpim')"
}
echo "outputs (profile, pixel format, video bit/s, overlay box, x264):"
describe "$ours" dokpim
describe "$work/ffmpeg.mp4" ffmpeg
describe "$work/gst.mp4" gst-launch
if [ "$(x264opts "$ours")" != "$(x264opts "$work/ffmpeg.mp4")" ]; then
  echo "  dokpim x264: $(x264opts "$ours")"
  echo "  ffmpeg x264: $(x264opts "$work/ffmpeg.mp4")"
fi

ratio() { bench_ratio "$1" "$2" %.3f; }
f="ffmpeg overlay,drawtext + libx264"
g="gst-launch gdkpixbufoverlay+textoverlay"
d="dokpim ingest.video + transcode.video"
echo "ratios:"
echo "  dokpim / ffmpeg      wall $(ratio "${bench_wall[$d]}" "${bench_wall[$f]}")x  CPU $(ratio "${bench_cpu[$d]}" "${bench_cpu[$f]}")x  (target: wall <= 1.05)"
echo "  gst-launch / ffmpeg  wall $(ratio "${bench_wall[$g]}" "${bench_wall[$f]}")x  CPU $(ratio "${bench_cpu[$g]}" "${bench_cpu[$f]}")x"
echo "  dokpim / gst-launch  wall $(ratio "${bench_wall[$d]}" "${bench_wall[$g]}")x  CPU $(ratio "${bench_cpu[$d]}" "${bench_cpu[$g]}")x"
