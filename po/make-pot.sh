#!/bin/sh
# make-pot.sh SOURCE_DIR OUT.pot XGETTEXT MSGCAT PYTHON XGETTEXT_ARGS...
# The C sources' strings (po/POTFILES.in) and the web pages' (msgctxt "web")
# in one template, written to a temporary name and renamed into place.
set -eu
src=$1 out=$2 xgettext=$3 msgcat=$4 python=$5
shift 5
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
grep -v '^#' "$src/po/POTFILES.in" | grep . >"$tmp/files"
(cd "$src" && "$xgettext" "$@" --files-from="$tmp/files" -o "$tmp/c.pot")
# the sources are UTF-8 (em dashes in messages); xgettext leaves CHARSET
sed -i "s/charset=CHARSET/charset=UTF-8/" "$tmp/c.pot"
"$python" "$src/web/i18n/po_web.py" extract "$src/web" "$tmp/web.pot"
"$msgcat" --no-wrap --use-first "$tmp/c.pot" "$tmp/web.pot" -o "$out.tmp"
mv "$out.tmp" "$out"
