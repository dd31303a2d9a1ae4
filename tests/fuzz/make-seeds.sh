#!/usr/bin/env bash
# Generates the fuzz harnesses' seed corpora into OUT/<harness>/: small
# valid JPEGs with EXIF, XMP, IPTC (ImageMagick + exiftool), MP4/MOV heads
# (ffmpeg), the repository's pipelines and event, sample HTTP answers.
# Nothing binary is committed; re-running with an unchanged script and
# inputs does nothing.
#   tests/fuzz/make-seeds.sh OUT
set -euo pipefail
out=${1:?usage: make-seeds.sh OUT}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

stamp=$(cat "$0" "$here/forensics_seeds.py" "$root"/pipelines/*.conf "$root/assets/sample-event/event.ini" |
  sha256sum | cut -c1-64)
if [ -f "$out/.stamp" ] && [ "$(cat "$out/.stamp")" = "$stamp" ]; then
  exit 0
fi
rm -rf "$out"
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# ---- JPEGs: jpeg_segments, ingest_photo, stamp_exif ----
jpegs=$out/jpeg
mkdir -p "$jpegs"
convert -size 16x16 gradient:red-blue -quality 60 "$jpegs/plain.jpg"
convert -size 16x8 gradient:white-black -colorspace Gray -quality 60 \
  "$jpegs/grey.jpg"
convert -size 16x16 plasma:fractal -seed 1 -interlace JPEG -quality 50 \
  "$jpegs/progressive.jpg"
convert -size 8x8 xc:orange -colorspace CMYK -quality 50 "$jpegs/cmyk.jpg"
convert -size 16x16 gradient:green-yellow -sampling-factor 2x2 \
  -define jpeg:restart-interval=1 -quality 60 "$jpegs/restart.jpg"
cp "$jpegs/plain.jpg" "$jpegs/camera.jpg"
exiftool -q -overwrite_original -Make=Canon -Model="Canon EOS R6" \
  -DateTimeOriginal="2025:03:14 10:15:00" -OffsetTimeOriginal=+08:00 \
  -SubSecTimeOriginal=25 -Orientation#=6 -GPSLatitude=8.65 \
  -GPSLatitudeRef=S -GPSLongitude=115.2 -GPSLongitudeRef=E \
  -GPSAltitude=12 -GPSAltitudeRef#=1 -Artist="Made" "$jpegs/camera.jpg"
cp "$jpegs/progressive.jpg" "$jpegs/all-blocks.jpg"
exiftool -q -overwrite_original -Make=NIKON -Model="NIKON Z 6" \
  -DateTimeOriginal="2024:09:02 14:11:22" -XMP-dc:Title=Rapat \
  -XMP-dc:Subject=Bali -XMP-photoshop:City=Denpasar \
  -XMP-exif:GPSLatitude=8.65 -IPTC:Keywords=Bali -IPTC:Keywords=rapat \
  -IPTC:City=Denpasar -IPTC:Caption-Abstract="Rapat koordinasi" \
  -IPTC:CodedCharacterSet=UTF8 -Comment="a comment" "$jpegs/all-blocks.jpg"
cp "$jpegs/grey.jpg" "$jpegs/iptc-latin1.jpg"
exiftool -q -q -overwrite_original -charset iptc=Latin -IPTC:City="Br$(printf '\xfc')ssel" \
  -IPTC:ObjectName=Rapat "$jpegs/iptc-latin1.jpg"
cp "$jpegs/cmyk.jpg" "$jpegs/thumbnail.jpg"
exiftool -q -overwrite_original "-ThumbnailImage<=$jpegs/grey.jpg" \
  -Make=Apple -Model="iPhone 15" "$jpegs/thumbnail.jpg"
for harness in jpeg_segments c2pa_jpeg c2pa_read ingest_photo stamp_exif; do
  mkdir -p "$out/$harness"
  cp "$jpegs"/*.jpg "$out/$harness/"
done
# a file name with a capture time, for ingest's name fallback
mkdir -p "$out/exif"
for f in camera all-blocks thumbnail; do
  exiftool -q -b -exif "$jpegs/$f.jpg" > "$out/exif/$f.tiff"
done
rm -rf "$jpegs"

# ---- MP4 / MOV: mp4_boxes ----
mkdir -p "$out/mp4_boxes"
clip() {
  ffmpeg -loglevel error -y -f lavfi -i testsrc=size=32x32:rate=2 -t 1 \
    -c:v mpeg4 -q:v 31 "$@"
}
clip -metadata location="+08.6500+115.2000+012.0/" "$work/clip.mp4"
clip "$work/clip.mov"
clip -movflags frag_keyframe+empty_moov "$work/fragmented.mp4"
clip -movflags faststart "$work/faststart.mp4"
for f in clip.mp4 clip.mov fragmented.mp4 faststart.mp4; do
  cp "$work/$f" "$out/mp4_boxes/$f"
done
head -c 600 "$work/clip.mp4" > "$out/mp4_boxes/cut.mp4"
printf '%s' "+37.7858-122.4064+012.3/" > "$out/mp4_boxes/iso6709-altitude.txt"
printf '%s' "+0839-11512/" > "$out/mp4_boxes/iso6709-minutes.txt"
printf '%s' "-083900.5+1151200.25CRSWGS_84/" > "$out/mp4_boxes/iso6709-seconds.txt"

# ---- file names: capture_name ----
mkdir -p "$out/capture_name"
n=0
for name in "WhatsApp Image 2024-09-02 at 14.11.22.jpeg" \
  "Screenshot 2024-09-02 at 2.11.22$(printf '\xe2\x80\xaf')PM.png" \
  "IMG-20240902-WA0012.jpg" "PXL_20240902_061122123.jpg" \
  "/media/card/DCIM/IMG_20240902_141122.jpg" "20240902_141122.mp4" \
  "Screenshot_2024-09-02-14-11-22-123_com.whatsapp.jpg" \
  "2024-09-02 14.11.22.jpg" "VID_20240230_250000.mp4"; do
  n=$((n + 1))
  printf '%s' "$name" > "$out/capture_name/name-$n"
done

# ---- configs: pipeline, event, template ----
mkdir -p "$out/pipeline" "$out/event" "$out/template"
cp "$root/assets/sample-event/event.ini" "$out/event/sample.ini"
cat > "$out/event/minimal.ini" <<'INI'
[event]
title=Rapat
date=2024-09-02
INI
cat > "$out/event/bad-zone.ini" <<'INI'
# a comment
[event]
title=Upacara Bendera 17 Agustus
date=2024-08-17
timezone=Asia/Jakarta
language=en-US
tags=upacara;HUT RI
INI
for conf in "$root"/pipelines/*.conf; do
  cp "$conf" "$out/pipeline/$(basename "$conf")"
  # the harness's plugins stand in for the shipped ones
  sed -e 's/^plugin=ingest\..*/plugin=ingest.fuzz/' \
    -e 's/^plugin=live\..*/plugin=live.fuzz/' \
    -e 's/^plugin=\(stamp\|watermark\|transcode\|thumbnail\|upload\|example\)\..*/plugin=stamp.fuzz/' \
    "$conf" > "$out/pipeline/fuzz-$(basename "$conf")"
  grep -o '=.*{.*' "$conf" | cut -c2- | while IFS= read -r value; do
    n=$((n + 1))
    printf '%s' "$value" > "$out/template/$(basename "$conf" .conf)-$n"
  done || true
done
cat > "$out/pipeline/all-options.conf" <<'INI'
[pipeline]
name=fuzz
description=every option type
stages=ingest;stamp

[ingest]
plugin=ingest.fuzz
clock-offsets=Canon EOS R6=+00:05:30;NIKON Z 6=-90

[stamp]
plugin=stamp.fuzz
label=hello
caption={event.title} — {date:%d %B %Y} #{seq:04} {camera.model:upper}
output={date:%Y}/{event.slug}/{original.stem}-{seq:03}.jpg
logo=logo.png
enabled=false
count=4
ratio=0.25
scale=-3.5e2
mode=slow
words=a;b;c
target=web
token=s3cret
%%
stamp.count=6
stamp.mode=fast
INI
printf '%s' '{{literal}} {event.city:lower} {capture.time:%H:%M} {original.ext}' \
  > "$out/template/braces"

# ---- server answers: http, oauth, youtube ----
mkdir -p "$out/http" "$out/oauth" "$out/youtube"
answer() { # FOLDER NAME STATUS-LINE HEADERS BODY
  printf '%s\r\n%b\r\n%s' "$3" "$4" "$5" > "$out/$1/$2"
}
answer http location 'HTTP/1.1 200 OK' \
  'Location: https://user:pw@www.googleapis.com/upload/youtube/v3/videos?upload_id=abc#frag\r\nContent-Length: 0\r\n' ''
answer http continue 'HTTP/1.1 100 Continue' '\r\nHTTP/1.1 201 Created\r\nContent-Type: text/plain\r\nRange: bytes=0-99\r\n' \
  '2024/rapat-koordinasi/IMG 0001.jpg'
answer oauth token '200' 'Content-Type: application/json\r\n' \
  '{"access_token":"ya29.a0","expires_in":3599,"scope":"https://www.googleapis.com/auth/youtube.upload","token_type":"Bearer"}'
answer oauth revoked '400' 'Content-Type: application/json\r\n' \
  '{"error":"invalid_grant","error_description":"Token has been expired or revoked."}'
answer oauth device '200' 'Content-Type: application/json\r\n' \
  '{"device_code":"AH-1Ng","user_code":"GQVQ-JKEC","verification_url":"https://www.google.com/device","expires_in":1800,"interval":5}'
answer oauth pending '428' 'Content-Type: application/json\r\n' \
  '{"error":"authorization_pending","error_description":"Precondition Required"}'
answer oauth granted '200' 'Content-Type: application/json\r\n' \
  '{"access_token":"ya29","refresh_token":"1//0g","expires_in":"3599"}'
answer youtube session '200' 'Location: https://www.googleapis.com/upload/youtube/v3/videos?upload_id=xyz\r\nContent-Length: 0\r\n' ''
answer youtube incomplete '308' 'Range: bytes=0-262143\r\nContent-Length: 0\r\n' ''
answer youtube done '201' 'Content-Type: application/json; charset=UTF-8\r\n' \
  '{"kind":"youtube#video","id":"dQw4w9WgXcQ","snippet":{"title":"Rapat"},"status":{"uploadStatus":"uploaded"}}'
answer youtube quota '403' 'Content-Type: application/json; charset=UTF-8\r\n' \
  '{"error":{"code":403,"message":"The request cannot be completed because you have exceeded your quota.","errors":[{"message":"quota","domain":"youtube.quota","reason":"quotaExceeded"}]}}'
answer youtube processing '200' 'Content-Type: application/json\r\n' \
  '{"items":[{"id":"dQw4w9WgXcQ","status":{"uploadStatus":"failed","failureReason":"codec","privacyStatus":"private"},"processingDetails":{"processingStatus":"terminated","processingFailureReason":"other"}}]}'
answer youtube empty-list '200' 'Content-Type: application/json\r\n' '{"items":[]}'
answer youtube string-error '401' 'Content-Type: application/json\r\n' '{"error":"invalid_token"}'
# ---- BagIt manifests, bag-info.txt and manifest paths: bag ----
# the first byte picks the parser (0 manifest, 1 bag-info, 2 path)
mkdir -p "$out/bag"
printf '\000%s  %s\n%s *%s\r\n%s  %s\n' \
  e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 'data/originals/e3/e3b0.jpg' \
  5feceb66ffc86f38d952786c6d696c79c2dbc239dd4e91b46729d73a27fb57e9 'data/derived/web/IMG 0001%0A.jpg' \
  abc '../../etc/passwd' > "$out/bag/manifest"
printf '\001%s\n%s\n  %s\n%s\n' 'Source-Organization: Bagian Prokompim Setda Kabupaten Badung' \
  'External-Description: Rapat Koordinasi Penanganan Sampah' 'Se-Kabupaten Badung — 2025-03-14' \
  'Payload-Oxum: 12345.6' > "$out/bag/info"
printf '\002%s' 'data/originals/ab/a%25b%0D%0A%zz%4' > "$out/bag/path"

# ---- print files and index segments: print_parse, index_segment ----
/usr/bin/python3 "$here/forensics_seeds.py" "$out"

echo "$stamp" > "$out/.stamp"
