#!/usr/bin/env bash
# `dokpim audit` (re-hash every original and recorded derivative of a
# library, 2 threads) against what an archivist would otherwise run
# nightly: `sha256sum` over the same files with `xargs -P2`. The library is
# made by the shipped archive pipeline (ingest.file + stamp.sidecar: each
# original plus a copy and a JSON sidecar in derived/), so the files are
# exactly those a real library holds. Page cache warm for both; the
# contenders alternate within each repetition.
#
#   bench/provenance/audit.sh [BUILD]     N=50 SIZE_MB=2 REPS=5 JOBS=2
#   (N files of SIZE_MB each: 2 × N × SIZE_MB MB to hash)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
die() { echo "bench/provenance/audit.sh: $*" >&2; exit 2; }
bench_build_dir "${1:-$root/build}"
bench_need_dokpim
bench_not_sanitized
bench_need_tools sha256sum xargs
N=${N:-50}; SIZE_MB=${SIZE_MB:-2}; REPS=${REPS:-5}; JOBS=${JOBS:-2}
bench_workdir audit
export DOKPIM_NO_BAR=1

mkdir -p "$work/in"
for i in $(seq 1 "$N"); do
  head -c $((SIZE_MB * 1048576)) /dev/urandom >"$work/in/rekaman$i.bin"
done
lib=$work/lib
"$dokpim" run "$root/pipelines/archive-batch.conf" \
  --event "$root/assets/sample-event/event.ini" -o "$lib" -q -j 2 "$work/in" \
  2>>"$work/log" || die "making the library failed: $(tail -3 "$work/log")"

# the files audit hashes: every original and every recorded derivative
(cd "$lib" && find originals derived -type f ! -name '*.dk-tmp-*' -print0) >"$work/files"
count=$(tr -cd '\0' <"$work/files" | wc -c)
bytes=$(cd "$lib" && xargs -0 stat -c %s <"$work/files" | awk '{ s += $1 } END { print s }')
"$dokpim" audit "$lib" --json >"$work/audit.json" || die "audit found problems in a fresh library"
listed=$(/usr/bin/python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(d["originals"] + d["derivatives"])' "$work/audit.json")
[ "$listed" = "$count" ] || die "audit checked $listed files, the list has $count"
(cd "$lib" && xargs -0 cat <"$work/files" >/dev/null) # warm the page cache

# sha256sum gets 4 batches per process: balanced, and few enough execs
# that starting processes costs it nothing measurable
per=$(((count + 2 * JOBS * 2 - 1) / (2 * JOBS * 2)))
sums() { (cd "$lib" && xargs -0 -P "$JOBS" -n "$per" sha256sum <"$work/files"); }
audit() { "$dokpim" audit "$lib" -j "$JOBS"; }

walls_sum=() walls_audit=() cpus_sum=() cpus_audit=()
TIMEFORMAT='%R %U %S'
for ((r = 0; r < REPS; r++)); do
  for name in sums audit; do
    { time "$name" >/dev/null 2>>"$work/log"; } 2>"$work/time" || die "$name failed: $(tail -3 "$work/log")"
    read -r wall user sys <"$work/time"
    if [ "$name" = sums ]; then
      walls_sum+=("$wall"); cpus_sum+=("$(bench_sum "$user" "$sys")")
    else
      walls_audit+=("$wall"); cpus_audit+=("$(bench_sum "$user" "$sys")")
    fi
  done
done
w_sum=$(printf '%s\n' "${walls_sum[@]}" | bench_median_low)
w_audit=$(printf '%s\n' "${walls_audit[@]}" | bench_median_low)
c_sum=$(printf '%s\n' "${cpus_sum[@]}" | bench_median_low)
c_audit=$(printf '%s\n' "${cpus_audit[@]}" | bench_median_low)
mb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }')

printf '%-40s %9s %9s %8s\n' contender "median s" "CPU s" "MB/s"
printf '%-40s %9.3f %9.3f %8.0f\n' "sha256sum, xargs -P$JOBS -n $per" "$w_sum" "$c_sum" "$(bench_ratio "$mb" "$w_sum" %.0f)"
printf '%-40s %9.3f %9.3f %8.0f\n' "dokpim audit -j $JOBS" "$w_audit" "$c_audit" "$(bench_ratio "$mb" "$w_audit" %.0f)"
echo
echo "throughput dokpim audit / sha256sum: $(bench_ratio "$w_sum" "$w_audit")x (goal >= 0.9x)"
echo "($count files, $mb MB: $N originals of $SIZE_MB MiB, their copies and sidecars;" \
  "page cache warm; $(nproc) cores; load $(cut -d' ' -f1 /proc/loadavg); lower medians of $REPS)"
echo "runs (s): sha256sum ${walls_sum[*]}; audit ${walls_audit[*]}"
