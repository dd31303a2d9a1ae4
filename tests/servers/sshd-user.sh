#!/bin/sh
# sshd-user.sh DIR: starts OpenSSH's sshd on a free loopback port as the
# current user, with a fresh host key and one client key (DIR/client_key)
# that may log in as this user, for SFTP; writes DIR/known_hosts; prints
# "PORT PID". Stop it with kill PID.
set -eu
dir=$(mkdir -p "$1" && cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
port=$("$here/free-port.sh")
rm -f "$dir/host_key" "$dir/host_key.pub" "$dir/client_key" "$dir/client_key.pub"
ssh-keygen -q -t ed25519 -N '' -f "$dir/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$dir/client_key"
cp "$dir/client_key.pub" "$dir/authorized_keys"
chmod 600 "$dir/authorized_keys"
echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$dir/host_key.pub")" >"$dir/known_hosts"
sftp_server=/usr/lib/openssh/sftp-server
cat >"$dir/sshd_config" <<CONF
Port $port
ListenAddress 127.0.0.1
HostKey $dir/host_key
PidFile $dir/sshd.pid
AuthorizedKeysFile $dir/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
Subsystem sftp $sftp_server
LogLevel ERROR
CONF
# sshd started by root insists on its privilege separation folder
if [ "$(id -u)" -eq 0 ] && [ ! -d /run/sshd ]; then
    mkdir -p /run/sshd && chmod 755 /run/sshd
fi
setsid /usr/sbin/sshd -D -e -f "$dir/sshd_config" >"$dir/server.log" 2>&1 </dev/null &
pid=$!
"$here/wait-port.sh" "$port" "$pid" >&2 || { cat "$dir/server.log" >&2; exit 1; }
"$here/watch-parent.sh" "$pid"
echo "$port $pid"
