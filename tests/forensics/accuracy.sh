#!/bin/sh
# The issue's accuracy figures, as a test: builds the SMALL corpus in
# CORPUS (kept between runs: corpus.py finishes what is missing), checks
# it against its truth.json, archives
# its originals with ingest.video + fingerprint.media into a fresh library,
# runs `dokpim locate --json` on every clip and distractor, and scores it
# against truth.json with the thresholds given after the folders.
#
#   accuracy.sh DOKPIM CORPUS WORK [--require METRIC=VALUE]...
set -eu
if [ $# -lt 3 ]; then
    echo "usage: $0 DOKPIM CORPUS WORK [score.py options...]" >&2
    exit 2
fi
dokpim=$1 corpus=$2 work=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
python=/usr/bin/python3
"$python" "$here/corpus.py" "$corpus" --size SMALL
# the media are what truth.json says (durations, streams, sound offsets)
"$python" "$here/check_corpus.py" "$corpus"
rm -rf "$work"
mkdir -p "$work"
cat >"$work/archive.conf" <<'CONF'
[pipeline]
name=Archive with prints
stages=ingest;fingerprint

[ingest]
plugin=ingest.video

[fingerprint]
plugin=fingerprint.media
CONF
sh "$here/archive.sh" "$dokpim" "$work/archive.conf" "$corpus" \
    "$work/library" -q
"$python" "$here/score.py" "$corpus" --dokpim "$dokpim" \
    --library "$work/library" --save "$work/locate.json" \
    --summary-json "$work/summary.json" "$@"
