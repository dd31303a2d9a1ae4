#!/usr/bin/python3
"""A TCP proxy for the live tests that can play a hung server.

    freeze_proxy.py LISTEN_PORT TARGET_PORT

Forwards 127.0.0.1:LISTEN_PORT to 127.0.0.1:TARGET_PORT. On SIGUSR1 it
stops reading from the connections open at that moment, with a receive
buffer so small that the sender sees a closed TCP window at once: what a
pusher sees when an ingest server hangs. Connections made later are
forwarded normally, so a reconnect works."""
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


def pump(conn_id, src, dst, watch):
    try:
        while True:
            if watch:
                with lock:
                    stop = conn_id in frozen
                if stop:
                    threading.Event().wait()  # hold the socket, read nothing
            data = src.recv(4096)
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
        threading.Thread(target=pump, args=(n, client, upstream, True),
                         daemon=True).start()
        threading.Thread(target=pump, args=(n, upstream, client, False),
                         daemon=True).start()


main()
