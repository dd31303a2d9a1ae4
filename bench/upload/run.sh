#!/usr/bin/env bash
# bench/upload/run.sh — upload throughput of `dokpim queue work` against
# `curl -T` to the same local servers in the same run (nginx WebDAV, a
# user-level sshd for SFTP, the YouTube protocol stand-in), then the cost
# of crashes: the worker is killed (SIGKILL) 5 times during one YouTube
# upload and the bytes the server received are compared with the file.
#
# usage: bench/upload/run.sh [BUILD_DIR]   (default: ./build)
# env:   SIZE_MIB (default 1024), RUNS (default 3), KILLS (default 5),
#        THROTTLE (bytes/s the stand-in reads during the kill run,
#        default 80000000), KEEP=1 keeps the work folder.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
build=$(cd "${1:-$root/build}" && pwd)
dokpim="$build/core/dokpim"
servers="$root/tests/servers"
size_mib=${SIZE_MIB:-1024}
runs=${RUNS:-3}
kills=${KILLS:-5}
throttle=${THROTTLE:-80000000}
[ -x "$dokpim" ] || { echo "no $dokpim: build first" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/dokpim-bench-upload-XXXXXX")
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    [ "${KEEP:-0}" = 1 ] || rm -rf "$work"
}
trap cleanup EXIT
export DOKPIM_NO_BAR=1

mbps() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.1f", b / s / 1048576 }'; }
median() { bench_median_low; }
state() { curl -sf "$yt_base/_test/state"; }
state_field() { state | python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

echo "dokpim upload benchmark: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
echo "generating ${size_mib} MiB of random data..."
file="$work/rekaman-rapat.bin"
head -c $((size_mib * 1048576)) /dev/urandom >"$file"
bytes=$(stat -c %s "$file")
sha=$(sha256sum "$file" | cut -d' ' -f1)

read -r dav_port dav_pid < <("$servers/nginx-dav.sh" "$work/dav")
pids+=("$dav_pid")
read -r ssh_port ssh_pid < <("$servers/sshd-user.sh" "$work/ssh")
pids+=("$ssh_pid")
read -r yt_port yt_pid < <("$servers/youtube-standin.sh" "$work/yt")
pids+=("$yt_pid")
yt_base="http://127.0.0.1:$yt_port"
mkdir -p "$work/ssh/remote"

printf '[event]\ntitle=Rapat Paripurna DPRD\ndate=2024-09-02\n' >"$work/event.ini"
printf '{"client_id": "test-client.apps", "client_secret": "test-secret", "refresh_token": "test-refresh-token", "token_uri": "%s/token"}\n' \
    "$yt_base" >"$work/youtube.json"
chmod 600 "$work/youtube.json"

# pipeline NAME PLUGIN LINES...: writes $work/NAME.conf
pipeline() {
    local name=$1 plugin=$2
    shift 2
    {
        printf '[pipeline]\nstages=ingest;up\n[ingest]\nplugin=ingest.file\n'
        printf '[up]\nplugin=%s\n' "$plugin"
        printf '%s\n' "$@"
    } >"$work/$name.conf"
}
pipeline webdav-size upload.webdav "url=http://127.0.0.1:$dav_port/dokpim/" \
    "remote-path=size/{original.name}" verify=size
pipeline webdav-sha upload.webdav "url=http://127.0.0.1:$dav_port/dokpim/" \
    "remote-path=sha/{original.name}" verify=sha256
pipeline sftp-size upload.sftp "url=sftp://127.0.0.1:$ssh_port$work/ssh/remote/" \
    "remote-path=size/{original.name}" verify=size \
    "key=$work/ssh/client_key" "known-hosts=$work/ssh/known_hosts"
pipeline sftp-sha upload.sftp "url=sftp://127.0.0.1:$ssh_port$work/ssh/remote/" \
    "remote-path=sha/{original.name}" verify=sha256 \
    "key=$work/ssh/client_key" "known-hosts=$work/ssh/known_hosts"
pipeline youtube upload.youtube "credentials=$work/youtube.json" \
    "api-base=$yt_base" processing-wait=0 chunk-size=67108864
pipeline youtube-8m upload.youtube "credentials=$work/youtube.json" \
    "api-base=$yt_base" processing-wait=0 chunk-size=8388608

# One library per pipeline: the file is ingested (hashed, copied) once;
# each timed run re-sends it with `queue retry --force`.
enqueue() {
    "$dokpim" run -q "$work/$1.conf" --event "$work/event.ini" \
        -o "$work/lib-$1" "$file" >/dev/null 2>&1
}

time_dokpim() { # NAME REMOTE_FILE_TO_DELETE
    local name=$1 remote=${2:-} t0
    [ -z "$remote" ] || rm -f "$remote"
    if [ -f "$work/lib-$name/queue.db" ] &&
        "$dokpim" queue list -o "$work/lib-$name" | grep -q ' done '; then
        "$dokpim" queue retry --force 1 -o "$work/lib-$name" 2>/dev/null
    fi
    t0=$(bench_now)
    "$dokpim" queue work --until-empty -o "$work/lib-$name" 2>"$work/$name.log" ||
        { cat "$work/$name.log" >&2; exit 1; }
    bench_since "$t0"
}

time_curl() { # curl arguments...
    local t0
    t0=$(bench_now)
    curl -sS -o /dev/null "$@"
    bench_since "$t0"
}

youtube_session() {
    local token
    token=$(curl -sf -d grant_type=refresh_token -d client_id=test-client.apps \
        -d client_secret=test-secret -d refresh_token=test-refresh-token \
        "$yt_base/token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
    curl -sf -D - -o /dev/null -H "Authorization: Bearer $token" \
        -H "Content-Type: application/json" -H "X-Upload-Content-Length: $bytes" \
        -H "X-Upload-Content-Type: video/*" -d '{"snippet": {"title": "curl"}, "status": {"privacyStatus": "private"}}' \
        "$yt_base/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status" |
        tr -d '\r' | awk 'tolower($1) == "location:" { print $2 }'
}

for name in webdav-size webdav-sha sftp-size sftp-sha youtube youtube-8m; do enqueue "$name"; done

printf '\n%-28s %10s %10s %7s\n' "target ($runs runs, median)" "curl MiB/s" "dokpim" "ratio"
report() { # LABEL CURL_SECONDS DOKPIM_SECONDS
    local c d
    c=$(mbps "$bytes" "$2")
    d=$(mbps "$bytes" "$3")
    printf '%-28s %10s %10s %7s\n' "$1" "$c" "$d" \
        "$(bench_ratio "$d" "$c")"
}

declare -A curl_s dokpim_s
for ((i = 1; i <= runs; i++)); do
    curl_s[webdav]+="$(time_curl -T "$file" "http://127.0.0.1:$dav_port/curl/$i.bin") "
    rm -f "$work/dav/www/curl/$i.bin"
    dokpim_s[webdav-size]+="$(time_dokpim webdav-size "$work/dav/www/dokpim/size/rekaman-rapat.bin") "
    dokpim_s[webdav-sha]+="$(time_dokpim webdav-sha "$work/dav/www/dokpim/sha/rekaman-rapat.bin") "
    curl_s[sftp]+="$(time_curl -u "$(id -un):" --key "$work/ssh/client_key" \
        --pubkey "$work/ssh/client_key.pub" -k \
        -T "$file" "sftp://127.0.0.1:$ssh_port$work/ssh/remote/curl.bin")"" "
    rm -f "$work/ssh/remote/curl.bin"
    dokpim_s[sftp-size]+="$(time_dokpim sftp-size "$work/ssh/remote/size/rekaman-rapat.bin") "
    dokpim_s[sftp-sha]+="$(time_dokpim sftp-sha "$work/ssh/remote/sha/rekaman-rapat.bin") "
    session=$(youtube_session)
    curl_s[youtube]+="$(time_curl -X PUT -H "Content-Range: bytes 0-$((bytes - 1))/$bytes" \
        -T "$file" "$session") "
    dokpim_s[youtube]+="$(time_dokpim youtube) "
    dokpim_s[youtube-8m]+="$(time_dokpim youtube-8m) "
    rm -f "$work"/yt/data/*.bin
done
m() { tr ' ' '\n' <<<"$1" | grep . | median; }
report "WebDAV, verify size" "$(m "${curl_s[webdav]}")" "$(m "${dokpim_s[webdav-size]}")"
report "WebDAV, verify sha256" "$(m "${curl_s[webdav]}")" "$(m "${dokpim_s[webdav-sha]}")"
report "SFTP, verify size" "$(m "${curl_s[sftp]}")" "$(m "${dokpim_s[sftp-size]}")"
report "SFTP, verify sha256" "$(m "${curl_s[sftp]}")" "$(m "${dokpim_s[sftp-sha]}")"
report "YouTube, 64 MiB chunks" "$(m "${curl_s[youtube]}")" "$(m "${dokpim_s[youtube]}")"
report "YouTube, 8 MiB chunks" "$(m "${curl_s[youtube]}")" "$(m "${dokpim_s[youtube-8m]}")"

# ---- crashes: kill -9 the worker $kills times during one upload ----
kill "$yt_pid"
read -r yt_port yt_pid < <("$servers/youtube-standin.sh" "$work/yt2" --throttle "$throttle")
pids+=("$yt_pid")
yt_base="http://127.0.0.1:$yt_port"
printf '{"client_id": "test-client.apps", "client_secret": "test-secret", "refresh_token": "test-refresh-token", "token_uri": "%s/token"}\n' \
    "$yt_base" >"$work/youtube.json"
pipeline crash upload.youtube "credentials=$work/youtube.json" \
    "api-base=$yt_base" processing-wait=0
enqueue crash
for ((k = 1; k <= kills; k++)); do
    goal=$((bytes * k / (kills + 1)))
    "$dokpim" queue work --until-empty -o "$work/lib-crash" 2>>"$work/crash.log" &
    worker=$!
    while [ "$(state_field '["bytes_received"]')" -lt "$goal" ]; do sleep 0.05; done
    kill -9 "$worker"
    wait "$worker" 2>/dev/null || true
done
"$dokpim" queue work --until-empty -o "$work/lib-crash" 2>>"$work/crash.log"
received=$(state_field '["bytes_received"]')
sessions=$(state_field '["sessions_created"]')
videos=$(state_field '["videos"].__len__()')
video_sha=$(state_field '["videos"][0]["sha256"]')
[ "$video_sha" = "$sha" ] || { echo "the server's video differs from the file" >&2; exit 1; }
echo
echo "kill -9 x$kills during one upload (8 MiB chunks, server at $(mbps "$throttle" 1) MiB/s):"
printf '  bytes received by the server %d for a %d-byte file: %s x (target < 1.1 x)\n' \
    "$received" "$bytes" "$(awk -v r="$received" -v b="$bytes" 'BEGIN { printf "%.4f", r / b }')"
echo "  sessions opened: $sessions, videos: $videos, sha256 of the video matches the file"
