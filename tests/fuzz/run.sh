#!/usr/bin/env bash
# Builds the libFuzzer harnesses (build-fuzz, clang, if needed), generates
# their seeds and runs each for SECONDS, a few at a time. Prints per
# harness the executions libFuzzer counted and the verdict; crash, leak
# and timeout inputs land in the findings folder it names. Exits 1 when
# any harness failed.
#   tests/fuzz/run.sh SECONDS [HARNESS...]
# Environment: DOKPIM_FUZZ_BUILD (build folder, default build-fuzz),
# DOKPIM_FUZZ_JOBS (harnesses at once, default nproc).
set -euo pipefail
seconds=${1:?usage: run.sh SECONDS [HARNESS...]}
shift
cd "$(dirname "$0")/../.."
root=$PWD
build=$(realpath -m "${DOKPIM_FUZZ_BUILD:-build-fuzz}")
jobs=${DOKPIM_FUZZ_JOBS:-$(nproc)}

if [ ! -f "$build/CMakeCache.txt" ]; then
  launcher=()
  command -v ccache > /dev/null && launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache)
  CC=clang cmake -S . -B "$build" -DDOKPIM_FUZZ=ON -DDOKPIM_TESTS=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" > "$build.configure.log" 2>&1 ||
    { cat "$build.configure.log"; exit 1; }
fi
cmake --build "$build" --target dokpim_fuzz -j "$jobs" > "$build.build.log" 2>&1 ||
  { tail -50 "$build.build.log"; exit 1; }
bash tests/fuzz/make-seeds.sh "$build/fuzz-seeds"

if [ $# -eq 0 ]; then
  set -- $(cd "$build/tests/fuzz" && ls fuzz_* | grep -v '\.' | sed 's/^fuzz_//')
fi
findings=$build/fuzz-findings/$(date -u +%Y%m%dT%H%M%S)
mkdir -p "$findings"

dict_of() {
  case $1 in
    jpeg_segments | c2pa_jpeg | c2pa_read | ingest_photo | stamp_exif | exif) echo jpeg ;;
    mp4_boxes) echo mp4 ;;
    pipeline | event | template | capture_name) echo config ;;
    http | oauth | youtube) echo http ;;
  esac
}

export ASAN_OPTIONS=detect_leaks=1:intercept_tls_get_addr=0
export LSAN_OPTIONS=suppressions=$root/tests/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
run_one() {
  local name=$1
  local corpus=$build/fuzz-corpus/$name
  mkdir -p "$corpus" "$findings/$name"
  local args=(-max_total_time="$seconds" -print_final_stats=1 -timeout=10
    -rss_limit_mb=2048 -artifact_prefix="$findings/$name/")
  local dict
  dict=$(dict_of "$name")
  [ -n "$dict" ] && args+=(-dict="$root/tests/fuzz/dict/$dict.dict")
  local dirs=("$corpus" "$build/fuzz-seeds/$name")
  [ -d "tests/fuzz/regressions/$name" ] && dirs+=("tests/fuzz/regressions/$name")
  local rc=0
  nice "$build/tests/fuzz/fuzz_$name" "${args[@]}" "${dirs[@]}" \
    > "$findings/$name.log" 2>&1 || rc=$?
  echo "$rc" > "$findings/$name.rc"
}

for name in "$@"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
    wait -n || true
  done
  run_one "$name" &
done
wait || true

failed=0
printf '%-16s %12s  %s\n' harness executions result
for name in "$@"; do
  log=$findings/$name.log
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  result=ok
  if [ "$(cat "$findings/$name.rc")" != 0 ] || [ -z "$execs" ]; then
    result="FAILED: $(grep -m1 -E 'ERROR|invariant|runtime error' "$log" ||
      echo "exit $(cat "$findings/$name.rc"), see $log")"
    failed=1
  fi
  printf '%-16s %12s  %s\n' "$name" "${execs:-?}" "$result"
done
echo "logs and crash inputs: $findings"
exit $failed
