#!/usr/bin/python3
"""A TCP proxy for the live tests that can play a hung server.

    freeze_proxy.py LISTEN_PORT TARGET_PORT

Forwards 127.0.0.1:LISTEN_PORT to 127.0.0.1:TARGET_PORT. On SIGUSR1 the
connections open at that moment stop moving in both directions and are
never closed, with a receive buffer so small that the sender sees a
closed TCP window at once: what a pusher sees when an ingest server or the
path to it hangs. Connections made later are forwarded normally, so a
reconnect works."""
import signal
import socket
import sys
import threading

listen_port, target_port = int(sys.argv[1]), int(sys.argv[2])
frozen = set()
open_conns = set()
lock = threading.Lock()


def freeze(signum, frame):
    with lock:
        frozen.update(open_conns)


def hold_if_frozen(conn_id):
    with lock:
        stop = conn_id in frozen
    if stop:
        threading.Event().wait()  # hold the sockets, pass nothing, ever


def pump(conn_id, src, dst):
    try:
        while True:
            hold_if_frozen(conn_id)
            data = src.recv(4096)
            hold_if_frozen(conn_id)  # not even a close gets through
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def main():
    signal.signal(signal.SIGUSR1, freeze)
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    server.bind(("127.0.0.1", listen_port))
    server.listen(8)
    print("listening", flush=True)
    n = 0
    while True:
        client, _ = server.accept()
        upstream = socket.create_connection(("127.0.0.1", target_port))
        n += 1
        with lock:
            open_conns.add(n)
        threading.Thread(target=pump, args=(n, client, upstream),
                         daemon=True).start()
        threading.Thread(target=pump, args=(n, upstream, client),
                         daemon=True).start()


main()
