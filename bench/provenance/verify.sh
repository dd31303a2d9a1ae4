#!/usr/bin/env bash
# `dokpim verify` against the C2PA reference reader (c2pa-rs compiled to
# WebAssembly, @contentauth/c2pa-wasm 0.15.0 in Node: tests/c2pa/judge.sh)
# validating the same signed JPEGs with the same trust anchor, in the same
# run: each is one process over all the files, as a user would call it.
# Both must agree first (every file intact and trusted); then the timings.
#
#   bench/provenance/verify.sh [BUILD]     N=8 SIZE=6000x4000 REPS=5
#   (N signed copies of one SIZE noise JPEG, about 24 MP each)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
die() { echo "bench/provenance/verify.sh: $*" >&2; exit 2; }
bench_build_dir "${1:-$root/build}"
bench_need_dokpim
bench_not_sanitized
bench_need_tools node openssl
signer=$build/core/c2pa/dk-c2pa-sign
[ -x "$signer" ] || die "no $signer: build with DOKPIM_TESTS"
N=${N:-8}; SIZE=${SIZE:-6000x4000}; REPS=${REPS:-5}
bench_workdir verify

mkdir -p "$work/keys" "$work/in"
sh "$root/tests/c2pa/make-test-ca.sh" "$work/keys" >>"$work/log" 2>&1
/usr/bin/convert -size "$SIZE" xc:gray +noise Random -quality 90 "$work/photo.jpg"
parent=$(sha256sum "$work/photo.jpg" | cut -c1-64)
for i in $(seq 1 "$N"); do
  "$signer" "$work/photo.jpg" "$work/in/signed$i.jpg" \
    "$work/keys/signing-key.pem" "$work/keys/signing-chain.pem" "$parent"
done
files=("$work"/in/*.jpg)
bytes=$(stat -c %s "${files[@]}" | awk '{ s += $1 } END { print s }')
anchor=$work/keys/ca-cert.pem

# the verdicts first: both say every file is intact and trusted
"$dokpim" verify --trust "$anchor" "${files[@]}" >"$work/ours" ||
  die "dokpim verify does not find every file intact and trusted: $(head -3 "$work/ours")"
sh "$root/tests/c2pa/judge.sh" --trust "$anchor" "${files[@]}" >"$work/theirs"
trusted=$(grep -c '"state":"Trusted","failures":\[\]' "$work/theirs" || true)
[ "$trusted" = "$N" ] || die "the reference trusts $trusted of $N files"
cat "${files[@]}" >/dev/null # page cache warm for both

ours() { "$dokpim" verify --trust "$anchor" "${files[@]}"; }
theirs() { node "$root/tests/c2pa/node/judge.mjs" --trust "$anchor" "${files[@]}"; }
bench_measure reference : theirs
bench_measure dokpim : ours
mb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }')

printf '%-44s %9s %9s %8s\n' contender "median s" "CPU s" "MB/s"
printf '%-44s %9.3f %9.3f %8.0f\n' "reference reader (c2pa-wasm 0.15.0, Node)" \
  "${bench_wall[reference]}" "${bench_cpu[reference]}" "$(bench_ratio "$mb" "${bench_wall[reference]}" %.0f)"
printf '%-44s %9.3f %9.3f %8.0f\n' "dokpim verify" \
  "${bench_wall[dokpim]}" "${bench_cpu[dokpim]}" "$(bench_ratio "$mb" "${bench_wall[dokpim]}" %.0f)"
echo
echo "dokpim verify / reference reader: $(bench_ratio "${bench_wall[reference]}" "${bench_wall[dokpim]}")x faster (goal >= 3x)"
echo "($N files, $mb MB, $SIZE noise JPEGs signed by dk-c2pa-sign; both agree: all intact" \
  "and trusted; one process each over all files; page cache warm; $(nproc) cores;" \
  "load $(cut -d' ' -f1 /proc/loadavg); lower medians of $REPS)"
echo "runs (s): reference ${bench_runs[reference]}; dokpim ${bench_runs[dokpim]}"
