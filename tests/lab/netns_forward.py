"""TCP forwarder of the data-plane lab: 127.0.0.1:PORT inside network namespaces -> 127.0.0.1:PORT
of the namespace this process starts in (the machine's).

In `lab.py up --dataplane` each pod's Open vSwitch and agents run in the pod's own network
namespace (a "compute node"), whose loopback is not the machine's: the agents reach RabbitMQ
through this process. It is stdlib only and needs root (setns).

    python netns_forward.py --port 5672 --netns lab100-pod1 --netns lab100-pod2
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import selectors
import socket
import sys
import threading

CLONE_NEWNET = 0x40000000
LIBC = ctypes.CDLL(None, use_errno=True)


def setns(fd: int) -> None:
    if LIBC.setns(fd, CLONE_NEWNET) != 0:
        error = ctypes.get_errno()
        raise OSError(error, os.strerror(error))


def listen_in(netns: str, port: int, home: int) -> socket.socket:
    """A listening socket on 127.0.0.1:port inside the named namespace (a socket stays in the
    namespace it was made in; the thread goes back home afterwards)."""
    fd = os.open(f"/run/netns/{netns}", os.O_RDONLY)
    try:
        setns(fd)
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", port))
        server.listen(64)
        return server
    finally:
        setns(home)
        os.close(fd)


def pump(source: socket.socket, target: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            target.sendall(data)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            target.shutdown(socket.SHUT_WR)
        with contextlib.suppress(OSError):
            source.shutdown(socket.SHUT_RD)


def serve(listeners: list[socket.socket], port: int) -> None:
    selector = selectors.DefaultSelector()
    for server in listeners:
        selector.register(server, selectors.EVENT_READ)
    while True:
        for key, _ in selector.select():
            server = key.fileobj
            assert isinstance(server, socket.socket)
            client, _ = server.accept()
            try:
                upstream = socket.create_connection(("127.0.0.1", port), timeout=10)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=pump, args=(a, b), daemon=True).start()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, action="append", required=True)
    parser.add_argument("--netns", action="append", required=True)
    args = parser.parse_args(argv)
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    for port in args.port:
        listeners = [listen_in(netns, port, home) for netns in args.netns]
        threading.Thread(target=serve, args=(listeners, port), daemon=True).start()
    print(f"forwarding {args.port} into {', '.join(args.netns)}", flush=True)
    threading.Event().wait()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
