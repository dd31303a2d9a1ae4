#!/usr/bin/env bash
# Fails when a C source or header is not clang-format clean.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.c' '*.h' 2>/dev/null || find core plugins tests -name '*.[ch]')
[ ${#files[@]} -gt 0 ] || exit 0
if ! clang-format --dry-run -Werror "${files[@]}" 2> /tmp/dokpim-format.log; then
  grep -E '^[^ ]+:[0-9]+:[0-9]+: error' /tmp/dokpim-format.log | cut -d: -f1,2 | sort -u | head -20
  echo "check-format: the files above are not clang-format clean (run clang-format -i)" >&2
  exit 1
fi
echo "check-format: ${#files[@]} files clean"
