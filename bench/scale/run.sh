#!/usr/bin/env bash
# bench/scale/run.sh — many machines on one batch, measured on this one.
#
# One batch (N photos and CLIPS clips, generated) is processed four ways
# into fresh libraries, the same run:
#   run -j 1      `dokpim run`, one thread: the one-machine floor
#   run -j 2      `dokpim run`, two threads: what one machine does today
#   work x1       `dokpim submit`, then one `dokpim work` on a PostgreSQL
#                 queue (the server is started here, on loopback)
#   work x2       the same with two `dokpim work` processes at once
# and prints the wall and CPU seconds and the speed-up of two workers over
# one (the issue's goal: >= 1.8x on 2 cores). Then the queue's own costs:
# bench/scale/queue_cost (claim + heartbeat + finish per job on SQLite and
# on PostgreSQL, and the claim latency with 100 ... 100 000 jobs waiting,
# with the query plan).
#
# usage: bench/scale/run.sh [BUILD_DIR]     (default: ./build)
# env:   N (photos, default 200), CLIPS (default 4), CLIP_SECONDS (10),
#        BACKLOGS ("100 10000 100000"), KEEP=1 keeps the work folder,
#        PHOTO_MS=ms skips the batch and measures the queue's own costs only
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
die() { echo "bench/scale: $*" >&2; exit 1; }
bench_build_dir "${1:-$root/build}"
bench_need_dokpim
bench_not_sanitized
bench_need_tools ffmpeg exiftool psql
N=${N:-200}
CLIPS=${CLIPS:-4}
CLIP_SECONDS=${CLIP_SECONDS:-10}
BACKLOGS=${BACKLOGS:-100 10000 100000}
servers=$root/tests/servers
export DOKPIM_NO_BAR=1

work=$(mktemp -d "${TMPDIR:-/tmp}/dokpim-bench-scale-XXXXXX")
chmod 711 "$work" # the PostgreSQL server runs as nobody when we are root
pg_dir=$work/pg
cleanup() {
    "$servers/postgres.sh" stop "$pg_dir" 2>/dev/null || true
    bench_cleanup
}
trap cleanup EXIT

echo "dokpim scale benchmark: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $N photos + $CLIPS clips of ${CLIP_SECONDS} s"

# ---- the batch ----
mkdir -p "$work/in/foto" "$work/in/video"
ffmpeg -v error -f lavfi -i "testsrc2=size=3000x2000:rate=1" -frames:v "$N" \
    -q:v 3 "$work/in/foto/DSC_%04d.JPG"
exiftool -q -overwrite_original -Make=NIKON -Model="NIKON Z 6_2" \
    "-DateTimeOriginal=2025:03:14 09:00:00" "$work/in/foto" >/dev/null
for i in $(seq 1 "$CLIPS"); do
    ffmpeg -v error -f lavfi -i "testsrc2=size=1280x720:rate=25" \
        -f lavfi -i "sine=frequency=$((300 + 90 * i)):sample_rate=48000" \
        -t "$CLIP_SECONDS" -vf "hue=h=$((i * 40))" -c:v libx264 -preset veryfast \
        -g 50 -c:a aac -shortest "$work/in/video/MVI_000$i.MP4"
done
cp "$root/assets/sample-event/event.ini" "$work/event.ini"
photos=$root/pipelines/event-photos.conf
videos=$root/pipelines/event-video.conf
cat "$work"/in/*/* >/dev/null # page cache warm for every contender

read -r _ _ url < <("$servers/postgres.sh" start "$pg_dir")
db=0
fresh_queue() { # a database of its own per contender
    db=$(date +%s%N)
    psql -q "$url" -c "CREATE DATABASE bench$db" >/dev/null
    echo "${url%/*}/bench$db"
}

lib() { echo "$work/lib-$1"; }
run_local() { # run_local LIBRARY JOBS PIPELINE INPUT
    "$dokpim" run -q -j "$2" "$3" --event "$work/event.ini" -o "$(lib "$1")" "$4"
}
run_workers() { # run_workers LIBRARY WORKERS PIPELINE INPUT
    local l q pids=() i rc=0
    l=$(lib "$1")
    # one queue per library: a library remembers its queue (queue.url)
    q=${url%/*}/q_$1
    psql -q "$url" -tc "SELECT 1 FROM pg_database WHERE datname = 'q_$1'" | grep -q 1 ||
        psql -q "$url" -c "CREATE DATABASE q_$1" >/dev/null
    "$dokpim" submit -q --queue "$q" "$3" --event "$work/event.ini" -o "$l" "$4"
    for i in $(seq 1 "$2"); do
        mkdir -p "$work/wd$i"
        (cd "$work/wd$i" && exec "$dokpim" work --queue "$q" -o "$l" --until-empty) &
        pids+=($!)
    done
    for i in "${pids[@]}"; do wait "$i" || rc=$?; done
    return "$rc"
}

declare -A wall cpu
measure() { # measure LABEL COMMAND...
    local label=$1 TIMEFORMAT='%R %U %S' w u s
    shift
    { time "$@" >"$work/log" 2>&1; } 2>"$work/time" ||
        die "$label failed: $(tail -5 "$work/log")"
    read -r w u s <"$work/time"
    wall[$label]=$w
    cpu[$label]=$(bench_sum "$u" "$s")
}

if [ -z "${PHOTO_MS:-}" ]; then # PHOTO_MS=... measures the queue alone
# Photos and clips apart: a photo's stages run on one thread, so a second
# worker doubles the cores at work; a clip's x264 encoder already spreads
# over every core of the machine, so on 2 cores a second worker can only
# fill the gaps between frames.
contenders=("run -j 1" "run -j 2" "work x1" "work x2")
for kind in photos clips; do
    if [ $kind = photos ]; then pipeline=$photos input=$work/in/foto; else pipeline=$videos input=$work/in/video; fi
    measure "$kind run -j 1" run_local j1 1 "$pipeline" "$input"
    measure "$kind run -j 2" run_local j2 2 "$pipeline" "$input"
    measure "$kind work x1" run_workers w1 1 "$pipeline" "$input"
    measure "$kind work x2" run_workers w2 2 "$pipeline" "$input"
done

# the four libraries must hold the same outputs (names and count)
outputs() { (cd "$(lib "$1")/derived" && find . -type f ! -name '.*' | sort); }
for name in j2 w1 w2; do
    diff <(outputs j1) <(outputs "$name") >/dev/null ||
        die "library $name holds other outputs than run -j 1"
done
count=$(outputs j1 | wc -l)

for kind in photos clips; do
    n=$N
    [ $kind = clips ] && n=$CLIPS
    printf '\n%-17s %8s %8s %9s\n' "$kind ($n)" "wall s" "CPU s" "ms/item"
    for c in "${contenders[@]}"; do
        label="$kind $c"
        printf '%-17s %8.2f %8.2f %9.1f\n' "$c" "${wall[$label]}" "${cpu[$label]}" \
            "$(awk -v w="${wall[$label]}" -v n="$n" 'BEGIN { print w * 1000 / n }')"
    done
    echo "  two workers / one worker: $(bench_ratio "${wall[$kind work x1]}" "${wall[$kind work x2]}")x (goal >= 1.8x)"
    echo "  two workers / run -j 2:   $(bench_ratio "${wall[$kind run -j 2]}" "${wall[$kind work x2]}")x"
    echo "  one worker / run -j 1:    $(bench_ratio "${wall[$kind run -j 1]}" "${wall[$kind work x1]}")x (the queue and a process per item)"
done
echo "outputs: $count files in each library, the same names"
photo_ms=$(awk -v w="${wall[photos run -j 1]}" -v n="$N" 'BEGIN { printf "%.1f", w * 1000 / n }')
echo "a photo's stages, run -j 1: $photo_ms ms (ingest, stamp, watermark, web)"
else
    photo_ms=$PHOTO_MS
fi
# ---- the queue's own costs ----
cost=$build/bench/scale/queue_cost
[ -x "$cost" ] || die "no $cost: build the tree (target queue_cost)"
echo
echo "per-job queue cost (claim + one heartbeat + finish), 500 jobs:"
mkdir -p "$work/cost-sqlite" "$work/cost-pg"
"$cost" cycle "sqlite:$work/cost-sqlite/queue.db" "$work/cost-sqlite" 500 | tee "$work/cycle-sqlite"
pg_cost=$(fresh_queue)
"$cost" cycle "$pg_cost" "$work/cost-pg" 500 | tee "$work/cycle-pg"
for f in sqlite pg; do
    us=$(sed -n 's/.*claim+renew+finish \([0-9]*\) .*/\1/p' "$work/cycle-$f")
    echo "  $f: $(awk -v u="$us" -v m="$photo_ms" 'BEGIN { printf "%.2f", u / 10 / m }') % of a photo's stages ($photo_ms ms; goal < 2 %)"
done

# The backlog is added in bulk (SQL), then 200 claims are timed on it. The
# plans are those of the claim's inner SELECT for queued jobs (the query
# backend_pg.c and backend_sqlite.c run), to show an index serves it.
fill_pg() { # fill_pg URL COUNT
    psql -q "$1" -c "INSERT INTO jobs (library, plugin, stage, target, path,
        sha256, size, mtime, options, meta, created, updated)
      SELECT '$work/cost-pg', 'bench.noop', 'bench', 'bench://backlog', '/dev/null',
        md5(g::text) || md5((g + 1)::text), 0, 0, '{}', '{}', 0, 0
      FROM generate_series(1, $2) AS g" >/dev/null
}
fill_sqlite() { # fill_sqlite DB COUNT
    sqlite3 "$1" "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < $2)
      INSERT INTO jobs (plugin, stage, target, path, sha256, size, mtime, options,
        meta, created, updated, library)
      SELECT 'bench.noop', 'bench', 'bench://backlog', '/dev/null', hex(randomblob(32)),
        0, 0, '{}', '{}', 0, 0, '$work/cost-sqlite' FROM g"
}
echo
echo "claim latency by backlog (jobs waiting), up to 200 claims each:"
for b in $BACKLOGS; do
    pg_b=$(fresh_queue)
    mkdir -p "$work/lat-$b"
    "$cost" claim "$pg_b" "$work/lat-$b" 1 >/dev/null 2>&1 || true # schema only
    fill_pg "$pg_b" "$b"
    psql -q "$pg_b" -c "ANALYZE jobs" >/dev/null
    printf '  %7d waiting  ' "$b"
    claims=$((b < 200 ? b : 200))
    "$cost" claim "$pg_b" "$work/lat-$b" "$claims"
    sq=$work/lat-$b/sqlite
    mkdir -p "$sq"
    "$cost" claim "sqlite:$sq/queue.db" "$sq" 1 >/dev/null 2>&1 || true
    fill_sqlite "$sq/queue.db" "$b"
    printf '  %7d waiting  ' "$b"
    "$cost" claim "sqlite:$sq/queue.db" "$sq" "$claims"
    if [ "$b" = "${BACKLOGS##* }" ]; then
        echo "  PostgreSQL plan at $b waiting:"
        psql -qAt "$pg_b" -c "EXPLAIN SELECT id FROM jobs WHERE state = 0
            ORDER BY not_before, id LIMIT 1 FOR UPDATE SKIP LOCKED" | sed 's/^/    /'
        echo "  SQLite plan at $b waiting:"
        sqlite3 "$sq/queue.db" "EXPLAIN QUERY PLAN SELECT id FROM jobs WHERE state = 0
            ORDER BY not_before, id LIMIT 1" | sed 's/^/    /'
    fi
done
