#!/usr/bin/env bash
# bench/photo/stamp — ingest + EXIF/IPTC/XMP stamping of 24 MP photos,
# against `cp` of the same batch and one `exiftool -overwrite_original`
# process writing the same fields, all in one run on the same files.
#
#   bench/photo/stamp/run.sh [BUILD_DIR]
#
# BUILD_DIR (default ./build) is a built, non-sanitizer tree: core/dokpim,
# plugins-built/ with ingest.photo and stamp.exif, and the stamp.exif
# engine library for the stage-alone harness (stamp_bench.c).
# Environment: N photos (default 40), REPS repetitions whose median is
# reported (default 3), KEEP=1 keeps the work folder, TMPDIR where it goes.
set -euo pipefail

N=${N:-40}
REPS=${REPS:-3}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../../.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
die() { echo "bench/photo/stamp: $*" >&2; exit 2; }
bench_build_dir "${1:-$root/build}"
engine=$build/plugins/stamp.exif/libstamp_exif_engine.a
event=$root/assets/sample-event/event.ini

bench_need_tools exiftool /usr/bin/convert cc pkg-config awk
bench_need_dokpim
[ -f "$engine" ] || die "no $engine: build the stamp.exif plugin first"
bench_not_sanitized

bench_workdir stamp

# ---- the event's values, so exiftool writes what dokpim writes ----
ev() { awk -v k="$1" 'index($0, k "=") == 1 { print substr($0, length(k) + 2); exit }' "$event"; }
title=$(ev title); place=$(ev place); city=$(ev city); agency=$(ev agency)
photographer=$(ev photographer); copyright=$(ev copyright); tags=$(ev tags)
caption="$title — $place, $city, 14 Maret 2025"

# ---- the batch: one 24 MP encode, N distinct files ----
echo "making $N 6000x4000 q92 JPEGs with camera EXIF in $work/photos"
mkdir -p "$work/photos"
/usr/bin/convert -seed 3 -size 1500x1000 plasma:fractal -resize '6000x4000!' \
  -attenuate 0.25 +noise Gaussian -quality 92 "$work/base.jpg"
/usr/bin/convert -size 160x120 gradient:navy-gold "$work/thumb.jpg"
exiftool -q -overwrite_original -ExifByteOrder=II -Make=Canon \
  '-Model=Canon EOS R6' -ExifVersion=0232 '-DateTimeOriginal=2025:03:14 10:11:22' \
  -OffsetTimeOriginal=+08:00 -ExposureTime=1/125 -FNumber=4 -ISO=800 \
  -FocalLength=50 -Orientation#=1 -GPSLatitude=8.58 -GPSLatitudeRef=S \
  -GPSLongitude=115.17 -GPSLongitudeRef=E "-ThumbnailImage<=$work/thumb.jpg" \
  "$work/base.jpg"
for i in $(seq -w 1 "$N"); do cp "$work/base.jpg" "$work/photos/DSC_$i.jpg"; done
# distinct files: a content-addressed library folds identical ones
exiftool -q -overwrite_original '-ImageUniqueID<FileName' "$work/photos"
bytes=$(du -cb "$work"/photos/*.jpg | tail -1 | cut -f1)
echo "batch: $N files, $((bytes / 1048576)) MiB"

cat >"$work/stamp.conf" <<CONF
[pipeline]
stages=ingest;stamp

[ingest]
plugin=ingest.photo

[stamp]
plugin=stamp.exif
CONF
cat >"$work/ingest.conf" <<CONF
[pipeline]
stages=ingest

[ingest]
plugin=ingest.photo
CONF

# ---- the stage-alone harness ----
cc -O2 -std=c11 -D_GNU_SOURCE -o "$work/stamp_bench" "$here/stamp_bench.c" \
  -I"$root/plugins/stamp.exif" -I"$root/core/include" \
  $(pkg-config --cflags glib-2.0) "$engine" "$build/core/jpeg/libdokpim_exif.a" \
  "$build/core/jpeg/libdokpim_jpeg.a" \
  -L"$build/core" -ldokpim \
  -Wl,-rpath,"$build/core" \
  $(pkg-config --libs glib-2.0 libexif libiptcdata exempi-2.0)

# ---- the contenders; prep_* is untimed, run_* is timed ----
fresh() { chmod -R u+w "$1" 2>/dev/null || true; rm -rf "$1"; mkdir -p "$1"; }
prep_cp() { fresh "$work/cp"; }
run_cp() { cp "$work"/photos/*.jpg "$work/cp/"; }
# dokpim makes every output durable (fsync of file and folder, as
# dk_atomic_commit does); this is cp held to the same rule
run_cp_sync() { cp "$work"/photos/*.jpg "$work/cp/" && sync "$work"/cp/*.jpg "$work/cp"; }

prep_exiftool() { fresh "$work/ex"; cp "$work"/photos/*.jpg "$work/ex/"; }
run_exiftool() {
  local kw=() t
  IFS=';' read -r -a list <<<"$tags"
  for t in "${list[@]}"; do kw+=("-IPTC:Keywords+=$t" "-XMP-dc:Subject+=$t"); done
  exiftool -q -overwrite_original -charset iptc=UTF8 \
    "-EXIF:Artist=$photographer" "-EXIF:Copyright=$copyright" \
    "-EXIF:ImageDescription=$caption" "-EXIF:UserComment=$caption" \
    '-EXIF:Software=dokpim bench' \
    -IPTC:CodedCharacterSet=UTF8 "-IPTC:By-line=$photographer" \
    "-IPTC:CopyrightNotice=$copyright" "-IPTC:Caption-Abstract=$caption" \
    "-IPTC:Headline=$title" "-IPTC:Credit=$agency" "-IPTC:City=$city" \
    "-IPTC:Sub-location=$place" "-IPTC:ObjectName=$title" \
    '-IPTC:DateCreated=2025:03:14' '-IPTC:TimeCreated=10:11:22+08:00' \
    "-XMP-dc:Creator=$photographer" "-XMP-dc:Rights=$copyright" \
    "-XMP-dc:Description=$caption" "-XMP-dc:Title=$title" \
    "-XMP-photoshop:Headline=$title" "-XMP-photoshop:Credit=$agency" \
    "-XMP-photoshop:City=$city" "-XMP-iptcCore:Location=$place" \
    "-XMP-iptcExt:Event=$title" -XMP-xmpRights:Marked=True \
    '-XMP-photoshop:DateCreated=2025:03:14 10:11:22+08:00' \
    "${kw[@]}" "$work/ex"
}

prep_lib() { fresh "$work/lib"; rmdir "$work/lib"; }
run_dokpim() {
  "$dokpim" run "$work/$1.conf" --event "$event" -o "$work/lib" -j "$2" -q \
    "$work/photos"
}
run_dokpim_j1() { run_dokpim stamp 1; }
run_dokpim_j2() { run_dokpim stamp 2; }
run_ingest_j2() { run_dokpim ingest 2; }

prep_stamp() { fresh "$work/st"; }
run_stamp() { "$work/stamp_bench" "$work/st" "$work"/photos/*.jpg; }

per_photo_ms() { awk -v t="$1" -v n="$N" 'BEGIN { print t * 1000 / n }'; }
measure() { # NAME PREP RUN
  bench_measure "$@"
  printf '  %-30s %7.0f ms %6.1f ms/photo  cpu %6.1f ms/photo  runs (s): %s\n' \
    "$1" "$(awk -v t="${bench_wall[$1]}" 'BEGIN { print t * 1000 }')" \
    "$(per_photo_ms "${bench_wall[$1]}")" "$(per_photo_ms "${bench_cpu[$1]}")" \
    "${bench_runs[$1]}"
}

cat "$work"/photos/*.jpg >/dev/null # page cache warm, as in the reference figures
echo "medians of $REPS runs, $(nproc) cores, page cache warm, load $(cut -d' ' -f1-3 /proc/loadavg):"
measure "cp of the batch" prep_cp run_cp
measure "cp + sync of the copies" prep_cp run_cp_sync
measure "exiftool, one process" prep_exiftool run_exiftool
measure "dokpim ingest only -j 2" prep_lib run_ingest_j2
measure "dokpim ingest+stamp -j 1" prep_lib run_dokpim_j1
measure "dokpim ingest+stamp -j 2" prep_lib run_dokpim_j2
measure "stamp stage alone (1 thread)" prep_stamp run_stamp

# the last dokpim run must have stamped every photo
stamped=$(find "$work/lib/derived" -name '*.jpg' | wc -l)
[ "$stamped" -eq "$N" ] || die "dokpim stamped $stamped of $N photos"
sample=$(find "$work/lib/derived" -name '*.jpg' | head -1)
verdict=$(exiftool -q -validate -warning -a -s3 "$sample" | head -1)
echo "check: $stamped stamped copies; exiftool -validate on one: $verdict"

# where the stage-alone time goes: user time is the metadata work (parse,
# libexif, libiptcdata, exempi), system time the in-kernel copy and flush
if [ -x /usr/bin/time ]; then
  prep_stamp
  read -r user sys < <({ /usr/bin/time -f '%U %S' "$work/stamp_bench" \
    "$work/st" "$work"/photos/*.jpg >/dev/null; } 2>&1 | tail -1)
  awk -v u="$user" -v s="$sys" -v n="$N" 'BEGIN {
    printf "stamp stage alone, per photo: %.2f ms user (metadata work), %.2f ms system (copy, flush)\n",
      u * 1000 / n, s * 1000 / n }'
fi

ratio() { bench_ratio "${bench_wall[$1]}" "${bench_wall[$2]}"; }
echo "ratios:"
echo "  exiftool / dokpim ingest+stamp -j 2   $(ratio 'exiftool, one process' 'dokpim ingest+stamp -j 2')x  (target >= 2.5)"
echo "  dokpim ingest+stamp -j 2 / cp         $(ratio 'dokpim ingest+stamp -j 2' 'cp of the batch')x  (target <= 4)"
echo "  stamp stage alone / cp                $(ratio 'stamp stage alone (1 thread)' 'cp of the batch')x"
echo "  stamp stage alone / (cp + sync)       $(ratio 'stamp stage alone (1 thread)' 'cp + sync of the copies')x"
echo "  dokpim -j 2 / (cp + sync)             $(ratio 'dokpim ingest+stamp -j 2' 'cp + sync of the copies')x"
echo "  dokpim -j 1 / -j 2 (scaling)          $(ratio 'dokpim ingest+stamp -j 1' 'dokpim ingest+stamp -j 2')x"
echo "  exiftool / stamp stage alone          $(ratio 'exiftool, one process' 'stamp stage alone (1 thread)')x"
echo "(cpu: user + system time of the processes; the rest of the wall time"
echo " is waiting, mostly for fsync: dokpim makes every output durable)"
