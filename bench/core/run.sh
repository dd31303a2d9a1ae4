#!/usr/bin/env bash
# Core ingest (hash while copying into the content-addressed library, one
# flush per file, manifest per item) against what a crew would otherwise do:
# `cp` the card, then `sha256sum` it for the fixity list.
#
#   bench/core/run.sh [BUILD]        N=200 SIZE_MB=8 REPS=5 to change the batch
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
build=${1:-$root/build}
dokpim=$build/core/dokpim
[ -x "$dokpim" ] || { echo "no dokpim at $dokpim (build first)" >&2; exit 2; }
N=${N:-200}; SIZE_MB=${SIZE_MB:-8}; REPS=${REPS:-5}
work=$(mktemp -d /tmp/dokpim-bench-core-XXXXXX)
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT

mkdir -p "$work/in"
for i in $(seq 1 "$N"); do
  head -c $((SIZE_MB * 1048576)) /dev/urandom > "$work/in/file$i.bin"
done
printf '[event]\ntitle=Bench\ndate=2025-03-14\ntimezone=Asia/Makassar\n' > "$work/event.ini"
printf '[pipeline]\nstages=in\n[in]\nplugin=ingest.file\n' > "$work/ingest.conf"
cat "$work"/in/* > /dev/null   # warm the page cache for every contender

median() { bench_median_mean; }
time_of() { # prints wall seconds of "$@"
  local t0; t0=$(bench_now); "$@" > /dev/null 2>&1; bench_since "$t0"
}
cp_sync() { rm -rf "$work/cp"; mkdir "$work/cp"; cp "$work"/in/* "$work/cp/"; sync -f "$work/cp"; }
cp_sum() { cp_sync; (cd "$work/cp" && sha256sum ./* > ../SHA256SUMS); }
dokpim_ingest() { chmod -R u+w "$work/lib" 2>/dev/null || true; rm -rf "$work/lib"
  "$dokpim" run "$work/ingest.conf" --event "$work/event.ini" -o "$work/lib" -q -j "$1" "$work/in"; }
dokpim_rerun() { "$dokpim" run "$work/ingest.conf" --event "$work/event.ini" -o "$work/lib" -q -j 2 "$work/in"; }

declare -A result
for name in cp_sync cp_sum "dokpim_ingest 1" "dokpim_ingest 2" dokpim_rerun; do
  samples=""
  for _ in $(seq 1 "$REPS"); do samples+="$(time_of $name)"$'\n'; done
  result[$name]=$(printf '%s' "$samples" | median)
done
total_mb=$((N * SIZE_MB))
printf '%-26s %9s %10s %9s\n' "contender" "median s" "MB/s" "ms/file"
for name in cp_sync cp_sum "dokpim_ingest 1" "dokpim_ingest 2" dokpim_rerun; do
  s=${result[$name]}
  printf '%-26s %9.3f %10.0f %9.2f\n' "$name" "$s" "$(echo "$total_mb / $s" | bc -l)" \
    "$(echo "$s * 1000 / $N" | bc -l)"
done
echo
printf 'ratio dokpim -j 2 / (cp + sync):          %.2f\n' "$(echo "${result[dokpim_ingest 2]} / ${result[cp_sync]}" | bc -l)"
printf 'ratio dokpim -j 2 / (cp + sync + sha256sum): %.2f\n' "$(echo "${result[dokpim_ingest 2]} / ${result[cp_sum]}" | bc -l)"
printf 'ratio re-run / first run (-j 2):           %.2f\n' "$(echo "${result[dokpim_rerun]} / ${result[dokpim_ingest 2]}" | bc -l)"
echo "($N files x $SIZE_MB MB, page cache warm, $(nproc) cores, medians of $REPS)"
