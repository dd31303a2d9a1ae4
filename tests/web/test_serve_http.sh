#!/bin/bash
# test_serve_http.sh DOKPIM: the access rules of `dokpim serve`, with curl
# against the real server on a free loopback port: the token (none, wrong,
# Bearer, the ?token= cookie flow), what /files/ refuses (traversal, an
# absolute path, a link out of the library, the library's secrets), the
# rules for changes (POST, JSON, X-Dokpim-Token, Origin, 1 MiB), a client
# that opens /api/events and never reads, and the listen rules.
set -u
dokpim=$1
here=$(cd "$(dirname "$0")" && pwd)
servers=$here/../servers
work=$(mktemp -d)
server_pid=
failures=0
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2> /dev/null && wait "$server_pid"
    exec 3>&- 4>&- 2> /dev/null
    rm -rf "$work"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

lib=$work/lib
mkdir -p "$lib/derived/web" "$lib/keys"
echo "a web copy" > "$lib/derived/web/a.txt"
echo "[secret]" > "$lib/derived/web/settings.ini"
echo "PRIVATE KEY" > "$lib/keys/office.key"
ln -s /etc/passwd "$lib/derived/web/passwd-link"
ln -s "$lib/keys" "$lib/derived/web/keys-link"

port=$("$servers/free-port.sh")
# the language of /i18n.js follows the browser only when the environment
# names none
env -u LANGUAGE -u DOKPIM_LANGUAGE "$dokpim" serve -o "$lib" --listen "127.0.0.1:$port" > "$work/out" 2> "$work/err" &
server_pid=$!
"$servers/wait-port.sh" "$port" "$server_pid" || exit 1
url=http://127.0.0.1:$port
token=$(cat "$lib/serve/token")
[ "$(stat -c %a "$lib/serve/token")" = 600 ] || fail "token file mode $(stat -c %a "$lib/serve/token")"
[ ${#token} -ge 43 ] || fail "token of ${#token} characters (256 bits need 43)"
grep -q "?token=$token" "$work/out" || fail "the URL with the token was not printed"

# expect STATUS WHAT CURL-ARGS...: the status, and the body in $work/body
expect() {
    local want=$1 what=$2
    shift 2
    local got
    got=$(curl -s -o "$work/body" -w '%{http_code}' "$@")
    [ "$got" = "$want" ] || fail "$what: HTTP $got, expected $want ($(head -c 200 "$work/body"))"
}
auth=(-H "Authorization: Bearer $token")
change=("${auth[@]}" -H "X-Dokpim-Token: $token" -H "Content-Type: application/json")

expect 401 "no token" "$url/"
expect 401 "no token, API" "$url/api/queue"
expect 403 "wrong token" -H "Authorization: Bearer ${token}x" "$url/"
expect 403 "wrong cookie" -b "dokpim_token=nottheone" "$url/"
expect 200 "Bearer token" "${auth[@]}" "$url/"
grep -q "<html" "$work/body" || fail "the index page was not served"

# ?token= sets the cookie and sends the browser to the address without it
curl -s -D "$work/headers" -o /dev/null -c "$work/jar" "$url/queue.html?token=$token"
grep -q "^HTTP/1.1 303" "$work/headers" || fail "?token= did not redirect"
grep -i "^Set-Cookie: dokpim_token=$token;" "$work/headers" | grep -q "HttpOnly; SameSite=Strict" ||
    fail "cookie without HttpOnly/SameSite=Strict"
grep -i "^Location:" "$work/headers" | grep -q "token" && fail "the redirect keeps the token"
expect 200 "the cookie" -b "$work/jar" "$url/queue.html"
expect 403 "wrong ?token=" "$url/?token=${token}x"

# /api/i18n.js: the pages' words in the browser's language, from the build's
# catalogue files (what they say is read from them, not written here)
messages=$(dirname "$dokpim")/../web/i18n
word() { /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["Cancel"])' "$1"; }
expect 200 "i18n.js, Indonesian" "${auth[@]}" -H "Accept-Language: id-ID,id;q=0.9" "$url/api/i18n.js"
grep -q "^window.DK_MESSAGES = " "$work/body" || fail "i18n.js does not set DK_MESSAGES"
grep -qF "\"Cancel\": \"$(word "$messages/id.json")\"" "$work/body" || fail "i18n.js for id-ID is not id.json"
[ "$(word "$messages/id.json")" != Cancel ] || fail "id.json does not translate Cancel"
expect 200 "i18n.js, English" "${auth[@]}" -H "Accept-Language: en-US" "$url/api/i18n.js"
grep -qF "\"Cancel\": \"Cancel\"" "$work/body" || fail "i18n.js for en-US is not English"
expect 200 "i18n.js, no catalogue" "${auth[@]}" -H "Accept-Language: fr-FR" "$url/api/i18n.js"
grep -qF "Batalkan" "$work/body" && fail "French got Indonesian"
expect 401 "i18n.js without the token" "$url/api/i18n.js"

# /files/: the derived files only, never out of the library
expect 200 "a derived file" "${auth[@]}" "$url/files/derived/web/a.txt"
grep -q "a web copy" "$work/body" || fail "wrong content for a derived file"
curl -s -D "$work/headers" -o /dev/null "${auth[@]}" "$url/files/derived/web/a.txt"
grep -qi "^Content-Type: text/plain" "$work/headers" || fail "Content-Type of a .txt"
etag=$(grep -i "^ETag:" "$work/headers" | cut -d' ' -f2 | tr -d '\r')
[ -n "$etag" ] || fail "no ETag"
expect 304 "If-None-Match" "${auth[@]}" -H "If-None-Match: $etag" "$url/files/derived/web/a.txt"
for path in /files/../../etc/passwd /files/derived/../../../etc/passwd \
    /files/%2e%2e/%2e%2e/etc/passwd /files/derived/%2e%2e/keys/office.key \
    /files//etc/passwd /files/%2fetc%2fpasswd /files/derived/web/passwd-link \
    /files/derived/web/keys-link/office.key /files/keys/office.key \
    /files/serve/token /files/queue.db /files/derived/web/settings.ini \
    /files/derived/web/a.txt%00.jpg; do
    code=$(curl -s --path-as-is -o "$work/body" -w '%{http_code}' "${auth[@]}" "$url$path")
    case $code in 200 | 304) fail "$path answered $code" ;; esac
    grep -q "root:\|PRIVATE KEY\|$token" "$work/body" && fail "$path leaked a file"
done

# changes: POST + JSON + X-Dokpim-Token + own Origin, bodies of 1 MiB at most
expect 405 "GET on a POST route" "${auth[@]}" "$url/api/queue/retry"
expect 405 "PUT" "${auth[@]}" -X PUT "$url/api/queue/retry"
expect 403 "POST without X-Dokpim-Token" "${auth[@]}" -H "Content-Type: application/json" -d '{"id":1}' "$url/api/queue/retry"
expect 415 "POST as a form" "${auth[@]}" -H "X-Dokpim-Token: $token" -d 'id=1' "$url/api/queue/retry"
expect 403 "foreign Origin" "${change[@]}" -H "Origin: http://evil.example" -d '{"id":1}' "$url/api/queue/retry"
expect 403 "foreign Origin on a GET" "${auth[@]}" -H "Origin: http://evil.example" "$url/api/queue"
expect 400 "bad JSON" "${change[@]}" -d '{"id": 1,' "$url/api/queue/retry"
grep -q "bad JSON" "$work/body" || fail "bad JSON not named ($(cat "$work/body"))"
expect 400 "no id" "${change[@]}" -d '{"job": 1}' "$url/api/queue/retry"
head -c $((2 * 1024 * 1024)) /dev/zero | tr '\0' ' ' > "$work/huge"
expect 413 "a 2 MiB body" "${change[@]}" --data-binary @"$work/huge" "$url/api/queue/retry"
expect 200 "the session value" "${auth[@]}" "$url/api/session"
csrf=$(sed 's/.*"csrf":"\([^"]*\)".*/\1/' "$work/body")
[ "$csrf" != "$token" ] || fail "the page's value is the token itself"
expect 400 "the page's X-Dokpim-Token passes" -b "dokpim_token=$token" -H "X-Dokpim-Token: $csrf" \
    -H "Content-Type: application/json" -H "Origin: $url" -d '[]' "$url/api/queue/retry"

# a client that opens the event stream and never reads does not hold the
# server: two of them, then everything else still answers at once
for fd in 3 4; do
    eval "exec $fd<>/dev/tcp/127.0.0.1/$port"
    printf 'GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nAuthorization: Bearer %s\r\n\r\n' "$port" "$token" >&$fd
done
start=$(date +%s%N)
for i in 1 2 3 4 5; do
    expect 200 "answer $i while an event client stalls" --max-time 2 "${auth[@]}" "$url/api/session"
done
[ $((($(date +%s%N) - start) / 1000000)) -lt 2000 ] || fail "five answers took over 2 s beside stalled clients"
exec 3>&- 4>&-

# one line per refusal, never the token
grep -q "refused GET /files/derived/web/passwd-link" "$work/err" || fail "refusal not logged"
grep -qF "$token" "$work/err" && fail "the token is in the log"
kill "$server_pid"
wait "$server_pid"
status=$?
server_pid=
[ $status = 0 ] || fail "SIGTERM: exit $status, expected 0"

# where it listens
"$dokpim" serve -o "$lib" --listen 0.0.0.0:0 > /dev/null 2> "$work/err2"
[ $? = 2 ] || fail "--listen 0.0.0.0:0 without --lan was not refused"
grep -q -- "--lan" "$work/err2" || fail "the refusal does not name --lan"
echo "$token" > "$work/open-token"
chmod 644 "$work/open-token"
"$dokpim" serve -o "$lib" --lan --listen 0.0.0.0:0 --token-file "$work/open-token" > /dev/null 2> "$work/err3"
[ $? = 2 ] || fail "a token file others can read was accepted"
grep -q "chmod 600" "$work/err3" || fail "the refusal does not say chmod 600"
chmod 600 "$work/open-token"
"$dokpim" serve -o "$lib" --lan --listen 0.0.0.0:0 --token-file "$work/open-token" > "$work/out4" 2>&1 &
server_pid=$!
for _ in $(seq 50); do grep -q "Ctrl-C" "$work/out4" && break; sleep 0.1; done
grep -q "?token=$token" "$work/out4" || fail "--lan did not print the URL with the token"
grep -q "█" "$work/out4" || fail "--lan did not print the QR code"

[ $failures = 0 ] && echo "all access rules hold"
exit $((failures > 0))
