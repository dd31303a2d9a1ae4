# bench/lib.sh — helpers shared by the bench/*/run.sh scripts, sourced
# after `set -euo pipefail`. A script defines die() (its own prefix) and,
# where it uses them, $build, $dokpim and $work before calling these.
# shellcheck shell=bash
# The bench_* arrays are read by the scripts that source this file.
# shellcheck disable=SC2034

# bench_median_low: the lower middle of the numbers on stdin, one a line
# (always one of the samples, so a run that really happened)
bench_median_low() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# bench_median_mean [FMT]: the middle of the numbers on stdin, or the mean
# of the two middles, printed with printf FMT when one is given
bench_median_mean() {
  sort -g | awk -v f="${1:-}" '{ v[NR] = $1 } END {
    if (NR % 2) { print v[(NR + 1) / 2]; exit }
    m = (v[NR / 2] + v[NR / 2 + 1]) / 2
    if (f != "") printf f "\n", m; else print m }'
}

# bench_now / bench_since T0: wall clock in seconds, and seconds since T0
bench_now() { date +%s.%N; }
bench_since() { awk -v a="$(bench_now)" -v b="$1" 'BEGIN { print a - b }'; }

# bench_sum A B: A + B (user + system CPU seconds)
bench_sum() { awk -v a="$1" -v b="$2" 'BEGIN { print a + b }'; }

# bench_ratio A B [FMT]: A / B, with printf FMT (default %.2f)
bench_ratio() { awk -v a="$1" -v b="$2" -v f="${3:-%.2f}" 'BEGIN { printf f, a / b }'; }

# bench_measure NAME PREP RUN: runs PREP (untimed), then RUN, $REPS times.
# Keeps the lower medians of wall and CPU seconds (user + system of RUN and
# its children, from bash's own `time`, so RUN may be a shell function) in
# bench_wall[NAME] and bench_cpu[NAME], and every wall time in
# bench_runs[NAME]. RUN's output goes to $work/log; a failure ends the
# benchmark with its last lines. PREP may be `:`.
declare -A bench_wall bench_cpu bench_runs
bench_measure() {
  local name=$1 prep=$2 run=$3 walls=() cpus=() r wall user sys
  local TIMEFORMAT='%R %U %S'
  for ((r = 0; r < REPS; r++)); do
    "$prep"
    { time "$run" >/dev/null 2>>"$work/log"; } 2>"$work/time" ||
      die "$name failed: $(tail -3 "$work/log")"
    read -r wall user sys <"$work/time"
    walls+=("$wall")
    cpus+=("$(bench_sum "$user" "$sys")")
  done
  bench_wall[$name]=$(printf '%s\n' "${walls[@]}" | bench_median_low)
  bench_cpu[$name]=$(printf '%s\n' "${cpus[@]}" | bench_median_low)
  bench_runs[$name]=${walls[*]}
}

# bench_need_tools TOOL...: die unless every tool is on the PATH
bench_need_tools() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || die "$tool is missing (scripts/install-deps.sh)"
  done
}

# bench_build_dir DIR: die unless DIR exists; sets $build to its absolute
# path and $dokpim to the CLI in it
bench_build_dir() {
  [ -d "$1" ] || die "no build folder $1 (pass one as the argument)"
  build=$(cd "$1" && pwd)
  dokpim=$build/core/dokpim
}

# bench_need_dokpim: die unless $dokpim was built
bench_need_dokpim() { [ -x "$dokpim" ] || die "no $dokpim: build the tree first"; }

# bench_not_sanitized: die if $build was configured with sanitizers
bench_not_sanitized() {
  if grep -q '^DOKPIM_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null; then
    die "$build is a sanitizer build: timings would mean nothing"
  fi
}

# bench_workdir NAME: $work, a fresh folder that bench_cleanup removes on
# exit (KEEP=1 keeps it), under $TMPDIR
bench_workdir() {
  work=$(mktemp -d "${TMPDIR:-/tmp}/dokpim-bench-$1-XXXXXX")
  trap bench_cleanup EXIT
}
bench_cleanup() {
  if [ -z "${KEEP:-}" ]; then
    chmod -R u+w "$work" 2>/dev/null || true # read-only library originals
    rm -rf "$work"
  else
    echo "kept $work"
  fi
}
