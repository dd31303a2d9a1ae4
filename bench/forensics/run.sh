#!/usr/bin/env bash
# bench/forensics — the print index at archive scale (index_scale.c):
# lookup time of a 60 s clip, index size and peak RSS at 10, 100 and 1000
# hours of synthetic originals, and stride 4 against the default 2 at 10 h.
#
#   bench/forensics/run.sh [BUILD_DIR]
#
# BUILD_DIR (default ./build) is a built, non-sanitizer tree with the
# dokpim_forensics library. Environment: HOURS (default "10 100 1000"),
# CLIPS clips per size (default 9), BER bits flipped in the clips (0.10),
# LIBRARY a folder to keep the prints and index in between runs (else a
# work folder under TMPDIR; 1000 h needs about 2.3 GB), KEEP=1.
set -euo pipefail

HOURS=${HOURS:-10 100 1000}
CLIPS=${CLIPS:-9}
BER=${BER:-0.10}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
die() { echo "bench/forensics: $*" >&2; exit 2; }
bench_build_dir "${1:-$root/build}"
lib=$build/core/forensics/libdokpim-forensics.so
[ -f "$lib" ] || die "no $lib: build the dokpim_forensics target first"
bench_need_tools cc pkg-config
bench_not_sanitized
bench_workdir forensics
library=${LIBRARY:-$work/library}

cc -O2 -std=c11 -D_GNU_SOURCE -o "$work/index_scale" "$here/index_scale.c" \
  -I"$root/core/forensics" -I"$root/core/forensics/tests" -I"$root/core/forensics/include" \
  -I"$root/core/include" -I"$root/core/lib" $(pkg-config --cflags glib-2.0) \
  -L"$build/core/forensics" -ldokpim-forensics -L"$build/core" -ldokpim \
  -Wl,-rpath,"$build/core/forensics:$build/core" \
  $(pkg-config --libs glib-2.0) -lm

for h in $HOURS; do
  echo "== $h h"
  "$work/index_scale" fill "$library" "$h"
  "$work/index_scale" query "$library" "$CLIPS" "$BER"
  du -sh "$library/prints/index" "$library/prints" | sed 's/^/  du /'
done
echo "== stride 4, 10 h"
"$work/index_scale" fill "$work/stride4" 10 4
"$work/index_scale" query "$work/stride4" "$CLIPS" "$BER"
