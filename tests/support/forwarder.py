"""A TCP port of its own in front of a server, that can go dead: a server that stopped, as its clients see it.

    forwarder = Forwarder(("127.0.0.1", 8080))   # forwarder.port: a new local port to the server
    ...                                          # served through it
    forwarder.close()                            # from now on: connection refused on that port

Closing stops listening and closes every connection it carried, as a
stopped server's port does: a client's pooled connection fails, and a new
one is refused. The server behind it goes on serving its other clients.
"""

from __future__ import annotations

import contextlib
import socket
import threading

CHUNK = 64 * 1024


class Forwarder:
    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            sockets, self._sockets = self._sockets, []
        for each in [self._listener, *sockets]:
            with contextlib.suppress(OSError):  # not connected (the listener) or already gone
                each.shutdown(socket.SHUT_RDWR)
            each.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # closed
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                if self._closed:
                    client.close()
                    upstream.close()
                    return
                self._sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pump, args=(source, sink), daemon=True).start()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(CHUNK):
            sink.sendall(data)
        sink.shutdown(socket.SHUT_WR)  # the other side's end of the request or answer
    except OSError:
        pass  # closed by Forwarder.close or by either peer
