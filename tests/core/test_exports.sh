#!/bin/bash
# The dokpim libraries export exactly what their headers mark, and plugins
# import none of the private part.
#
#   test_exports.sh --libs LIB.so... --public DIR... --private DIR...
#                   --modules DIR...
#
# DK_API declarations in the --public folders' headers are the plugin API;
# DK_PRIVATE_API ones in the --private folders' headers are exported for
# dokpim's own programs only. Fails on a symbol a library exports that
# neither marks (an unexpected export), on a marked declaration no library
# exports (a missing one), on a wrong marker in a folder, and on a module
# (*.so under the --modules folders) that imports a DK_PRIVATE_API symbol
# or a dk_ one that is not DK_API.
set -u
export LC_ALL=C

libs=() public=() private=() modules=()
list=
for arg in "$@"; do
    case $arg in
    --libs | --public | --private | --modules) list=${arg#--} ;;
    *)
        [ -n "$list" ] || {
            echo "usage: see the top of $0" >&2
            exit 2
        }
        eval "$list+=(\"\$arg\")"
        ;;
    esac
done
if [ ${#libs[@]} -eq 0 ] || [ ${#public[@]} -eq 0 ] ||
    [ ${#private[@]} -eq 0 ] || [ ${#modules[@]} -eq 0 ]; then
    echo "usage: see the top of $0" >&2
    exit 2
fi

work=$(mktemp -d) || exit 2
trap 'rm -rf "$work"' EXIT
failed=0
fail() {
    echo "FAIL: $*"
    failed=1
}

# marked_names MARK HEADER...: the names declared with MARK, one a line.
# Comments, preprocessor lines and __attribute__((...)) are dropped; each
# declaration runs to its ';' and its name is the last identifier before
# the parameter list (or before '[' / '=' / the end for a variable).
marked_names() {
    local mark=$1
    shift
    [ $# -gt 0 ] || return 0
    awk -v mark="$mark" '
        FNR == 1 { if (text != "") flush(); text = "" }
        {
            if (cont || $0 ~ /^[ \t]*#/) {
                cont = ($0 ~ /\\$/)
                next
            }
            text = text $0 "\n"
            file = FILENAME
        }
        END { flush() }
        function flush(    s, i, j, n, parts, k, decl, name) {
            s = text
            while ((i = index(s, "/*")) > 0) {
                j = index(substr(s, i + 2), "*/")
                s = substr(s, 1, i - 1) " " (j ? substr(s, i + 2 + j + 1) : "")
            }
            gsub(/__attribute__[ \t\n]*\(\(([^()]|\([^()]*\))*\)\)/, " ", s)
            n = split(s, parts, /[;{}]/)
            for (k = 1; k <= n; k++) {
                decl = " " parts[k] " "
                if (!match(decl, "[^A-Za-z0-9_]" mark "[^A-Za-z0-9_]"))
                    continue
                decl = substr(decl, RSTART + RLENGTH)
                if ((i = index(decl, "(")) > 0)
                    decl = substr(decl, 1, i - 1)
                sub(/[[=].*/, "", decl)
                if (match(decl, /[A-Za-z_][A-Za-z0-9_]*[ \t\n]*$/)) {
                    name = substr(decl, RSTART, RLENGTH)
                    gsub(/[ \t\n]/, "", name)
                    print name
                } else {
                    print "unparsed " mark " declaration in " file \
                        ": " parts[k] > "/dev/stderr"
                    bad = 1
                }
            }
        }
        END { exit bad }
    ' "$@"
}

headers() { # headers DIR...: the *.h directly in each folder
    find "$@" -maxdepth 1 -name '*.h' | sort
}

mapfile -t public_h < <(headers "${public[@]}")
mapfile -t private_h < <(headers "${private[@]}")
[ ${#public_h[@]} -gt 0 ] || fail "no headers in ${public[*]}"
[ ${#private_h[@]} -gt 0 ] || fail "no headers in ${private[*]}"

marked_names DK_API "${public_h[@]}" | sort >"$work/public.all" ||
    fail "a DK_API declaration could not be read"
marked_names DK_PRIVATE_API "${private_h[@]}" | sort >"$work/private.all" ||
    fail "a DK_PRIVATE_API declaration could not be read"
sort -u "$work/public.all" >"$work/public"
sort -u "$work/private.all" >"$work/private"

# A private marker in a public header would hand the symbol to plugins; a
# public one in a private header would be API nobody can include.
wrong=$(marked_names DK_PRIVATE_API "${public_h[@]}")
[ -z "$wrong" ] && wrong=$(marked_names DK_API "${private_h[@]}")
[ -z "$wrong" ] || fail "marker in the wrong kind of header:" $wrong
both=$(comm -12 "$work/public" "$work/private")
[ -z "$both" ] || fail "marked both DK_API and DK_PRIVATE_API:" $both
[ -s "$work/public" ] || fail "no DK_API declaration found"

# What the toolchain itself may add to a shared library's dynamic table
# (ASan's ODR indicators, the linker's section markers).
toolchain='^(_init|_fini|_edata|_end|__bss_start|__odr_asan[._].*)$'

: >"$work/exported"
for lib in "${libs[@]}"; do
    name=$(basename "$lib")
    if ! nm -D --defined-only "$lib" >"$work/nm" 2>"$work/nm.err"; then
        fail "nm $lib: $(cat "$work/nm.err")"
        continue
    fi
    # "ADDRESS TYPE NAME[@VERSION]"; A is a version node, not a symbol
    awk '$2 != "A" { sub(/@.*/, "", $3); print $3 }' "$work/nm" |
        grep -Ev "$toolchain" | sort -u >"$work/lib"
    unexpected=$(comm -23 "$work/lib" <(sort -u "$work/public" "$work/private"))
    [ -z "$unexpected" ] ||
        fail "$name exports symbols no header marks DK_API or" \
            "DK_PRIVATE_API:" $unexpected
    twice=$(comm -12 "$work/lib" "$work/exported")
    [ -z "$twice" ] || fail "$name exports what another library does:" $twice
    echo "$name: $(comm -12 "$work/lib" "$work/public" | wc -l) public," \
        "$(comm -12 "$work/lib" "$work/private" | wc -l) private exports"
    sort -u "$work/exported" "$work/lib" -o "$work/exported"
done

missing=$(comm -23 "$work/public" "$work/exported")
[ -z "$missing" ] || fail "declared DK_API but exported by no library:" $missing
missing=$(comm -23 "$work/private" "$work/exported")
[ -z "$missing" ] ||
    fail "declared DK_PRIVATE_API but exported by no library:" $missing

mapfile -t mods < <(find "${modules[@]}" -name '*.so' | sort)
[ ${#mods[@]} -gt 0 ] || fail "no plugin modules (*.so) in ${modules[*]}"
for mod in "${mods[@]}"; do
    if ! nm -D --undefined-only "$mod" >"$work/nm" 2>"$work/nm.err"; then
        fail "nm $mod: $(cat "$work/nm.err")"
        continue
    fi
    awk '{ sub(/@.*/, "", $2); print $2 }' "$work/nm" | sort -u >"$work/imports"
    used=$(comm -12 "$work/imports" "$work/private")
    [ -z "$used" ] ||
        fail "plugin $mod imports private (DK_PRIVATE_API) symbols:" $used
    # and nothing of dokpim's that is hidden (dlopen would refuse it)
    used=$(grep '^dk_' "$work/imports" | comm -23 - "$work/public" |
        comm -23 - "$work/private")
    [ -z "$used" ] || fail "plugin $mod imports symbols no header marks" \
        "DK_API:" $used
done
echo "checked the imports of ${#mods[@]} plugin modules against" \
    "$(wc -l <"$work/private") DK_PRIVATE_API declarations" \
    "($(wc -l <"$work/public") DK_API ones)"

exit $failed
