#!/bin/sh
# test-po-complete.sh SOURCE_DIR XGETTEXT MSGCAT PYTHON MSGMERGE MSGFMT ARGS...
# Every string marked in the sources has a translation in every .po: the
# template is made afresh from the sources (not the committed dokpim.pot,
# which may be stale), each .po merged with it in a temporary folder, and
# msgfmt -c --statistics must count no untranslated or fuzzy message (and
# no placeholder that differs from its msgid's).
set -eu
src=$1 xgettext=$2 msgcat=$3 python=$4 msgmerge=$5 msgfmt=$6
shift 6
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sh "$src/po/make-pot.sh" "$src" "$tmp/dokpim.pot" "$xgettext" "$msgcat" "$python" "$@"
status=0
grep -v -e '^#:' -e '^"POT-Creation-Date' "$src/po/dokpim.pot" >"$tmp/committed.pot"
for lang in $(grep -v '^#' "$src/po/LINGUAS"); do
    "$msgmerge" --quiet --no-fuzzy-matching -o "$tmp/$lang.po" "$src/po/$lang.po" "$tmp/dokpim.pot"
    stats=$(LC_ALL=C "$msgfmt" -c --statistics -o /dev/null "$tmp/$lang.po" 2>&1) || {
        echo "FAIL $lang.po: msgfmt -c: $stats"
        status=1
        continue
    }
    echo "$lang.po: $stats"
    case $stats in
    *untranslated* | *fuzzy*)
        echo "FAIL $lang.po: not every marked string is translated; run"
        echo "  cmake --build build --target pot, then translate po/$lang.po"
        LC_ALL=C "$msgmerge" --quiet --no-fuzzy-matching "$src/po/$lang.po" "$tmp/dokpim.pot" -o - |
            awk '/^msgid /{id=$0} /^msgstr ""$/{getline n; if (n == "") print "  untranslated: " id}' | head -20
        status=1
        ;;
    esac
    # the committed template must hold the sources' messages, so translators
    # work on what the code says today (source line numbers may drift: an
    # edit elsewhere in a file does not make it stale)
    strip() { grep -v -e '^#:' -e '^"POT-Creation-Date' "$1"; }
    if ! strip "$tmp/dokpim.pot" | cmp -s - "$tmp/committed.pot"; then
        echo "FAIL po/dokpim.pot is stale: cmake --build build --target pot"
        status=1
    fi
done
exit $status
