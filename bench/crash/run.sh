#!/usr/bin/env bash
# bench/crash/run.sh N [BUILD_DIR] — the crash trials of tests/crash at
# length: `dokpim run` over the photo and clip batch killed with SIGKILL N
# times at seeded random moments, and `dokpim queue work` killed mid-upload
# (WebDAV, SFTP, the YouTube stand-in) N/3 times, each followed by a
# re-run and the checks of tests/crash/crash_trials.h. Prints the seeds,
# the counts (trials, kills that landed mid-write, kills that came after
# the process had finished, failures) and the wall time. CTest runs the
# same driver with a few trials.
#
# env: UPLOAD_TRIALS (default N/3), DK_CRASH_SEED (replay a printed seed),
#      DOKPIM_KEEP_TEST_DIRS=1 keeps the libraries of failed trials.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
die() { echo "bench/crash: $*" >&2; exit 2; }
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"

if [ $# -lt 1 ] || ! [[ $1 =~ ^[0-9]+$ ]]; then
  die "usage: $0 N [BUILD_DIR] (N >= 100 for a long run)"
fi
trials=$1
bench_build_dir "${2:-$root/build}"
bench_need_dokpim
driver=$build/tests/test_crash
[ -x "$driver" ] || die "no $driver: build the tests first"
bench_need_tools ffmpeg exiftool nginx sshd curl

export DOKPIM_BIN=$dokpim DOKPIM_SOURCE_DIR=$root DOKPIM_BUILD_DIR=$build
export DOKPIM_PLUGIN_DIR=$build/plugins-built
export DK_CRASH_TRIALS=$trials
export DK_CRASH_UPLOAD_TRIALS=${UPLOAD_TRIALS:-$((trials / 3))}
# Check's per-test limit: a long run is meant to be long
export CK_DEFAULT_TIMEOUT=$((600 + 30 * trials))

log=$(mktemp "${TMPDIR:-/tmp}/dokpim-bench-crash-XXXXXX.log")
trap 'rm -f "$log"' EXIT
echo "crash trials: $DK_CRASH_TRIALS run kills, $DK_CRASH_UPLOAD_TRIALS upload kills, $(nproc) cores"
start=$(bench_now)
status=0
"$driver" >"$log" 2>&1 || status=$?
seconds=$(bench_since "$start")
grep -E '^crash (run|upload):' "$log" || true
failures=$(grep -c '^crash FAILURE' "$log" || true)
if [ "$failures" -gt 0 ]; then
  echo "failed checks:"
  grep '^crash FAILURE' "$log" | head -20
fi
grep -E '^[0-9]+%: Checks' "$log" || tail -5 "$log"
printf 'crash trials: %.0f s wall, exit %d\n' "$seconds" "$status"
exit $status
