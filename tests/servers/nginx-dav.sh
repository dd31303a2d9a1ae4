#!/bin/sh
# nginx-dav.sh DIR [--access-log]: starts nginx with WebDAV (PUT, MKCOL,
# MOVE, PROPFIND) on a free loopback port as the current user, serving
# DIR/www; prints "PORT PID". Stop it with kill PID. --access-log logs every
# request to DIR/access.log (method, path, status), for tests that count
# how often a file was sent.
set -eu
dir=$(mkdir -p "$1" && cd "$1" && pwd)
access_log=off
if [ "${2:-}" = --access-log ]; then
    access_log="$dir/access.log dk"
fi
here=$(cd "$(dirname "$0")" && pwd)
port=$("$here/free-port.sh")
mkdir -p "$dir/www" "$dir/tmp"
dav_ext=/usr/lib/nginx/modules/ngx_http_dav_ext_module.so
[ -f "$dav_ext" ] || { echo "missing $dav_ext (libnginx-mod-http-dav-ext)" >&2; exit 1; }
cat >"$dir/nginx.conf" <<CONF
load_module $dav_ext;
daemon off;
master_process off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 64; }
http {
    log_format dk '\$request_method \$uri \$status \$request_length';
    access_log $access_log;
    client_body_temp_path $dir/tmp;
    proxy_temp_path $dir/tmp;
    fastcgi_temp_path $dir/tmp;
    uwsgi_temp_path $dir/tmp;
    scgi_temp_path $dir/tmp;
    client_max_body_size 0;
    sendfile on;
    server {
        listen 127.0.0.1:$port;
        root $dir/www;
        location / {
            dav_methods PUT DELETE MKCOL COPY MOVE;
            dav_ext_methods PROPFIND OPTIONS;
            create_full_put_path on;
            dav_access user:rw group:r all:r;
            autoindex on;
        }
    }
}
CONF
setsid /usr/sbin/nginx -e "$dir/error.log" -p "$dir" -c "$dir/nginx.conf" \
    >"$dir/server.log" 2>&1 </dev/null &
pid=$!
"$here/wait-port.sh" "$port" "$pid" >&2 || { cat "$dir/error.log" >&2; exit 1; }
"$here/watch-parent.sh" "$pid"
echo "$port $pid"
