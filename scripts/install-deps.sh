#!/usr/bin/env bash
# Installs what dokpim needs to build, test and benchmark on Debian 12.
# Safe to re-run: apt-get skips what is already there.
set -euo pipefail

packages=(
  # build
  build-essential cmake pkg-config clang-format
  # fuzzing: clang with libFuzzer and the sanitizer runtimes (tests/fuzz)
  clang libclang-rt-14-dev
  # core
  libglib2.0-dev libjson-glib-dev check libssl-dev
  # C2PA manifests: CBOR
  libcbor-dev
  # photo
  libexif-dev libturbojpeg0-dev libjpeg62-turbo-dev libexempi-dev libiptcdata0-dev
  libcairo2-dev libpango1.0-dev libheif-dev
  # fonts so overlay text in Balinese, Arabic and other scripts shapes right
  fonts-noto-core
  # video
  libavformat-dev libavcodec-dev libavutil-dev
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev gstreamer1.0-tools
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  gstreamer1.0-plugins-ugly gstreamer1.0-libav
  # textoverlay (pango), for the gst-launch peer in bench/video/transcode
  gstreamer1.0-x
  # live: local RTMP ingest (and a TLS terminator for RTMPS) the live tests push to
  nginx libnginx-mod-rtmp libnginx-mod-stream openssl gstreamer1.0-alsa
  # independent judges and benchmark peers
  libimage-exiftool-perl ffmpeg imagemagick libvips-tools mediainfo
  librsvg2-bin hyperfine time bc
  libjpeg-turbo-progs
  # upload queue: SQLite, libcurl (HTTP, WebDAV, SFTP) and the real test servers
  libsqlite3-dev sqlite3 libcurl4-openssl-dev libssl-dev nginx-full
  libnginx-mod-http-dav-ext openssh-server
  # forensics: decoding and scaling for fingerprints; the test corpus's
  # speech (espeak-ng has an Indonesian voice) and sound; the benchmark's
  # peers (fpcalc from Chromaprint, ffmpeg's signature filter)
  libswresample-dev libswscale-dev libavfilter-dev espeak-ng sox
  libchromaprint-tools
  # many machines: the PostgreSQL queue (libpq; the tests initdb a server of
  # their own on loopback), faketime for the clock-skew trials, rsync for the
  # watch-folder trials, systemd-analyze to verify the shipped units
  postgresql libpq-dev faketime rsync systemd
  # tests/watch reads `dokpim watch --json` lines with jq
  jq
  # dokpim serve: the HTTP server, the QR code of its URL; the browser the tests/web tests drive
  libsoup-3.0-dev libqrencode-dev chromium
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
else
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The C2PA reference reader the tests judge signed files with, pinned by
# tests/c2pa/node/package-lock.json (Node 20 from the system packages).
if command -v npm > /dev/null; then
  (cd "$(dirname "$0")/../tests/c2pa/node" && npm ci --no-audit --no-fund --silent)
fi

# The browser driver of tests/web (playwright-core, pinned by its
# package-lock.json); it drives the Debian chromium, downloads no browser.
if command -v npm > /dev/null; then
  (cd "$(dirname "$0")/../tests/web" && npm ci --no-audit --no-fund --silent)
fi
