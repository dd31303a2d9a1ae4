#!/usr/bin/env bash
# bench/photo/sheet.sh — the contact sheet for the morning meeting.
#
# N (200) generated 3000x2000 JPEGs, page cache warm, REPS (3) runs each,
# lower median of wall and CPU seconds:
#   - dokpim: ingest.photo -> transcode.photo (1024 px web copies and
#     320 px thumbnails: the stage makes both) with
#     contact-sheet=true sheet-format=pdf (A4, 30 a page), and the same run
#     without the sheet: the difference is what the sheet costs;
#   - ImageMagick montage -label '%f' from the same originals, 5x6 a page,
#     as JPEG pages (Debian's policy.xml forbids ImageMagick to write PDF),
#     with a jpeg:size hint (its fastest honest setting), and from the
#     thumbnails dokpim made (the same input as dokpim's sheet step);
#   - vips arrayjoin of the same thumbnails into one JPEG: vips has no text
#     under cells and no pages, so it is the floor of "a grid of pictures".
# Printed: times, output sizes, and the ratios montage / dokpim.
#
#   bench/photo/sheet.sh [BUILD_DIR]           (default: ./build)
#   N=50 REPS=1 KEEP=1 bench/photo/sheet.sh
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
die() { echo "sheet.sh: $*" >&2; exit 1; }
bench_build_dir "${1:-$root/build}"
bench_need_dokpim
bench_not_sanitized
for p in ingest.photo transcode.photo; do
  [ -f "$build/plugins-built/$p.so" ] || die "plugin $p not built in $build"
done
bench_need_tools /usr/bin/montage /usr/bin/convert vips exiftool pdfinfo
N=${N:-200}
REPS=${REPS:-3}
bench_workdir sheet
event=$root/assets/sample-event/event.ini
echo "bench/photo/sheet: $N photos, $REPS runs each, in $work"

# ---- inputs: 4 distinct pictures, copied to N files made unique by their
# EXIF (the library keeps one copy of identical content) ----
mkdir -p "$work/in"
for i in 0 1 2 3; do
  /usr/bin/convert -seed $((i + 1)) -size 750x500 plasma:fractal \
    -resize 3000x2000! -quality 90 "$work/base$i.jpg"
done
for ((i = 1; i <= N; i++)); do
  cp "$work/base$((i % 4)).jpg" "$work/in/$(printf 'DSC_%05d.JPG' "$i")"
done
exiftool -q -overwrite_original -DateTimeOriginal='2025:03:14 09:30:00' \
  '-ImageUniqueID<FileName' "$work/in"
cat "$work"/in/* >/dev/null

pipeline() { # file sheet(true|false)
  cat >"$1" <<EOF
[pipeline]
stages=ingest;web

[ingest]
plugin=ingest.photo

[web]
plugin=transcode.photo
web-size=1024
thumbnail-size=320
contact-sheet=$2
sheet-format=pdf
sheet-per-page=30
EOF
}
pipeline "$work/sheet.conf" true
pipeline "$work/plain.conf" false

fresh_library() { chmod -R u+w "$work/lib" 2>/dev/null || true; rm -rf "$work/lib"; }
run_sheet() { "$dokpim" run -q --event "$event" -o "$work/lib" -j 2 "$work/sheet.conf" "$work/in"; }
run_plain() { "$dokpim" run -q --event "$event" -o "$work/lib" -j 2 "$work/plain.conf" "$work/in"; }
bench_measure dokpim_sheet fresh_library run_sheet
pdf=$work/lib/derived/web/contact-sheet.pdf
pages=$(pdfinfo "$pdf" | awk '/^Pages:/ {print $2}')
pdf_kb=$(( $(stat -c %s "$pdf") / 1024 ))
bench_measure dokpim_plain fresh_library run_plain
thumbs=$work/lib/derived/web/thumbs
thumbs_kb=$(du -sk "$thumbs" | cut -f1)

# Debian's ImageMagick policy forbids writing PDF, so montage writes one
# JPEG a page (5x6 cells, the same grid as dokpim's PDF pages).
# montage holds every picture at once, and Debian's policy.xml caps its
# memory (256 MiB) and disk (1 GiB) cache: from the originals it decodes
# at 1/8 (jpeg:size, 375x250, no smaller than the 320 px cells), which
# fits, and is its fastest honest setting.
font=/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf
montage_originals() {
  rm -rf "$work/mo" && mkdir "$work/mo"
  /usr/bin/montage -define jpeg:size=320x214 -font "$font" -label '%f' \
    -geometry 320x320+4+4 -tile 5x6 "$work"/in/*.JPG "$work/mo/page-%02d.jpg"
}
montage_thumbs() {
  rm -rf "$work/mt" && mkdir "$work/mt"
  /usr/bin/montage -font "$font" -label '%f' -geometry 320x320+4+4 -tile 5x6 \
    "$thumbs"/*.jpg "$work/mt/page-%02d.jpg"
}
vips_thumbs() {
  # shellcheck disable=SC2046
  vips arrayjoin "$(ls "$thumbs"/*.jpg | tr '\n' ' ')" "$work/vips.jpg[Q=85]" \
    --across 5 --shim 8
}
bench_measure montage_originals : montage_originals
bench_measure montage_thumbs : montage_thumbs
bench_measure vips_thumbs : vips_thumbs

sheet_wall=$(awk -v a="${bench_wall[dokpim_sheet]}" -v b="${bench_wall[dokpim_plain]}" \
  'BEGIN { d = a - b; printf "%.3f", (d > 0.001 ? d : 0.001) }')
sheet_cpu=$(awk -v a="${bench_cpu[dokpim_sheet]}" -v b="${bench_cpu[dokpim_plain]}" \
  'BEGIN { d = a - b; printf "%.3f", (d > 0.001 ? d : 0.001) }')
kb() { echo $(( $(stat -c %s "$1") / 1024 )); }

printf '\n%-44s %8s %8s %9s\n' "" "wall s" "cpu s" "output"
printf '%-44s %8s %8s %9s\n' "dokpim run, thumbnails + PDF sheet" \
  "${bench_wall[dokpim_sheet]}" "${bench_cpu[dokpim_sheet]}" "${pdf_kb} KB"
printf '%-44s %8s %8s\n' "dokpim run, thumbnails only" \
  "${bench_wall[dokpim_plain]}" "${bench_cpu[dokpim_plain]}"
printf '%-44s %8s %8s %9s\n' "  = the PDF sheet ($pages pages)" "$sheet_wall" "$sheet_cpu" \
  "${pdf_kb} KB"
printf '%-44s %8s %8s %9s\n' "montage -label '%f' from the originals" \
  "${bench_wall[montage_originals]}" "${bench_cpu[montage_originals]}" \
  "$(du -sk "$work/mo" | cut -f1) KB"
printf '%-44s %8s %8s %9s\n' "montage -label '%f' from dokpim's thumbnails" \
  "${bench_wall[montage_thumbs]}" "${bench_cpu[montage_thumbs]}" \
  "$(du -sk "$work/mt" | cut -f1) KB"
printf '%-44s %8s %8s %9s\n' "vips arrayjoin of the thumbnails (no text)" \
  "${bench_wall[vips_thumbs]}" "${bench_cpu[vips_thumbs]}" "$(kb "$work/vips.jpg") KB"
echo "thumbnails on disk: ${thumbs_kb} KB"
echo
echo "ratio montage (originals) / dokpim (originals -> web copies + thumbnails -> PDF): $(bench_ratio "${bench_wall[montage_originals]}" "${bench_wall[dokpim_sheet]}")x wall, $(bench_ratio "${bench_cpu[montage_originals]}" "${bench_cpu[dokpim_sheet]}")x cpu"
echo "ratio montage (thumbnails) / dokpim's PDF sheet step:               $(bench_ratio "${bench_wall[montage_thumbs]}" "$sheet_wall")x wall, $(bench_ratio "${bench_cpu[montage_thumbs]}" "$sheet_cpu")x cpu"
echo "ratio vips arrayjoin (no text, one JPEG) / dokpim's PDF sheet step:  $(bench_ratio "${bench_wall[vips_thumbs]}" "$sheet_wall")x wall"
