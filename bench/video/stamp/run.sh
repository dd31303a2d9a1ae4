#!/usr/bin/env bash
# bench/video/stamp — writing event metadata into a clip by remuxing,
# against `ffmpeg -c copy -map 0 -metadata ... -movflags +faststart` on the
# same generated 20 s 1080p30 H.264 clip, in one run.
#
#   bench/video/stamp/run.sh [BUILD_DIR]
#
# BUILD_DIR (default ./build) is a built, non-sanitizer tree: core/dokpim,
# plugins-built/ with ingest.video and stamp.video, and core/video's
# dokpim_video library (the opener and the remux) for the stage-alone harness
# (stamp_bench.c). Environment: REPS runs whose median is reported
# (default 5), CLIP_SECONDS clip length (default 20), CLIP=FILE reuses a
# clip an earlier run kept, KEEP=1 keeps the work folder, TMPDIR where it
# goes.
set -euo pipefail

REPS=${REPS:-5}
CLIP_SECONDS=${CLIP_SECONDS:-20}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../../.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
die() { echo "bench/video/stamp: $*" >&2; exit 2; }
bench_build_dir "${1:-$root/build}"
video_lib=$build/core/video/libdokpim_video.a
event=$root/assets/sample-event/event.ini

bench_need_tools ffmpeg ffprobe mediainfo cc pkg-config awk
bench_need_dokpim
[ -f "$video_lib" ] || die "no $video_lib: build the dokpim_video target first"
bench_not_sanitized

bench_workdir vstamp

# ---- the event's values, so ffmpeg writes what dokpim writes ----
ev() { awk -v k="$1" 'index($0, k "=") == 1 { print substr($0, length(k) + 2); exit }' "$event"; }
title=$(ev title); place=$(ev place); city=$(ev city)
photographer=$(ev photographer); copyright=$(ev copyright)
comment="$title — $place, $city, 14 Maret 2025"
event_id="rapat-koordinasi-penanganan-sampah-se-kabupaten-badung-20250314"

# ---- the clip: noise so it does not compress to nothing ----
clip=$work/VID_20250314_101122.mp4
if [ -n "${CLIP:-}" ]; then # a clip made by an earlier run (KEEP=1)
  cp "$CLIP" "$clip"
else
echo "making a ${CLIP_SECONDS} s 1080p30 noisy H.264 + AAC clip (camera order: moov last)"
ffmpeg -nostdin -v error -y \
  -f lavfi -i "testsrc2=s=1920x1080:r=30:d=$CLIP_SECONDS" \
  -f lavfi -i "sine=f=440:sample_rate=48000:d=$CLIP_SECONDS" \
  -vf "noise=alls=25:allf=t+u" -c:v libx264 -preset veryfast -crf 23 -g 60 \
  -pix_fmt yuv420p -c:a aac -b:a 128k -ac 2 \
  -metadata creation_time=2025-03-14T02:11:22Z "$clip"
fi
bytes=$(stat -c %s "$clip")
echo "clip: $((bytes / 1048576)) MiB"

cat >"$work/stamp.conf" <<CONF
[pipeline]
stages=ingest;stamp

[ingest]
plugin=ingest.video

[stamp]
plugin=stamp.video
CONF

# ---- the stage-alone harness ----
cc -O2 -std=c11 -D_GNU_SOURCE -o "$work/stamp_bench" "$here/stamp_bench.c" \
  -I"$root/core/video" \
  -I"$root/core/include" $(pkg-config --cflags glib-2.0 libavformat) \
  "$video_lib" -L"$build/core" -ldokpim -Wl,-rpath,"$build/core" \
  $(pkg-config --libs glib-2.0 libavformat libavcodec libavutil) -lm

# ---- the contenders; prep_* is untimed, run_* is timed ----
fresh() { chmod -R u+w "$1" 2>/dev/null || true; rm -rf "$1"; mkdir -p "$1"; }
prep_none() { :; }
run_ffmpeg() {
  ffmpeg -nostdin -v error -y -i "$clip" -map 0 -c copy \
    -metadata "title=$title" -metadata "artist=$photographer" \
    -metadata "comment=$comment" -metadata "description=$comment" \
    -metadata date=2025-03-14 -metadata "copyright=$copyright" \
    -metadata "grouping=$event_id" -movflags +faststart "$work/ffmpeg.mp4"
}
run_stage() {
  "$work/stamp_bench" "$clip" "$work/stage.mp4" "$title" "$photographer" \
    "$comment" 2025-03-14 "$copyright" "$event_id"
}
# what the library's content addressing costs by itself: ingest hashes
# every original (and copies it in on the first run)
run_sha256() { sha256sum "$clip"; }
# a fresh library: ingest hashes and copies the original in, then stamps
prep_lib() { fresh "$work/lib"; rmdir "$work/lib"; }
run_dokpim_fresh() {
  "$dokpim" run "$work/stamp.conf" --event "$event" -o "$work/lib" -q "$clip"
}
# the library exists: a changed title redoes only the stamp (ingest still
# probes and hashes the file to find its record)
take=0
prep_restamp() { take=$((take + 1)); }
run_dokpim_restamp() {
  "$dokpim" run "$work/stamp.conf" --event "$event" -o "$work/lib" -q \
    --set "stamp.title=$title ($take)" "$clip"
}

measure() { # NAME PREP RUN
  bench_measure "$@"
  printf '  %-44s %6.2f s wall %6.2f s CPU   runs: %s\n' "$1" \
    "${bench_wall[$1]}" "${bench_cpu[$1]}" "${bench_runs[$1]}"
}

cat "$clip" >/dev/null # page cache warm for every contender
echo "medians of $REPS runs, $(nproc) cores, page cache warm:"
measure "ffmpeg -c copy -metadata +faststart" prep_none run_ffmpeg
measure "stamp stage alone (stamp_bench)" prep_none run_stage
measure "sha256sum of the clip (ingest's hashing)" prep_none run_sha256
measure "dokpim run, fresh library (ingest+stamp)" prep_lib run_dokpim_fresh
measure "dokpim run, re-stamp (title changed)" prep_restamp run_dokpim_restamp

# ---- the outputs must be what the claim says ----
stamped=$(find "$work/lib/derived" -name '*.mp4' | head -1)
[ -n "$stamped" ] || die "dokpim wrote no stamped clip"
packets() { ffprobe -v error -show_entries packet=stream_index,data_hash \
  -show_data_hash sha256 -of csv=p=0 "$1" | sort | sha256sum | cut -c1-16; }
src=$(packets "$clip"); ours=$(packets "$stamped"); theirs=$(packets "$work/ffmpeg.mp4")
[ "$src" = "$ours" ] || die "dokpim's packets differ from the source's"
[ "$src" = "$theirs" ] || die "ffmpeg's packets differ from the source's"
streamable=$(mediainfo --Inform='General;%IsStreamable%' "$stamped" 2>/dev/null || echo "?")
got_title=$(ffprobe -v error -show_entries format_tags=title -of csv=p=0 "$stamped")
echo "check: packets identical to the source (sha256 of every packet), moov first: $streamable, title: $got_title"

ratio() { bench_ratio "${bench_wall[$1]}" "${bench_wall[$2]}"; }
echo "ratios (wall):"
echo "  stamp stage alone / ffmpeg          $(ratio 'stamp stage alone (stamp_bench)' 'ffmpeg -c copy -metadata +faststart')x  (target <= 1.2)"
echo "  dokpim re-stamp / ffmpeg            $(ratio 'dokpim run, re-stamp (title changed)' 'ffmpeg -c copy -metadata +faststart')x"
echo "  dokpim fresh library / ffmpeg       $(ratio 'dokpim run, fresh library (ingest+stamp)' 'ffmpeg -c copy -metadata +faststart')x"
