#!/bin/sh
# wait-port.sh PORT PID [SECONDS]: waits until 127.0.0.1:PORT accepts, or
# fails when PID dies or time runs out.
port=$1 pid=$2 limit=${3:-15}
exec /usr/bin/python3 - "$port" "$pid" "$limit" <<'PY'
import os, socket, sys, time
port, pid, limit = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
end = time.time() + limit
while time.time() < end:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit("server process %d died" % pid)
    try:
        socket.create_connection(("127.0.0.1", port), 0.5).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit("nothing listens on port %d after %g s" % (port, limit))
PY
