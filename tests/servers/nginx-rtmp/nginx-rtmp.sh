#!/usr/bin/env bash
# A throw-away nginx-rtmp ingest on 127.0.0.1 for the live tests, the
# benchmark and operators trying `dokpim live` without YouTube.
#
#   nginx-rtmp.sh start DIR [--port N] [--key KEY] [--tls] [--notify URL]
#                                                 start (or restart) in DIR
#   nginx-rtmp.sh stop DIR                        fast shutdown (drops pushes)
#
# `start` prints shell assignments on stdout (eval them):
#   RTMP_URL=rtmp://127.0.0.1:PORT/live   the application to push to
#   RTMPS_URL=rtmps://127.0.0.1:PORT/live with --tls: TLS in front of RTMP,
#   CA_FILE=DIR/tls/ca.pem                the way real RTMPS ingests work
# Everything nginx writes stays in DIR: its config, logs, pid file and every
# stream it receives (DIR/rec/*.flv, one file per publish). With --key, a
# publish whose stream name is not KEY is refused, like a wrong stream key
# on YouTube. --port fixes the RTMP port (default: a free one). A second
# `start` on the same DIR reuses its ports, so a test can stop the server
# and bring it back where the pusher expects it. With --notify, nginx asks
# URL/publish?name=KEY before accepting a publish (2xx accepts), calls
# URL/update every second while it receives and URL/publish_done at the end:
# the YouTube stand-in (youtube_server.py) sees a stream go active when an
# ingest really arrives, and judges the key itself.
set -euo pipefail

die() { echo "nginx-rtmp.sh: $*" >&2; exit 1; }

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

module() {
  for d in /usr/lib/nginx/modules /usr/lib64/nginx/modules /usr/share/nginx/modules; do
    [ -f "$d/$1" ] && { echo "$d/$1"; return; }
  done
  die "$1 not found: install libnginx-mod-rtmp and libnginx-mod-stream (scripts/install-deps.sh)"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

write_config() {
  local dir=$1 key=$2 tls=$3 rtmp_port=$4 notify=$5
  local http_port tls_port=""
  [ -n "$rtmp_port" ] || rtmp_port=$(free_port)
  http_port=$(free_port)
  [ "$tls" = 1 ] && tls_port=$(free_port)
  mkdir -p "$dir/rec" "$dir/tmp" "$dir/logs"
  {
    echo "RTMP_PORT=$rtmp_port"
    echo "HTTP_PORT=$http_port"
    echo "TLS_PORT=$tls_port"
  } >"$dir/ports"

  if [ "$tls" = 1 ]; then
    mkdir -p "$dir/tls"
    # A self-signed certificate for 127.0.0.1 that doubles as its own CA:
    # dokpim is told to trust it with tls-ca-file.
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
      -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
      -addext "basicConstraints=critical,CA:TRUE" \
      -keyout "$dir/tls/key.pem" -out "$dir/tls/ca.pem" 2>/dev/null ||
      die "openssl could not make a test certificate"
  fi

  local on_publish=""
  if [ -n "$key" ]; then
    # nginx-rtmp asks this URL before accepting a publish; 2xx accepts.
    on_publish="notify_method get; on_publish http://127.0.0.1:$http_port/publish;"
  fi
  if [ -n "$notify" ]; then
    on_publish="notify_method get; on_publish $notify/publish;
      on_update $notify/update; notify_update_timeout 1s;
      on_publish_done $notify/publish_done;"
  fi
  cat >"$dir/nginx.conf" <<EOF
load_module $(module ngx_rtmp_module.so);
load_module $(module ngx_stream_module.so);
user $(id -un) $(id -gn);
worker_processes 1;
daemon on;
pid $dir/nginx.pid;
error_log $dir/logs/error.log info;
events { worker_connections 64; }
http {
  access_log $dir/logs/access.log;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  server {
    listen 127.0.0.1:$http_port;
    location = /publish {
      if (\$arg_name = "$key") { return 204; }
      return 403;
    }
  }
}
rtmp {
  server {
    listen 127.0.0.1:$rtmp_port;
    chunk_size 4096;
    application live {
      live on;
      record all;
      record_path $dir/rec;
      record_unique on;
      # like a real ingest, let go of a publisher that sends nothing, so a
      # pusher that reconnects after a hang gets its stream name back
      drop_idle_publisher 4s;
      $on_publish
    }
  }
}
EOF
  if [ "$tls" = 1 ]; then
    cat >>"$dir/nginx.conf" <<EOF
stream {
  server {
    listen 127.0.0.1:$tls_port ssl;
    ssl_certificate $dir/tls/ca.pem;
    ssl_certificate_key $dir/tls/key.pem;
    proxy_pass 127.0.0.1:$rtmp_port;
  }
}
EOF
  fi
}

start() {
  local dir="" key="" tls=0 port="" notify=""
  while [ $# -gt 0 ]; do
    case "$1" in
    --key) key=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --tls) tls=1; shift ;;
    --notify) notify=$2; shift 2 ;;
    -*) die "unknown option $1" ;;
    *) dir=$1; shift ;;
    esac
  done
  [ -n "$dir" ] || die "start needs a folder"
  [[ "$key" =~ ^[A-Za-z0-9_-]*$ ]] || die "--key: letters, digits, - and _ only"
  [[ "$port" =~ ^[0-9]*$ ]] || die "--port: a number"
  [[ "$notify" =~ ^(http://127\.0\.0\.1:[0-9]+[A-Za-z0-9/_-]*)?$ ]] ||
    die "--notify: http://127.0.0.1:PORT/path"
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  [ -f "$dir/nginx.conf" ] || write_config "$dir" "$key" "$tls" "$port" "$notify"
  # shellcheck source=/dev/null
  . "$dir/ports" # RTMP_PORT, HTTP_PORT, TLS_PORT
  /usr/sbin/nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/logs/error.log" ||
    die "nginx did not start (see $dir/logs/error.log)"
  for _ in $(seq 100); do
    # shellcheck disable=SC2153 # set by the ports file
    if port_open "$RTMP_PORT" && { [ -z "$TLS_PORT" ] || port_open "$TLS_PORT"; }; then
      echo "RTMP_URL=rtmp://127.0.0.1:$RTMP_PORT/live"
      [ -n "$TLS_PORT" ] && echo "RTMPS_URL=rtmps://127.0.0.1:$TLS_PORT/live" &&
        echo "CA_FILE=$dir/tls/ca.pem"
      echo "NGINX_PID=$(cat "$dir/nginx.pid")"
      return 0
    fi
    sleep 0.05
  done
  die "nginx is not listening on $RTMP_PORT after 5 s"
}

stop() {
  local dir=${1:-}
  [ -n "$dir" ] || die "stop needs a folder"
  [ -f "$dir/nginx.pid" ] || return 0
  local pid
  pid=$(cat "$dir/nginx.pid")
  # TERM is nginx's fast shutdown: open connections are dropped at once,
  # as when an ingest server goes away.
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.05
  done
  die "nginx $pid did not stop"
}

case "${1:-}" in
start) shift; start "$@" ;;
stop) shift; stop "$@" ;;
*) die "usage: nginx-rtmp.sh start DIR [--port N] [--key KEY] [--tls] [--notify URL] | stop DIR" ;;
esac
