#!/usr/bin/env bash
# The systemd units as `cmake --install` writes them: configured for a
# prefix, installed there beside the dokpim binary they start, judged by
# systemd-analyze verify (any line it prints about a unit fails the test)
# and systemd-analyze security (the exposure score must stay low).
#   test_units.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1
build=$2
max_exposure=2.0

T=$(mktemp -d "${TMPDIR:-/tmp}/dokpim-units-XXXXXX")
trap 'rm -rf "$T"' EXIT
prefix=$T/prefix
fail() { echo "test_units: $*" >&2; exit 1; }

# The tested build installed into the prefix: the binary the units start
# (its own units name the prefix it was configured for, and are replaced
# next).
cmake --install "$build" --prefix "$prefix" >/dev/null
# A tree configured for the prefix, so that ExecStart= names $prefix/bin;
# only its systemd component is installed.
cmake -S "$src" -B "$T/build" -DCMAKE_INSTALL_PREFIX="$prefix" \
  -DDOKPIM_TESTS=OFF >"$T/configure.log" 2>&1 ||
  { cat "$T/configure.log" >&2; fail "configure failed"; }
cmake --install "$T/build" --component systemd >/dev/null

units=$prefix/lib/systemd/system
[ -x "$prefix/bin/dokpim" ] || fail "no $prefix/bin/dokpim"
[ -f "$prefix/lib/sysusers.d/dokpim.conf" ] || fail "no sysusers.d/dokpim.conf"
[ -f "$prefix/share/dokpim/systemd/watch-example.conf" ] ||
  fail "no watch-example.conf"

for unit in dokpim-work@.service dokpim-watch@.service; do
  file=$units/$unit
  [ -f "$file" ] || fail "$unit not installed in $units"
  grep -q "^ExecStart=$prefix/bin/dokpim " "$file" ||
    fail "$unit: ExecStart does not start $prefix/bin/dokpim"
  # what the issue asks of every service
  for setting in User=dokpim Restart=on-failure ProtectSystem=strict \
    NoNewPrivileges=yes PrivateTmp=yes ProtectHome=yes LockPersonality=yes \
    'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6' KillSignal=SIGINT \
    TimeoutStopSec= ReadWritePaths=; do
    grep -q "^$setting" "$file" || fail "$unit: no $setting"
  done
  out=$(systemd-analyze verify "$file" 2>&1) || fail "$unit: verify: $out"
  [ -z "$out" ] || fail "$unit: systemd-analyze verify says: $out"
  report=$(systemd-analyze security --offline=yes "$file" 2>&1) ||
    fail "$unit: security: $report"
  score=$(printf '%s\n' "$report" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
  [ -n "$score" ] || fail "$unit: no exposure score in: $report"
  echo "$unit: exposure $score"
  awk -v s="$score" -v m="$max_exposure" 'BEGIN { exit !(s <= m) }' ||
    fail "$unit: exposure $score is above $max_exposure: $report"
  # the subcommand the unit runs must be one this dokpim has
  command=$(sed -n "s|^ExecStart=$prefix/bin/dokpim \([a-z]*\) .*|\1|p" "$file")
  if ! "$prefix/bin/dokpim" --help | grep -q "^  $command "; then
    echo "test_units: $file runs dokpim $command, which this dokpim does not have" >&2
    exit 1
  fi
done

# The check can fail: the same unit starting a binary that is not there,
# and one with a misspelt setting, must each make verify speak.
sed "s|^ExecStart=$prefix/bin/dokpim|ExecStart=$T/missing/dokpim|" \
  "$units/dokpim-work@.service" >"$T/dokpim-broken@.service"
out=$(systemd-analyze verify "$T/dokpim-broken@.service" 2>&1) || true
printf '%s' "$out" | grep -q "not executable" ||
  fail "verify did not notice a missing binary: $out"
sed 's/^ProtectSystem=strict/ProtectSytem=strict/' \
  "$units/dokpim-watch@.service" >"$T/dokpim-typo@.service"
out=$(systemd-analyze verify "$T/dokpim-typo@.service" 2>&1) || true
printf '%s' "$out" | grep -q "Unknown key" ||
  fail "verify did not notice a misspelt setting: $out"

# The system user's file as systemd-sysusers reads it.
mkdir -p "$T/root"
out=$(systemd-sysusers --dry-run --root="$T/root" \
  "$prefix/lib/sysusers.d/dokpim.conf" 2>&1) || fail "sysusers: $out"
printf '%s' "$out" | grep -q "Creating user 'dokpim'" ||
  fail "sysusers would not create dokpim: $out"
echo "test_units: ok"
