#!/usr/bin/env bash
# Signing cost of a 24 MP JPEG (C2PA manifest: c2pa.hash.data over the
# file, one ES256 signature, the signed copy written through dk_atomic_*)
# against hashing the same bytes once with `sha256sum`, same run. The
# signer is tests/c2pa's dk-c2pa-sign (the library the plugin uses, no
# pipeline around it), so each run also loads and checks the signing
# identity (keys.h) once per file, as a stage does once per run.
# Page cache warm for both; the contenders alternate within each
# repetition. Goal: signing <= 1.2x one sha256sum pass. Then the same
# for one minute of 1080p30 MP4 (VIDEO=0 skips it, VIDEO_SECONDS=60).
#
#   bench/provenance/sign.sh [BUILD]     N=8 REPS=5
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
die() { echo "bench/provenance/sign.sh: $*" >&2; exit 2; }
bench_build_dir "${1:-$root/build}"
bench_not_sanitized
sign_tool=$build/core/c2pa/dk-c2pa-sign
[ -x "$sign_tool" ] || die "no $sign_tool: build with DOKPIM_TESTS on"
bench_need_tools /usr/bin/convert sha256sum openssl awk
N=${N:-8}; REPS=${REPS:-5}
bench_workdir sign

mkdir -p "$work/keys" "$work/photos" "$work/out"
sh "$root/tests/c2pa/make-test-ca.sh" "$work/keys" >/dev/null 2>&1 ||
  die "making the test signing identity failed"
echo "making $N 6000x4000 q92 JPEGs in $work/photos"
/usr/bin/convert -seed 3 -size 1500x1000 plasma:fractal -resize '6000x4000!' \
  -attenuate 0.25 +noise Gaussian -quality 92 "$work/base.jpg"
for i in $(seq 1 "$N"); do
  # distinct files (one trailing byte after EOI, which readers ignore)
  { cat "$work/base.jpg"; printf '%02x' "$i" | head -c 1; } >"$work/photos/p$i.jpg"
done
bytes=$(cat "$work/photos"/*.jpg | wc -c)
cat "$work/photos"/*.jpg >/dev/null # warm the page cache

key=$work/keys/signing-key.pem chain=$work/keys/signing-chain.pem
sign() {
  local f
  for f in "$work/photos"/*.jpg; do
    "$sign_tool" "$f" "$work/out/${f##*/}" "$key" "$chain"
  done
}
hash() { sha256sum "$work/photos"/*.jpg; }
sign >/dev/null 2>>"$work/log" || die "signing failed: $(tail -3 "$work/log")"

med() { printf '%s\n' "$@" | bench_median_low; }
# race SIGN HASH: lower medians of REPS alternating runs into ws wh cs ch
race() {
  local walls_sign=() walls_hash=() cpus_sign=() cpus_hash=() r name
  local wall user sys
  TIMEFORMAT='%R %U %S'
  for ((r = 0; r < REPS; r++)); do
    for name in "$2" "$1"; do
      { time "$name" >/dev/null 2>>"$work/log"; } 2>"$work/time" ||
        die "$name failed: $(tail -3 "$work/log")"
      read -r wall user sys <"$work/time"
      if [ "$name" = "$1" ]; then
        walls_sign+=("$wall"); cpus_sign+=("$(bench_sum "$user" "$sys")")
      else
        walls_hash+=("$wall"); cpus_hash+=("$(bench_sum "$user" "$sys")")
      fi
    done
  done
  ws=$(med "${walls_sign[@]}") wh=$(med "${walls_hash[@]}")
  cs=$(med "${cpus_sign[@]}") ch=$(med "${cpus_hash[@]}")
}
race sign hash
per() { awk -v t="$1" -v n="$N" 'BEGIN { printf "%.1f", 1000 * t / n }'; }
echo "$N files, $((bytes / 1000000)) MB, lower medians of $REPS (load $(cut -d' ' -f1 /proc/loadavg))"
echo "sha256sum:   $wh s wall ($(per "$wh") ms/file), $ch CPU s"
echo "dk-c2pa-sign: $ws s wall ($(per "$ws") ms/file), $cs CPU s"
echo "signing / one hash pass: $(bench_ratio "$ws" "$wh") wall, $(bench_ratio "$cs" "$ch") CPU (goal <= 1.20)"

# One minute of 1080p30 MP4 (testsrc2 with temporal noise, so the samples
# do not compress away): c2pa.hash.bmff.v2 over the boxes, the uuid box
# inserted after ftyp, the chunk offsets moved, the copy written.
if [ "${VIDEO:-1}" = 1 ]; then
  bench_need_tools ffmpeg
  secs=${VIDEO_SECONDS:-60}
  echo "making a ${secs} s 1080p30 MP4 in $work"
  ffmpeg -v error -y -f lavfi -i "testsrc2=size=1920x1080:rate=30:duration=$secs" \
    -vf noise=alls=6:allf=t -c:v libx264 -preset ultrafast -crf 23 \
    -threads 2 "$work/clip.mp4" || die "ffmpeg failed"
  vbytes=$(wc -c <"$work/clip.mp4")
  cat "$work/clip.mp4" >/dev/null
  sign_clip() { "$sign_tool" "$work/clip.mp4" "$work/out/clip.mp4" "$key" "$chain"; }
  hash_clip() { sha256sum "$work/clip.mp4"; }
  race sign_clip hash_clip
  echo "1 MP4, ${secs} s 1080p30, $((vbytes / 1000000)) MB, lower medians of $REPS (load $(cut -d' ' -f1 /proc/loadavg))"
  echo "sha256sum:   $wh s wall, $ch CPU s"
  echo "dk-c2pa-sign: $ws s wall, $cs CPU s"
  echo "signing / one hash pass: $(bench_ratio "$ws" "$wh") wall, $(bench_ratio "$cs" "$ch") CPU (goal <= 1.20)"
fi
