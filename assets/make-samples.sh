#!/usr/bin/env bash
# make-samples.sh OUTDIR — writes the sample photos and clips of the sample
# event (assets/sample-event/event.ini: 14 March 2025, Mangupura, WITA =
# UTC+08:00) into OUTDIR/photos and OUTDIR/videos.
#
# Deterministic (fixed seeds, bit-exact muxing, fixed mtimes) and idempotent:
# a file that already exists is left alone. Each file is built in
# OUTDIR/.make-samples.tmp and renamed into place, so an interrupted run
# never leaves a half-written sample that a later run would skip.
# The facts tests rely on (cameras, times, offsets, orientation, GPS) are
# listed in assets/README.md; keep the two in step.
set -euo pipefail

usage() { echo "usage: $0 OUTDIR" >&2; exit 2; }
[ $# -eq 1 ] || usage
[ -n "$1" ] || usage
outdir="$1"

# ImageMagick must be the real one: /usr/local/bin/convert is something else
# on the build machines.
im_convert="${IM_CONVERT:-/usr/bin/convert}"

missing=()
for tool in ffmpeg exiftool touch espeak-ng sox soxi; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ! "$im_convert" -version 2>/dev/null | grep -q ImageMagick; then
  missing+=("ImageMagick convert at $im_convert")
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "make-samples: missing: ${missing[*]} (see scripts/install-deps.sh)" >&2
  exit 1
fi

mkdir -p "$outdir/photos" "$outdir/videos"
work="$outdir/.make-samples.tmp"
rm -rf "$work"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT

made=0
kept=0

# exists FINAL: true (and counted) when the sample is already there.
exists() {
  if [ -e "$1" ]; then
    kept=$((kept + 1))
    return 0
  fi
  return 1
}

# publish TMP FINAL MTIME: fixes the mtime (part of being deterministic, and
# what a "file-time" capture fallback would read), then renames into place.
publish() {
  touch -d "$3" "$1"
  mv -f "$1" "$2"
  made=$((made + 1))
}

# render_jpeg OUT WIDTH HEIGHT QUALITY SAMPLING GRAPH: one frame of a lavfi
# graph encoded by ImageMagick, whose -quality is libjpeg's quality scale
# (what `identify -format %Q` reports), unlike ffmpeg's qscale.
render_jpeg() {
  local out="$1" w="$2" h="$3" quality="$4" sampling="$5" graph="$6"
  ffmpeg -nostdin -v error -f lavfi -i "$graph" -frames:v 1 \
    -f rawvideo -pix_fmt rgb24 - |
    "$im_convert" -size "${w}x${h}" -depth 8 rgb:- -strip \
      -quality "$quality" -sampling-factor "$sampling" "jpeg:$out"
}

# Pixel sources, one per photo, at 3000x2000 stored size. Small sources are
# scaled up (mandelbrot at full size is slow); light seeded noise keeps the
# pictures from being flat without bloating the files.
noise() { echo "noise=alls=4:allf=u:all_seed=$1"; }
# A red band marks the visual top, so a test can tell whether an output
# was turned the right way up.
top_band="drawbox=x=0:y=0:w=iw:h=ih/12:color=red:t=fill"

# ---- camera photos ---------------------------------------------------------
#
# name | camera | DateTimeOriginal | SubSec | offset (- none) | orientation |
# gps (- none) | exposure | f-number | ISO | focal mm | pixel source
camera_photos=(
  "IMG_0412.JPG|canon|2025:03:14 09:02:15|37|+08:00|1|-|1/125|5.6|1600|50|testsrc2=s=3000x2000:r=1"
  "IMG_0418.JPG|canon|2025:03:14 09:14:48|05|+08:00|6|-|1/160|4.0|2000|85|mandelbrot=s=500x750:maxiter=300,scale=2000:3000:flags=bicubic"
  "IMG_0431.JPG|canon|2025:03:14 09:41:03|80|+08:00|1|gps|1/250|8.0|400|24|smptehdbars=s=3000x2000:r=1"
  "DSC04021.JPG|sony|2025:03:14 10:05:12|11|-|1|-|1/200|2.8|3200|35|gradients=s=750x500:r=1:n=3:c0=0x1e6fa8:c1=0xe8c170:c2=0x2f8f4e:x0=80:y0=60:x1=700:y1=470:type=radial,scale=3000:2000:flags=bicubic"
  "DSC04027.JPG|sony|2025:03:14 10:23:40|66|-|1|-|1/100|2.8|6400|70|mandelbrot=s=750x500:maxiter=300:start_x=-0.743643887037151:start_y=0.131825904205330:start_scale=0.02,scale=3000:2000:flags=bicubic"
  "DSC04035.JPG|sony|2025:03:14 10:48:09|94|-|1|-|1/160|4.0|1250|24|testsrc=s=1500x1000:r=1,scale=3000:2000:flags=bicubic,hue=h=200"
)

# Tags every camera of one make writes, as exiftool arguments. Both cameras
# store EXIF little-endian, as the real bodies do.
camera_tags() {
  case "$1" in
  canon)
    printf '%s\n' -Make=Canon "-Model=Canon EOS R6" \
      "-Software=Firmware Version 1.8.1" "-LensModel=RF24-105mm F4 L IS USM" \
      -ExifIFD:SerialNumber=083021004412 -ExposureProgram#=1 -MeteringMode#=5 \
      -WhiteBalance#=0 -ExposureMode#=1
      ;;
  sony)
    printf '%s\n' -Make=SONY -Model=ILCE-7M3 "-Software=ILCE-7M3 v4.01" \
      "-LensModel=FE 24-70mm F2.8 GM" -ExifIFD:SerialNumber=04870921 \
      -ExposureProgram#=3 -MeteringMode#=5 -WhiteBalance#=0 -ExposureMode#=0 \
      -LightSource#=0 -SceneCaptureType#=0
    ;;
  esac
}

# The Canon in this sample had its GPS receiver on: the Puspem Badung
# compound in Mangupura. GPSTimeStamp is UTC (09:41:03 WITA - 8 h).
gps_tags=(
  -GPSVersionID=2.3.0.0 -GPSLatitudeRef=S -GPSLatitude=8.580330
  -GPSLongitudeRef=E -GPSLongitude=115.179720 -GPSAltitudeRef#=0
  -GPSAltitude=42 -GPSMapDatum=WGS-84 -GPSDateStamp=2025:03:14
  -GPSTimeStamp=01:41:03
)

seed=0
for row in "${camera_photos[@]}"; do
  IFS='|' read -r name camera when subsec offset orientation gps \
    exposure fnumber iso focal source <<<"$row"
  seed=$((seed + 1))
  final="$outdir/photos/$name"
  exists "$final" && continue
  tmp="$work/$name"

  if [ "$orientation" = 6 ]; then
    # Drawn upright as a portrait, stored turned 90° counter-clockwise, so
    # Orientation=6 ("rotate 90 CW to display") shows it upright again.
    graph="$source,$top_band,$(noise "$seed"),transpose=2"
  else
    graph="$source,$top_band,$(noise "$seed")"
  fi
  if [ "$camera" = canon ]; then sampling=2x1; else sampling=2x2; fi
  render_jpeg "$tmp" 3000 2000 90 "$sampling" "$graph"
  "$im_convert" "$tmp" -thumbnail 160x120 -strip -quality 80 "jpeg:$work/thumb.jpg"

  args=(-q -overwrite_original -JFIF:all= -ExifByteOrder#=II)
  mapfile -t make_args < <(camera_tags "$camera")
  args+=("${make_args[@]}")
  args+=("-Orientation#=$orientation" -XResolution=72 -YResolution=72
    -ResolutionUnit#=2 -ColorSpace#=1 -ExifImageWidth=3000
    -ExifImageHeight=2000 "-ExposureTime=$exposure" "-FNumber=$fnumber"
    "-ISO=$iso" "-FocalLength=$focal" -ExifIFD:Flash#=16
    "-DateTimeOriginal=$when" "-CreateDate=$when" "-ModifyDate=$when"
    "-SubSecTimeOriginal=$subsec" "-SubSecTimeDigitized=$subsec"
    "-SubSecTime=$subsec" "-ThumbnailImage<=$work/thumb.jpg")
  if [ "$offset" != - ]; then
    args+=("-OffsetTimeOriginal=$offset" "-OffsetTimeDigitized=$offset"
      "-OffsetTime=$offset")
  fi
  [ "$gps" = - ] || args+=("${gps_tags[@]}")
  exiftool "${args[@]}" "$tmp"

  # Card files carry the camera's wall-clock time, read in the event zone.
  day="${when%% *}"
  publish "$tmp" "$final" "${day//:/-} ${when#* } +0800"
done

# ---- phone and messaging photos (no metadata at all) -----------------------
#
# name | width | height | quality | mtime (WITA) | pixel source
# WhatsApp re-encodes and bakes the rotation into the pixels (the first one
# is a portrait). The PXL name is UTC: 02:15:00.123 UTC = 10:15:00.123 WITA.
phone_photos=(
  "WhatsApp Image 2025-03-14 at 10.21.05.jpeg|1200|1600|78|2025-03-14 10:21:05|testsrc2=s=1200x1600:r=1,hue=h=90"
  "IMG-20250314-WA0012.jpg|1600|1200|78|2025-03-14 10:34:27|mandelbrot=s=800x600:maxiter=200:start_scale=1.5,scale=1600:1200"
  "IMG_20250314_102233.jpg|2000|1500|92|2025-03-14 10:22:33|smptehdbars=s=2000x1500:r=1,hue=h=45"
  "PXL_20250314_021500123.jpg|2016|1512|95|2025-03-14 10:15:00|gradients=s=504x378:r=1:n=3:c0=0xd94f2b:c1=0xf4e3b5:c2=0x3a6ea5:x0=0:y0=0:x1=503:y1=377,scale=2016:1512:flags=bicubic"
)

for row in "${phone_photos[@]}"; do
  IFS='|' read -r name w h quality mtime source <<<"$row"
  seed=$((seed + 1))
  final="$outdir/photos/$name"
  exists "$final" && continue
  tmp="$work/$name"
  render_jpeg "$tmp" "$w" "$h" "$quality" 2x2 "$source,$top_band,$(noise "$seed")"
  exiftool -q -overwrite_original -all= "$tmp"
  publish "$tmp" "$final" "$mtime +0800"
done

# ---- videos -----------------------------------------------------------------
#
# Bit-exact flags keep library version strings out of the files; x264 is
# deterministic at any thread count unless told otherwise.
bitexact=(-fflags +bitexact -flags:v +bitexact -flags:a +bitexact -map_metadata -1)
x264=(-c:v libx264 -preset veryfast -crf 30 -pix_fmt yuv420p -threads 2)

# Camera clip: MP4 creation_time is UTC by convention (09:30:00 WITA).
final="$outdir/videos/MVI_0425.MP4"
if ! exists "$final"; then
  tmp="$work/MVI_0425.MP4"
  ffmpeg -nostdin -v error \
    -f lavfi -i "testsrc2=s=1280x720:r=30:d=6" \
    -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=6" \
    "${x264[@]}" -g 30 -c:a aac -b:a 96k -ac 2 "${bitexact[@]}" \
    -metadata creation_time=2025-03-14T01:30:00.000000Z \
    -movflags +faststart "$tmp"
  publish "$tmp" "$final" "2025-03-14 09:30:06 +0800"
fi

# Phone portrait clip: drawn upright at 720x1280, stored turned 90° counter-
# clockwise as 1280x720, with the track matrix a phone writes asking players
# to turn it 90° clockwise (exiftool Rotation 90, ffprobe display matrix
# rotation -90). exiftool writes the matrix because ffmpeg's "rotate" tag
# changed meaning across versions (5.1 writes the opposite turn).
final="$outdir/videos/VID_20250314_103012.mp4"
if ! exists "$final"; then
  tmp="$work/VID_20250314_103012.mp4"
  ffmpeg -nostdin -v error \
    -f lavfi -i "testsrc2=s=720x1280:r=30:d=4,$top_band,transpose=2" \
    -f lavfi -i "sine=frequency=1000:sample_rate=48000:duration=4" \
    "${x264[@]}" -g 30 -c:a aac -b:a 64k -ac 2 "${bitexact[@]}" \
    -metadata creation_time=2025-03-14T02:30:12.000000Z "$tmp"
  exiftool -q -overwrite_original -Rotation=90 "$tmp"
  publish "$tmp" "$final" "2025-03-14 10:30:16 +0800"
fi

# WhatsApp clip: small, no creation time in the container.
final="$outdir/videos/VID-20250314-WA0003.mp4"
if ! exists "$final"; then
  tmp="$work/VID-20250314-WA0003.mp4"
  ffmpeg -nostdin -v error \
    -f lavfi -i "smptehdbars=s=640x360:r=30:d=3,noise=alls=8:allf=t+u:all_seed=3" \
    -f lavfi -i "anoisesrc=color=pink:amplitude=0.1:sample_rate=44100:duration=3:seed=3" \
    "${x264[@]}" -profile:v main -g 60 -c:a aac -b:a 48k -ac 1 "${bitexact[@]}" \
    "$tmp"
  publish "$tmp" "$final" "2025-03-14 10:41:09 +0800"
fi

# ---- speech -----------------------------------------------------------------
#
# The leader's remarks at the event, for the hoax walkthrough in the README
# (`dokpim locate`): Indonesian speech from espeak-ng, sentence by sentence
# with pauses between them, over a slowly panned plasma picture. The
# sentence that matters is rendered word by word around "tidak", so
# speech/words.txt can say exactly when that word is spoken.
mkdir -p "$outdir/speech"
final="$outdir/speech/SAMBUTAN_BUPATI.mp4"
if ! exists "$final"; then
  sp="$work/speech"
  mkdir -p "$sp"
  say() { espeak-ng -v id -s 150 -w "$sp/$1.wav" "$2"; }
  say s1 "Selamat pagi bapak dan ibu sekalian, om swastiastu."
  say s2 "Hari ini kita berkumpul untuk membahas penanganan sampah di seluruh Kabupaten Badung."
  # the words around "tidak" without espeak's own silence, so words.txt is
  # exact and the 0.12 s pause between them is the only one
  word() {
    espeak-ng -v id -s 150 -w "$sp/$1.raw.wav" "$2"
    sox "$sp/$1.raw.wav" "$sp/$1.wav" silence 1 0.005 0.3% reverse silence 1 0.005 0.3% reverse
  }
  word w1 "Kami"
  word w2 "tidak"
  say w3 "akan menaikkan retribusi sampah tahun ini."
  say s4 "Setiap desa akan mendapat tempat pengolahan sampah terpadu sebelum akhir tahun."
  say s5 "Kami mengajak seluruh warga memilah sampah dari rumah masing-masing."
  say s6 "Terima kasih, om shanti shanti shanti om."
  sox -n -r 22050 -c 1 "$sp/p.wav" trim 0 0.7
  sox -n -r 22050 -c 1 "$sp/w.wav" trim 0 0.12
  sox "$sp/s1.wav" "$sp/p.wav" "$sp/s2.wav" "$sp/p.wav" "$sp/w1.wav" "$sp/w.wav" \
    "$sp/w2.wav" "$sp/w.wav" "$sp/w3.wav" "$sp/p.wav" "$sp/s4.wav" "$sp/p.wav" \
    "$sp/s5.wav" "$sp/p.wav" "$sp/s6.wav" "$sp/p.wav" "$sp/speech.wav"
  len() { soxi -D "$sp/$1.wav"; }
  t0=$(awk -v a="$(len s1)" -v b="$(len s2)" -v p="$(len p)" -v w="$(len w1)" \
    -v g="$(len w)" 'BEGIN { printf "%.2f", a + p + b + p + w + g }')
  t1=$(awk -v t="$t0" -v w="$(len w2)" 'BEGIN { printf "%.2f", t + w }')
  # a steady pan (no two moments of the picture alike, as in a handheld shot)
  "$im_convert" -seed 11 -size 4700x800 plasma:fractal "$sp/plasma.png"
  ffmpeg -nostdin -v error -loop 1 -framerate 25 -i "$sp/plasma.png" -i "$sp/speech.wav" \
    -vf "crop=1280:720:x='t*95':y='40+30*sin(t/3)',format=yuv420p" \
    "${x264[@]}" -g 50 -c:a aac -b:a 128k -ar 48000 -ac 2 -shortest "${bitexact[@]}" \
    -metadata creation_time=2025-03-14T01:40:00.000000Z -movflags +faststart "$work/speech.mp4"
  printf 'tidak %s %s\n' "$t0" "$t1" >"$work/words.txt"
  mv -f "$work/words.txt" "$outdir/speech/words.txt"
  publish "$work/speech.mp4" "$final" "2025-03-14 09:41:00 +0800"
fi

photos=$(find "$outdir/photos" -maxdepth 1 -type f | wc -l)
videos=$(find "$outdir/videos" "$outdir/speech" -maxdepth 1 -name '*.mp4' -o -maxdepth 1 -name '*.MP4' | wc -l)
size=$(du -sh "$outdir/photos" "$outdir/videos" | awk '{print $1}' | paste -sd/)
echo "make-samples: $outdir: $photos photos, $videos videos ($size) — $made made, $kept already there"
