#!/bin/sh
# Archives a generated corpus's originals into one library, each with its
# own event file, so `dokpim locate` has something to find:
#
#   archive.sh DOKPIM PIPELINE CORPUS LIBRARY [dokpim run options...]
#
# e.g. archive.sh build/dokpim pipelines/archive-batch.conf /tmp/corpus
# /tmp/lib -q. The originals are listed in CORPUS/meta/events.tsv (event
# file, original), written by corpus.py; distractors are never archived.
set -eu
if [ $# -lt 4 ]; then
    echo "usage: $0 DOKPIM PIPELINE CORPUS LIBRARY [run options...]" >&2
    exit 2
fi
dokpim=$1 pipeline=$2 corpus=$3 library=$4
shift 4
list="$corpus/meta/events.tsv"
[ -r "$list" ] || { echo "$0: no $list (run corpus.py first)" >&2; exit 2; }
tab=$(printf '\t')
while IFS="$tab" read -r event original; do
    "$dokpim" run "$pipeline" --event "$corpus/$event" -o "$library" "$@" \
        "$corpus/$original"
done < "$list"
