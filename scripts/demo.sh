#!/usr/bin/env bash
# The main job on the bundled sample event, from a fresh Debian 12 machine:
# installs the packages, builds dokpim, generates the sample photos and
# clips, and runs the event's photo and video pipelines. Safe to re-run:
# finished work is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo > build.configure.log 2>&1 ||
  { cat build.configure.log; exit 1; }
cmake --build build -j "$(nproc)" > build.log 2>&1 || { tail -50 build.log; exit 1; }

bash assets/make-samples.sh samples

dokpim=$root/build/core/dokpim
event=$root/assets/sample-event/event.ini
library=$root/dokpim-library/sample-event
status=0
"$dokpim" run pipelines/event-photos.conf --event "$event" -o "$library" samples/photos || status=$?
"$dokpim" run pipelines/event-video.conf --event "$event" -o "$library" samples/videos samples/speech/SAMBUTAN_BUPATI.mp4 || status=$?

echo
echo "Sample event processed. Outputs:"
echo "  originals (read-only, by sha256): $library/originals"
for stage in "$library"/derived/*/; do
  [ -d "$stage" ] || continue
  printf '  %-34s %s files\n' "${stage#"$root"/}" "$(find "$stage" -type f ! -name '.*' | wc -l)"
done
exit $status
