#!/usr/bin/env bash
# bench/web/run.sh [BUILD_DIR]: the gallery opening a 2 000-photo event
# (N=, REPS= to change), dokpim serve against python3 -m http.server on
# the same thumbnails; see gallery.mjs. Needs tests/web's npm ci.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
[ -x "$build/core/dokpim" ] || { echo "bench/web: no $build/core/dokpim (build it first)" >&2; exit 1; }
[ -d "$root/tests/web/node_modules/playwright-core" ] ||
  { echo "bench/web: run npm ci in tests/web first (scripts/install-deps.sh does)" >&2; exit 1; }
DOKPIM_BIN=$build/core/dokpim DOKPIM_SOURCE_DIR=$root exec node "$root/bench/web/gallery.mjs"
