#!/usr/bin/env bash
# bench/forensics/compare.sh — issue 13's side-by-side: on the same clips
# of the generated corpus (tests/forensics), dokpim locate against what a
# technician has today: fpcalc (Chromaprint) prints with a sliding offset
# search (fpcalc_locate.py) and ffmpeg's MPEG-7 `signature` filter run on
# every clip x original pair. All three are scored by tests/forensics/
# score.py (through compare.py), and timed.
#
#   bench/forensics/compare.sh [BUILD_DIR]
#
# BUILD_DIR (default ./build): a non-sanitizer tree with dokpim and the
# ingest.video + fingerprint.media plugins built. Environment: SIZE
# (SMALL, or FULL) of the corpus built in the work folder, or CORPUS=dir
# to reuse one (corpus.py's output); SIG_CLIPS=N runs the pairwise
# signature sweep on the first N clips of truth.json only (the circulating
# clips come first, then the unarchived recordings) and extrapolates its
# time to all pairs; KEEP=1 keeps the work folder.
set -euo pipefail

SIZE=${SIZE:-SMALL}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
die() { echo "bench/forensics/compare: $*" >&2; exit 2; }
bench_build_dir "${1:-$root/build}"
bench_need_dokpim
bench_not_sanitized
bench_need_tools ffmpeg ffprobe fpcalc
for p in ingest.video fingerprint.media; do
  [ -f "$build/plugins-built/$p.so" ] || die "plugin $p not built in $build"
done
py=/usr/bin/python3
bench_workdir forensics-compare
: >"$work/times.tsv"

# timed NAME CMD...: CMD's stdout to $work/NAME.out, its wall and CPU
# seconds (children included) to times.tsv
timed() {
  local name=$1 wall user sys TIMEFORMAT='%R %U %S'
  shift
  { time "$@" >"$work/$name.out" 2>>"$work/log"; } 2>"$work/time" ||
    die "$name failed: $(tail -3 "$work/log")"
  read -r wall user sys <"$work/time"
  printf '%s\t%s\t%s\n' "$name" "$wall" "$(bench_sum "$user" "$sys")" \
    >>"$work/times.tsv"
}

if [ -n "${CORPUS:-}" ]; then
  corpus=$(cd "$CORPUS" && pwd)
else
  corpus=$work/corpus
  echo "== corpus ($SIZE) in $corpus"
  timed corpus "$py" "$root/tests/forensics/corpus.py" "$corpus" \
    --size "$SIZE" --jobs 2
fi
[ -f "$corpus/truth.json" ] || die "no $corpus/truth.json"
"$py" "$here/compare.py" lists "$corpus" "$work"
mapfile -t clips <"$work/clips.txt"
mapfile -t originals <"$work/originals.txt"

footage=0
for o in "${originals[@]}"; do
  d=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$o")
  footage=$(bench_sum "$footage" "$d")
done

# the two pipelines: the issue's (probe + prints), and probe alone to see
# what the fingerprint stage costs
pipeline() {
  printf '[pipeline]\nname=%s\nstages=%s\n\n[ingest]\nplugin=ingest.video\n' \
    "$1" "$2"
  [ "$2" = ingest ] || printf '\n[fingerprint]\nplugin=fingerprint.media\n'
}
pipeline "Forensics bench" "ingest;fingerprint" >"$work/prints.conf"
pipeline "Forensics bench, probe only" ingest >"$work/ingest.conf"
lib=$work/library
echo "== archive ${#originals[@]} originals (${footage} s), -j 1"
timed archive_ingest_only sh "$root/tests/forensics/archive.sh" "$dokpim" \
  "$work/ingest.conf" "$corpus" "$work/library-probe" -q -j 1
timed archive sh "$root/tests/forensics/archive.sh" "$dokpim" \
  "$work/prints.conf" "$corpus" "$lib" -q -j 1

echo "== dokpim locate (${#clips[@]} clips, one process)"
# exit 3 (edited), 4 (not in archive) and 1 (a clip that cannot be
# located: the corpus's 0.8 s distractor is "too short") are answers, not
# failures; the scorer judges each clip's
locate() {
  local rc=0
  "$dokpim" locate --json -o "$lib" "${clips[@]}" || rc=$?
  [ "$rc" = 0 ] || [ "$rc" = 1 ] || [ "$rc" = 3 ] || [ "$rc" = 4 ]
}
timed dokpim_locate locate
cp "$work/dokpim_locate.out" "$work/dokpim.json"

echo "== fpcalc"
fp=$here/fpcalc_locate.py
timed fpcalc_index "$py" "$fp" print "$work/fp" "${originals[@]}"
timed fpcalc_calibration_speech "$py" "$here/compare.py" calib-speech "$work" 12
mapfile -t calibration <"$work/calibration.txt"
timed fpcalc_calibration_prints "$py" "$fp" print "$work/fp" \
  "${calibration[@]}"
timed fpcalc_calibrate "$py" "$fp" calibrate --prints "$work/fp" \
  --originals "${originals[@]}" --distractors "${calibration[@]}" \
  --out "$work/fpcalc-calibration.json"
timed fpcalc_locate "$py" "$fp" locate --prints "$work/fp" \
  --originals "${originals[@]}" --calibration "$work/fpcalc-calibration.json" \
  --timings "$work/fpcalc-timings.json" "${clips[@]}"
cp "$work/fpcalc_locate.out" "$work/fpcalc.json"

sig_clips=${SIG_CLIPS:-${#clips[@]}}
[ "$sig_clips" -le "${#clips[@]}" ] || sig_clips=${#clips[@]}
echo "== ffmpeg signature, pairwise ($sig_clips of ${#clips[@]} clips x ${#originals[@]} originals)"
mkdir -p "$work/sig"
sweep() {
  local i c o log
  for ((i = 0; i < sig_clips; i++)); do
    c=${clips[i]}
    for o in "${originals[@]}"; do
      log=$work/sig/$(basename "$c")--$(basename "$o").log
      # Debian 12's ffmpeg 5.1 crashes in the lookup on some pairs (the
      # grain pictures of the distractors): a crash is kept as no match
      # and counted
      ffmpeg -nostdin -hide_banner -i "$c" -i "$o" -filter_complex \
        "[0:v][1:v]signature=nb_inputs=2:detectmode=full" -an -f null - \
        2>"$log" || echo "exit status $?" >>"$log"
    done
  done
}
timed signature_sweep sweep
pairs=$(find "$work/sig" -name '*.log' | wc -l)
crashes=$(grep -l '^exit status' "$work/sig"/*.log | wc -l || true)
all_pairs=$((${#clips[@]} * ${#originals[@]}))
sig_wall=$(awk -F'\t' '$1 == "signature_sweep" { print $2 }' "$work/times.tsv")
"$py" "$here/compare.py" signature "$corpus" "$work/sig" >"$work/signature.json"
cat >"$work/facts.json" <<EOF
{"footage_seconds": $footage, "signature_pairs": $pairs,
 "signature_all_pairs": $all_pairs, "signature_crashes": $crashes,
 "signature_total_estimate": $(awk -v w="$sig_wall" -v p="$pairs" -v a="$all_pairs" \
  'BEGIN { printf "%.2f", w * a / p }')}
EOF

echo
echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "fpcalc calibration: $(tr -d '\n' <"$work/fpcalc-calibration.json")"
"$py" "$here/compare.py" table "$corpus" "$work"
echo
echo "times (wall s, CPU s):"
sed 's/^/  /' "$work/times.tsv"
