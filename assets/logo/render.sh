#!/usr/bin/env bash
# Re-renders dokpim-logo.png (RGBA, transparent background) from the SVG.
# Needs rsvg-convert (Debian package librsvg2-bin).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
width="${1:-600}"
command -v rsvg-convert >/dev/null || { echo "render.sh: rsvg-convert missing (apt-get install librsvg2-bin)" >&2; exit 1; }
# Write beside the target and rename, so a failed render never leaves a half PNG.
rsvg-convert --width "$width" --keep-aspect-ratio --format png \
  --output "$here/.dokpim-logo.png.tmp" "$here/dokpim-logo.svg"
mv -f "$here/.dokpim-logo.png.tmp" "$here/dokpim-logo.png"
echo "render.sh: wrote $here/dokpim-logo.png (${width} px wide)"
