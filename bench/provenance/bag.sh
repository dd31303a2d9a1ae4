#!/usr/bin/env bash
# `dokpim archive --bag` (SHA-512 and SHA-256 manifests from one read per
# file, hard links or copies) against the coreutils doing the hashing
# alone on the same files, same run: sha256sum and sha512sum, each with
# `xargs -P2`, and both one after the other (the two digests a bag needs).
#
#   bench/provenance/bag.sh [BUILD]     N=64 SIZE_MB=16 REPS=5 to change it
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
die() { echo "bench/provenance/bag.sh: $*" >&2; exit 1; }
build=${1:-$root/build}
dokpim=$build/core/dokpim
[ -x "$dokpim" ] || die "no dokpim at $dokpim (build first)"
bench_need_tools sha256sum sha512sum xargs
N=${N:-64}; SIZE_MB=${SIZE_MB:-16}; REPS=${REPS:-5}
work=$(mktemp -d /tmp/dokpim-bench-bag-XXXXXX)
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT

mkdir -p "$work/in"
for i in $(seq 1 "$N"); do
  head -c $((SIZE_MB * 1048576)) /dev/urandom > "$work/in/file$i.bin"
done
printf '[event]\ntitle=Bench\nagency=Bench office\ndate=2025-03-14\ntimezone=Asia/Makassar\n' \
  > "$work/event.ini"
printf '[pipeline]\nstages=in\n[in]\nplugin=ingest.file\n' > "$work/ingest.conf"
DOKPIM_PLUGIN_PATH=${DOKPIM_PLUGIN_PATH:-$build/plugins} \
  "$dokpim" run "$work/ingest.conf" --event "$work/event.ini" -o "$work/lib" -q "$work/in" 2>/dev/null \
  || die "ingest failed"
rm -rf "$work/in"
# the files a bag of the library carries, for the coreutils too
(cd "$work/lib" && find originals derived items -type f -print0) > "$work/files"
bytes=$(cd "$work/lib" && xargs -0 stat -c %s < "$work/files" | awk '{ s += $1 } END { print s }')
files=$(tr -cd '\0' < "$work/files" | wc -c)
(cd "$work/lib" && xargs -0 cat < "$work/files" > /dev/null) # warm cache for all

sums() { (cd "$work/lib" && xargs -0 -P2 -n 4 "$1" < "$work/files" > /dev/null); }
sha256_p2() { sums sha256sum; }
sha512_p2() { sums sha512sum; }
both_p2() { sums sha256sum; sums sha512sum; }
clear_bag() { rm -rf "$work/bag"; }
bag_links() { "$dokpim" archive "$work/lib" --bag "$work/bag" -j 2; }
bag_copy() { "$dokpim" archive "$work/lib" --bag "$work/bag" --copy -j 2; }

contenders=(sha256_p2 sha512_p2 both_p2 bag_links bag_copy)
for name in "${contenders[@]}"; do
  case $name in bag_*) prep=clear_bag ;; *) prep=: ;; esac
  bench_measure "$name" "$prep" "$name"
done
"$dokpim" archive --validate "$work/bag" > /dev/null || die "the last bag does not validate"

mb=$(awk -v b="$bytes" 'BEGIN { print b / 1e6 }')
printf '%-34s %9s %9s %9s\n' contender "wall s" "CPU s" "MB/s"
for name in "${contenders[@]}"; do
  w=${bench_wall[$name]}
  printf '%-34s %9.3f %9.3f %9.0f\n' "$name" "$w" "${bench_cpu[$name]}" \
    "$(awk -v m="$mb" -v w="$w" 'BEGIN { print m / w }')"
done
echo
# throughput ratio = the coreutils' time / dokpim's time
for bag in bag_links bag_copy; do
  for ref in sha256_p2 sha512_p2 both_p2; do
    printf 'throughput %-9s / %-9s %s\n' "$bag" "$ref" \
      "$(bench_ratio "${bench_wall[$ref]}" "${bench_wall[$bag]}")"
  done
done
echo "($files files, $mb MB, page cache warm, $(nproc) cores, lower medians of $REPS;" \
     "bag: SHA-512 + SHA-256 of every file, -j 2)"
