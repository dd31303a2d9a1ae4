#!/bin/sh
# judge.sh [--trust PEM] FILE...: the C2PA reference reader's verdict, one
# JSON line per file. Installs the pinned reader (npm ci) on first use.
set -e
here=$(cd "$(dirname "$0")/node" && pwd)
if [ ! -d "$here/node_modules/@contentauth/c2pa-wasm" ]; then
  (cd "$here" && npm ci --no-audit --no-fund --silent > /dev/null)
fi
exec node "$here/judge.mjs" "$@"
