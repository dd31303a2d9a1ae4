#!/bin/bash
# `dokpim watch` end to end: the real binary on real folders, files landing
# the ways they land (slow copies, renames into place, rsync, folders moved
# in, a thousand at once, a watcher killed and restarted).
#
#   test_watch.sh DOKPIM SOURCE_DIR SCENARIO
#
# Every wait has a deadline; every watcher started is killed on exit.
set -euo pipefail

DOKPIM=$1
SRC=$2
SCENARIO=$3
PY=/usr/bin/python3
EVENT=$SRC/assets/sample-event/event.ini
PIPE=$SRC/tests/watch/photos.conf
T=$(mktemp -d "${TMPDIR:-/tmp}/dk-watch-XXXXXX")
IN=$T/in
LIB=$T/lib
mkdir -p "$IN"
WATCHERS=()
LOG=

PGDIR=
cleanup() {
    for pid in "${WATCHERS[@]}"; do
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    [ -z "$PGDIR" ] || sh "$SRC/tests/servers/postgres.sh" stop "$PGDIR" || true
    rm -rf "$T"
}
trap cleanup EXIT

fail() {
    echo "FAIL [$SCENARIO]: $*" >&2
    if [ -n "$LOG" ]; then
        echo "--- watcher stderr ($LOG.err) ---" >&2
        tail -n 40 "$LOG.err" >&2 || true
    fi
    exit 1
}

# wait_for SECONDS WHAT COMMAND...: polls COMMAND every 0.1 s
wait_for() {
    local limit=$1 what=$2
    shift 2
    local end=$((SECONDS + limit))
    until "$@"; do
        [ $SECONDS -lt $end ] || fail "timed out after ${limit}s waiting for $what"
        sleep 0.1
    done
}

# start_watcher NAME [OPTIONS...]: the watcher's JSON lines go to
# $T/NAME.json, its stderr to $T/NAME.err; returns once it watches.
start_watcher() {
    local name=$1
    shift
    LOG=$T/$name
    "$DOKPIM" watch "$PIPE" --event "$EVENT" -o "$LIB" --json "$@" "$IN" \
        >"$LOG.json" 2>"$LOG.err" &
    WATCHER=$!
    WATCHERS+=("$WATCHER")
    wait_for 20 "the watcher to start" grep -qs "dokpim: watching" "$LOG.err"
}

# stop_watcher [SIGNAL]: SIGINT by default; returns its exit status in RC
stop_watcher() {
    local sig=${1:-INT}
    kill -"$sig" "$WATCHER"
    local end=$((SECONDS + 30))
    while kill -0 "$WATCHER" 2>/dev/null; do
        [ $SECONDS -lt $end ] || fail "the watcher did not stop after SIG$sig"
        sleep 0.1
    done
    RC=0
    wait "$WATCHER" || RC=$?
}

# how many JSON item lines have this status (any input) in FILE
count_status() {
    jq -r --arg s "$2" 'select(.type == "item" and .item.status == $s) | .item.input' "$1" | wc -l
}

# how many JSON item lines name INPUT with STATUS in FILE
count_input() {
    jq -r --arg i "$2" --arg s "$3" \
        'select(.type == "item" and .item.input == $i and .item.status == $s) | .item.input' "$1" | wc -l
}

has_done() { [ "$(count_input "$LOG.json" "$1" done)" -ge 1 ]; }
done_at_least() { [ "$(count_status "$LOG.json" done)" -ge "$1" ]; }

# the library original of each done input holds exactly the source's bytes
check_originals() {
    local json=$1
    jq -r 'select(.type == "item" and .item.status == "done") | "\(.item.input)\t\(.item.original)"' "$json" |
        while IFS=$'\t' read -r input original; do
            [ -f "$original" ] || fail "$input: no original in the library"
            [ "$(sha256sum <"$input")" = "$(sha256sum <"$original")" ] ||
                fail "$input: the library's original differs from the source (taken early?)"
        done
}

# every output a manifest records exists, and no path is recorded twice
check_manifests() {
    local listed=$T/listed
    cat "$LIB"/items/*.ini | sed -n 's/^path\.[0-9]*=//p' | sort >"$listed"
    [ -z "$(uniq -d "$listed")" ] || fail "an output is recorded by two items: $(uniq -d "$listed" | head -3)"
    while read -r rel; do
        [ -f "$LIB/$rel" ] || fail "recorded output missing: $rel"
    done <"$listed"
}

make_base() {
    /usr/bin/convert -size 96x64 plasma:fractal -quality 80 "$T/base.jpg"
}

scenario_names() {
    # a copy through one descriptor, pausing three settle times between
    # chunks; renames into place from the copy tools' temporary names
    make_base
    start_watcher w --settle 0.4 --rescan 1
    $PY "$SRC/tests/watch/make_photos.py" "$T/base.jpg" "$IN" slow 1 --slow 4 1.2 &
    local writer=$!
    sleep 2.5 # two pauses in: size and mtime have stood still > settle
    [ "$(count_status "$LOG.json" done)" -eq 0 ] || fail "a half-written file was taken"
    wait $writer
    wait_for 10 "the slow file" has_done "$IN/slow0000.jpg"

    $PY "$SRC/tests/watch/make_photos.py" "$T/base.jpg" "$T/stage" t 5
    cp "$T/stage/t0000.jpg" "$IN/t0000.jpg.part"
    cp "$T/stage/t0001.jpg" "$IN/t0001.jpg.crdownload"
    cp "$T/stage/t0002.jpg" "$IN/.t0002.jpg.Xa9Zq2" # rsync's temporary
    cp "$T/stage/t0003.jpg" "$IN/~\$t0003.jpg"
    sleep 2 # settle four times over and a rescan
    if jq -r 'select(.type == "item") | .item.input' "$LOG.json" | grep -q '/t000'; then
        fail "a temporary name was taken: $(jq -r 'select(.type == "item") | .item.input' "$LOG.json" | grep '/t000')"
    fi
    mv "$IN/t0000.jpg.part" "$IN/t0000.jpg"
    mv "$IN/t0001.jpg.crdownload" "$IN/t0001.jpg"
    mv "$IN/.t0002.jpg.Xa9Zq2" "$IN/t0002.jpg"
    wait_for 10 "the renamed files" done_at_least 4
    # rsync itself, slowed so its temporary lives a few settle times
    dd if=/dev/urandom bs=1k count=40 2>/dev/null >"$T/pad"
    cat "$T/stage/t0004.jpg" "$T/pad" >"$T/stage/big.jpg"
    rsync --bwlimit=20 "$T/stage/big.jpg" "$IN/"
    wait_for 10 "the rsync copy" has_done "$IN/big.jpg"
    stop_watcher
    [ "$RC" -eq 0 ] || fail "exit status $RC after SIGINT"
    [ "$(count_status "$LOG.json" done)" -eq 5 ] || fail "expected 5 done, got $(count_status "$LOG.json" done)"
    [ "$(jq -r 'select(.type == "item") | .item.input' "$LOG.json" | sort | uniq -d | wc -l)" -eq 0 ] ||
        fail "an input was processed twice"
    [ -f "$IN/~\$t0003.jpg" ] && ! grep -q 't0003' "$LOG.json" || fail "~\$ name taken"
    check_originals "$LOG.json"
    check_manifests
}

scenario_folder() {
    # a folder moved in with files already inside (two levels), then a file
    # written into its subfolder later: the new folders are watched. The
    # rescan is far off, so inotify alone must find them.
    make_base
    $PY "$SRC/tests/watch/make_photos.py" "$T/base.jpg" "$T/card/DCIM/100CANON" a 3
    $PY "$SRC/tests/watch/make_photos.py" "$T/base.jpg" "$T/card" b 2
    start_watcher w --settle 0.3 --rescan 600
    mv "$T/card" "$IN/card"
    wait_for 10 "the moved-in folder's 5 files" done_at_least 5
    $PY "$SRC/tests/watch/make_photos.py" "$T/base.jpg" "$IN/card/DCIM/100CANON" late 1
    mkdir -p "$IN/new/deeper"
    $PY "$SRC/tests/watch/make_photos.py" "$T/base.jpg" "$IN/new/deeper" fresh 1
    wait_for 10 "files in the folders made after start" done_at_least 7
    stop_watcher
    [ "$RC" -eq 0 ] || fail "exit status $RC"
    check_originals "$LOG.json"
    check_manifests
}

scenario_many() {
    # a thousand small files at once: all processed, once each, in a few runs
    make_base
    start_watcher w --settle 0.5 --rescan 600 --batch-wait 1 --quiet
    local t0=$(date +%s.%N)
    $PY "$SRC/tests/watch/make_photos.py" "$T/base.jpg" "$IN" m 1000
    wait_for 240 "1000 files" done_at_least 1000 # ASan on a loaded machine: ~2 min
    local t1=$(date +%s.%N)
    stop_watcher
    [ "$(count_status "$LOG.json" done)" -eq 1000 ] || fail "done: $(count_status "$LOG.json" done)"
    [ "$(jq -r 'select(.type == "item") | .item.input' "$LOG.json" | sort | uniq -d | wc -l)" -eq 0 ] ||
        fail "an input was processed twice"
    local runs
    runs=$(jq -r 'select(.type == "batch") | .batch' "$LOG.json" | wc -l)
    [ "$runs" -le 10 ] || fail "1000 files took $runs runs"
    [ "$(ls "$LIB/derived/stamp/full" | wc -l)" -eq 1000 ] || fail "expected 1000 stamped copies"
    check_manifests
    echo "1000 files: $runs runs, $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s from the first write to the last done"
}

scenario_restart() {
    # killed (SIGKILL) mid-batch, files added while it is down, restarted:
    # nothing done twice, nothing missed
    make_base
    $PY "$SRC/tests/watch/make_photos.py" "$T/base.jpg" "$IN" r 80
    start_watcher first --settle 0.2 --rescan 600 --batch-wait 0 -j 1
    wait_for 30 "the first items" done_at_least 5
    stop_watcher KILL
    local first=$LOG.json
    local done_first
    done_first=$(count_status "$first" done)
    [ "$done_first" -lt 80 ] || fail "the kill came too late to test anything"
    $PY "$SRC/tests/watch/make_photos.py" "$T/base.jpg" "$IN" down 10
    start_watcher second --settle 0.2 --rescan 600 -j 2
    local second=$LOG.json
    all_seen() {
        [ "$(jq -r 'select(.type == "item") | .item.input' "$first" "$second" | sort -u | wc -l)" -ge 90 ]
    }
    wait_for 60 "all 90 files after the restart" all_seen
    stop_watcher
    local twice
    twice=$(jq -r 'select(.type == "item" and .item.status == "done") | .item.input' "$first" "$second" | sort | uniq -d)
    [ -z "$twice" ] || fail "processed in both runs: $twice"
    [ "$(jq -r 'select(.type == "item" and .item.status == "failed")' "$first" "$second" | wc -c)" -eq 0 ] ||
        fail "items failed"
    [ "$(ls "$LIB"/items/*.ini | wc -l)" -eq 90 ] || fail "expected 90 item manifests"
    [ "$(grep -l '^\[stage:stamp\]' "$LIB"/items/*.ini | wc -l)" -eq 90 ] || fail "not every item was stamped"
    # the one item the kill interrupted (-j 1) may leave one unrecorded
    # output; an item processed twice would leave one per extra run
    local outputs
    outputs=$(ls "$LIB/derived/stamp/full" | wc -l)
    [ "$outputs" -le 91 ] || fail "$outputs stamped files for 90 items"
    check_originals "$first"
    check_originals "$second"
    check_manifests
    echo "restart: $done_first done before the kill, $(count_status "$second" done) after, $(count_status "$second" skipped) skipped"

    # SIGINT mid-batch: the items in progress finish, the rest wait for
    # the next watcher (here --once), exit 0
    $PY "$SRC/tests/watch/make_photos.py" "$T/base.jpg" "$IN" int 60
    start_watcher third --settle 0.2 --rescan 600 --batch-wait 0 -j 1
    local third=$LOG.json
    some_new() { [ "$(jq -r 'select(.type == "item" and .item.status == "done") | .item.input' "$third" | grep -c '/int')" -ge 3 ]; }
    wait_for 30 "the first new items" some_new
    stop_watcher INT
    [ "$RC" -eq 0 ] || fail "exit status $RC after SIGINT mid-batch"
    grep -q "stopping after the files in progress" "$LOG.err" || fail "no stopping line"
    "$DOKPIM" watch "$PIPE" --event "$EVENT" -o "$LIB" --json --once --settle 0.2 "$IN" \
        >"$T/once.json" 2>"$T/once.err" || fail "--once after SIGINT: exit $? ($(tail -3 "$T/once.err"))"
    twice=$(jq -r 'select(.type == "item" and .item.status == "done") | .item.input' "$third" "$T/once.json" | sort | uniq -d)
    [ -z "$twice" ] || fail "done by the stopped watcher and again: $twice"
    [ "$(ls "$LIB"/items/*.ini | wc -l)" -eq 150 ] || fail "expected 150 item manifests"
    [ "$(grep -l '^\[stage:stamp\]' "$LIB"/items/*.ini | wc -l)" -eq 150 ] || fail "not every item was stamped"
    check_manifests
}

scenario_changing() {
    # a file that keeps changing: not taken while it does, one warning
    make_base
    # settle 0.5 s: the warning comes after 10 settle times (5 s); the
    # appends come ten times a second, five times faster than settling
    start_watcher w --settle 0.5 --rescan 0.5
    cp "$T/base.jpg" "$IN/grow.jpg"
    # reopened each time, as a log is: a close every 0.1 s, so only the
    # changing size and mtime hold it back
    $PY -c 'import sys, time
end = time.monotonic() + 6
while time.monotonic() < end:
    with open(sys.argv[1], "ab") as f:
        f.write(b"x")
    time.sleep(0.1)' "$IN/grow.jpg"
    [ "$(count_status "$LOG.json" done)" -eq 0 ] || fail "taken while it changed"
    wait_for 10 "the file once it settled" has_done "$IN/grow.jpg"
    stop_watcher
    local warnings
    warnings=$(jq -r --arg p "$IN/grow.jpg" 'select(.type == "warning" and .path == $p) | .message' "$LOG.json" | wc -l)
    [ "$warnings" -eq 1 ] || fail "expected one warning for grow.jpg, got $warnings"
    grep -q "warning: $IN/grow.jpg: still changing" "$LOG.err" || fail "no warning line on stderr"
}

scenario_rewritten() {
    # settled, then written again while it waits for its batch: it goes
    # back to settling instead of being read mid-change
    make_base
    start_watcher w --settle 0.3 --rescan 600 --batch-wait 2
    cp "$T/base.jpg" "$IN/again.jpg" # settles at ~0.3 s, batch due at ~2.3 s
    $PY -c 'import sys, time
time.sleep(0.8)
end = time.monotonic() + 3.5
while time.monotonic() < end:
    with open(sys.argv[1], "ab") as f:
        f.write(b"y")
    time.sleep(0.1)' "$IN/again.jpg"
    wait_for 15 "the rewritten file" has_done "$IN/again.jpg"
    sleep 1
    stop_watcher
    [ "$(count_input "$LOG.json" "$IN/again.jpg" done)" -eq 1 ] || fail "again.jpg done $(count_input "$LOG.json" "$IN/again.jpg" done) times"
    check_originals "$LOG.json" # the bytes as they ended, not mid-change
}

scenario_rescan() {
    # no events at all (as on a network mount): the rescan alone finds
    # files; a rejected kind and a broken file are each reported once and
    # not retried until they change; the library inside the watched folder
    # is never an input; --once for cron
    make_base
    LIB=$IN/library
    start_watcher w --settle 0.2 --rescan 0.5 --no-inotify
    grep -q "no inotify" "$LOG.err" || fail "inotify was not off"
    $PY "$SRC/tests/watch/make_photos.py" "$T/base.jpg" "$IN" n 2
    echo "notes" >"$IN/notes.txt"
    head -c 300 "$T/base.jpg" >"$IN/broken.jpg"
    wait_for 10 "the files found by rescans" done_at_least 2
    wait_for 10 "the broken file" grep -q "broken.jpg" "$LOG.json"
    sleep 2 # four more rescans: nothing is fed again
    [ "$(count_input "$LOG.json" "$IN/notes.txt" skipped)" -eq 1 ] || fail "notes.txt not reported exactly once"
    [ "$(count_input "$LOG.json" "$IN/broken.jpg" failed)" -eq 1 ] || fail "broken.jpg not failed exactly once"
    [ "$(grep -c "error: .*broken.jpg" "$LOG.err")" -eq 1 ] || fail "broken.jpg: expected one line on stderr"
    # repaired: a new stat, taken again
    cp "$T/base.jpg" "$IN/broken.jpg"
    wait_for 10 "the repaired file" has_done "$IN/broken.jpg"
    if jq -r 'select(.type == "item") | .item.input' "$LOG.json" | grep -q "^$LIB"; then
        fail "a library file was taken as an input"
    fi
    # the library is held: a run on it is refused while the watcher runs
    if "$DOKPIM" run "$PIPE" --event "$EVENT" -o "$LIB" "$IN/n0000.jpg" 2>"$T/run.err"; then
        fail "dokpim run on the watched library was not refused"
    fi
    grep -q "in use by another dokpim process" "$T/run.err" || fail "run's refusal: $(cat "$T/run.err")"
    stop_watcher TERM
    [ "$RC" -eq 0 ] || fail "exit status $RC after SIGTERM"
    # --once: what is there now, then exit; done before means skipped
    $PY "$SRC/tests/watch/make_photos.py" "$T/base.jpg" "$IN" o 1
    "$DOKPIM" watch "$PIPE" --event "$EVENT" -o "$LIB" --json --once --settle 0.2 "$IN" \
        >"$T/once.json" 2>"$T/once.err" || fail "--once: exit $? ($(tail -3 "$T/once.err"))"
    [ "$(count_input "$T/once.json" "$IN/o0000.jpg" done)" -eq 1 ] || fail "--once did not process the new file"
    [ "$(count_status "$T/once.json" done)" -eq 1 ] || fail "--once redid files done before"
    [ "$(count_input "$T/once.json" "$IN/n0000.jpg" skipped)" -eq 1 ] || fail "--once did not skip what was done"
    # refused before anything is touched: a file for a folder, a folder
    # inside the library (its outputs would come back as inputs)
    local rc=0
    "$DOKPIM" watch "$PIPE" --event "$EVENT" -o "$LIB" --once "$IN/n0000.jpg" 2>"$T/bad.err" || rc=$?
    [ "$rc" -eq 2 ] && grep -q "not a folder" "$T/bad.err" || fail "a file as FOLDER: exit $rc, $(cat "$T/bad.err")"
    rc=0
    "$DOKPIM" watch "$PIPE" --event "$EVENT" -o "$LIB" --once "$LIB/derived" 2>"$T/bad.err" || rc=$?
    [ "$rc" -eq 2 ] && grep -q "inside the library" "$T/bad.err" || fail "a folder in the library: exit $rc, $(cat "$T/bad.err")"
}

scenario_submit() {
    # --submit: settled files become jobs, `dokpim work` does them; a
    # restarted watcher submitting the same files adds no job
    make_base
    $PY "$SRC/tests/watch/make_photos.py" "$T/base.jpg" "$IN" s 6
    start_watcher w --settle 0.2 --rescan 600 --submit
    submitted() { [ "$(jq -r 'select(.type == "submitted") | .inputs[]' "$LOG.json" | wc -l)" -ge "$1" ]; }
    wait_for 20 "6 files submitted" submitted 6
    $PY "$SRC/tests/watch/make_photos.py" "$T/base.jpg" "$IN/later" l 2
    wait_for 20 "2 more submitted" submitted 8
    # the watcher holds no exclusive lock: a worker runs beside it
    "$DOKPIM" work -o "$LIB" --until-empty >"$T/work.out" 2>"$T/work.err" ||
        fail "dokpim work: exit $? ($(tail -3 "$T/work.err"))"
    stop_watcher
    [ "$RC" -eq 0 ] || fail "exit status $RC"
    [ "$(ls "$LIB"/items/*.ini | wc -l)" -eq 8 ] || fail "expected 8 items done by the worker"
    [ "$(grep -l '^\[stage:stamp\]' "$LIB"/items/*.ini | wc -l)" -eq 8 ] || fail "not every item was stamped"
    # restarted: the full scan submits all eight again, the queue adds none
    start_watcher again --settle 0.2 --rescan 600 --submit
    wait_for 20 "the rescan submitted" submitted 8
    stop_watcher
    grep -q "0 submitted, 8 already queued or done" "$LOG.err" || fail "restart: $(tail -5 "$LOG.err")"
    "$DOKPIM" work -o "$LIB" --until-empty >"$T/work2.out" 2>"$T/work2.err" ||
        fail "dokpim work (again): exit $?"
    [ "$(ls "$LIB"/items/*.ini | wc -l)" -eq 8 ] || fail "the resubmitted batch made new items"
}

scenario_postgres() {
    # --queue URL: the jobs go to a PostgreSQL queue several machines share;
    # a worker pointed at it does them
    make_base
    chmod 711 "$T" # the server runs as nobody when we are root
    DK_WATCH_PID=$$ sh "$SRC/tests/servers/postgres.sh" start "$T/pg" >"$T/pg.out" ||
        fail "PostgreSQL did not start"
    PGDIR=$T/pg
    local url
    url=$(cat "$T/pg/url")
    $PY "$SRC/tests/watch/make_photos.py" "$T/base.jpg" "$IN" p 5
    start_watcher w --settle 0.2 --rescan 600 --queue "$url"
    submitted() { [ "$(jq -r 'select(.type == "submitted") | .inputs[]' "$LOG.json" | wc -l)" -ge "$1" ]; }
    wait_for 20 "5 files submitted" submitted 5
    [ ! -e "$LIB/queue.db" ] || fail "the jobs went to the library's SQLite queue"
    "$DOKPIM" work --queue "$url" -o "$LIB" --until-empty >"$T/work.out" 2>"$T/work.err" ||
        fail "dokpim work: exit $? ($(tail -3 "$T/work.err"))"
    stop_watcher
    [ "$RC" -eq 0 ] || fail "exit status $RC"
    [ "$(grep -l '^\[stage:stamp\]' "$LIB"/items/*.ini | wc -l)" -eq 5 ] || fail "not every item was stamped"
    # a queue that cannot be reached is refused at start, before any file
    local rc=0
    "$DOKPIM" watch "$PIPE" --event "$EVENT" -o "$T/lib2" --queue "postgresql://dokpim@127.0.0.1:1/postgres" \
        "$IN" 2>"$T/q.err" || rc=$?
    [ "$rc" -eq 2 ] || fail "--queue to nowhere: exit $rc, $(cat "$T/q.err")"
}

case $SCENARIO in
names | folder | many | restart | changing | rewritten | rescan | submit | postgres)
    "scenario_$SCENARIO"
    ;;
*)
    echo "unknown scenario $SCENARIO" >&2
    exit 2
    ;;
esac
echo "ok: $SCENARIO"
