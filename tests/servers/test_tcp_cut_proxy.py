#!/usr/bin/python3
"""test_tcp_cut_proxy.py PROXY: the network-cutting proxy the queue trials
rely on does what they assume, against a real echo server on loopback:
bytes pass both ways, SIGUSR1 resets live connections and refuses new ones,
SIGUSR2 brings the same port back, SIGHUP holds bytes without closing,
--rate slows a transfer, --status counts what moved."""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time


def echo_server():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)

    def serve(conn):
        with conn:
            while True:
                try:
                    data = conn.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                try:
                    conn.sendall(data)
                except OSError:
                    return

    def accept_loop():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept_loop, daemon=True).start()
    return listener


def status(path):
    with open(path) as f:
        up, down, accepted, mode = f.read().split()
    return int(up), int(down), int(accepted), mode


def wait_status(path, want_mode, limit=15.0):
    end = time.time() + limit
    while time.time() < end:
        try:
            if status(path)[3] == want_mode:
                return
        except (OSError, ValueError):
            pass
        time.sleep(0.02)
    sys.exit("proxy never reported mode %s" % want_mode)


def wait_counts(path, accepted, moved, limit=15.0):
    """The proxy rewrites its status file every 0.1 s, so the counts of the
    last bytes and connections appear a moment after they moved."""
    end = time.time() + limit
    last = None
    while time.time() < end:
        try:
            last = status(path)
            if last[2] >= accepted and last[0] >= moved and last[1] >= moved:
                return last
        except (OSError, ValueError):
            pass
        time.sleep(0.02)
    return last or (0, 0, 0, "none")


def roundtrip(port, payload, timeout=5.0):
    with socket.create_connection(("127.0.0.1", port), timeout) as s:
        s.sendall(payload)
        got = b""
        while len(got) < len(payload):
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
        return got


def check(condition, message):
    if not condition:
        sys.exit("FAIL: " + message)


def main():
    proxy_bin = sys.argv[1]
    echo = echo_server()
    work = tempfile.mkdtemp(prefix="dokpim-proxy-")
    port_file = os.path.join(work, "port")
    status_file = os.path.join(work, "status")
    # every run of the proxy this test starts, so that none outlives it
    started = []

    def start(*extra):
        if os.path.exists(port_file):
            os.unlink(port_file)
        p = subprocess.Popen([proxy_bin, "--to", str(echo.getsockname()[1]),
                              "--port-file", port_file, "--status",
                              status_file] + list(extra))
        started.append(p)
        end = time.time() + 30
        while not os.path.exists(port_file) and time.time() < end:
            check(p.poll() is None, "proxy exited with %s" % p.returncode)
            time.sleep(0.01)
        with open(port_file) as f:
            return p, int(f.read())

    try:
        proxy, port = start()
        data = os.urandom(300000)
        check(roundtrip(port, data) == data, "bytes changed on the way")

        # cut with a connection open: it breaks at once, new ones refused
        live = socket.create_connection(("127.0.0.1", port), 5)
        live.sendall(b"hello")
        check(live.recv(5) == b"hello", "live connection did not echo")
        proxy.send_signal(signal.SIGUSR1)
        wait_status(status_file, "cut")
        broke = False
        try:
            live.sendall(b"more")
            broke = live.recv(4) == b""
        except OSError:
            broke = True
        check(broke, "a live connection survived the cut")
        live.close()
        refused = False
        try:
            socket.create_connection(("127.0.0.1", port), 1).close()
        except ConnectionRefusedError:
            refused = True
        check(refused, "a new connection was accepted while cut")

        # back on the same port
        proxy.send_signal(signal.SIGUSR2)
        wait_status(status_file, "open")
        check(roundtrip(port, b"again") == b"again", "not back after SIGUSR2")

        # black hole: nothing moves, nothing closes; then it flows on
        held = socket.create_connection(("127.0.0.1", port), 5)
        proxy.send_signal(signal.SIGHUP)
        wait_status(status_file, "hole")
        held.sendall(b"held")
        held.settimeout(0.5)
        try:
            held.recv(4)
            silent = False
        except socket.timeout:
            silent = True
        check(silent, "bytes moved through the black hole")
        proxy.send_signal(signal.SIGUSR2)
        held.settimeout(5)
        check(held.recv(4) == b"held", "held bytes lost after the hole")
        held.close()
        up, down, accepted, _ = wait_counts(status_file, 4, len(data))
        check(accepted >= 4, "status counted %d connections" % accepted)
        check(up >= len(data) and down >= len(data),
              "status counted %d up, %d down" % (up, down))
        proxy.terminate()
        proxy.wait(5)

        # 200 kB at 100 kB/s each way: at least ~1.5 s, not loopback speed
        proxy, port = start("--rate", "100000")
        begin = time.time()
        data = os.urandom(200000)
        check(roundtrip(port, data, 10) == data, "rate-limited bytes changed")
        took = time.time() - begin
        check(1.5 <= took <= 15, "200 kB at 100 kB/s took %.2f s" % took)
        print("rate-limited transfer: %.2f s" % took)
    finally:
        for p in started:
            if p.poll() is None:
                p.kill()
            p.wait()
        echo.close()
        for name in os.listdir(work):
            os.unlink(os.path.join(work, name))
        os.rmdir(work)
    print("ok")


main()
