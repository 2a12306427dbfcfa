"""A TCP connection from a pod to a listener: two bounded byte streams between two event loops.

The client end belongs to a process in a session (``nc``), on the session's thread; the server end
to the listening app, which runs on the cluster's loop (svclab.network.gohttp for the pods' HTTP
apps). Each direction is a `svclab.network.session.Channel` holding at most ``WINDOW`` bytes in
flight, like a socket's buffers: a writer that gets ahead of its reader waits. Either side closing
its writing half is a FIN (the other side reads end of file); the client closing the whole
connection (its process ended or was killed) also stops the server: it reads end of file, and what
it still writes is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

from svclab.network.session import Channel

WINDOW = 64 * 1024   # bytes in flight each way (a socket's default buffer order of magnitude)


@dataclass(frozen=True)
class Endpoint:
    ip: str
    port: int

    def __str__(self) -> str:
        return f"[{self.ip}]:{self.port}" if ":" in self.ip else f"{self.ip}:{self.port}"


class Connection:
    """One established connection: ``local`` is the pod's end, ``remote`` what it connected to
    (a ClusterIP stays the remote address: the DNAT is invisible to the client), ``server`` the
    pod that accepted it."""

    def __init__(self, local: Endpoint, remote: Endpoint, server: Endpoint) -> None:
        self.local = local
        self.remote = remote
        self.server = server
        self._up: Channel[bytes] = Channel(WINDOW)     # client -> server
        self._down: Channel[bytes] = Channel(WINDOW)   # server -> client

    # ---- the client's end (a process in a pod) ---------------------------------------------
    async def send(self, data: bytes) -> None:
        """write(2): waits while the server has not read what is in flight."""
        if data:
            await self._up.put(data, len(data))

    async def recv(self) -> bytes:
        """read(2): the next bytes from the server; b"" once it has closed its end."""
        item = await self._down.get()
        return item or b""

    def shutdown_write(self) -> None:
        """shutdown(SHUT_WR): the server reads end of file; the client can still read."""
        self._up.close()

    def close(self) -> None:
        """close(2) by the client (or its death): both directions end."""
        self._up.close()
        self._down.abandon()

    # ---- the server's end (the listening app) ------------------------------------------------
    async def read(self) -> bytes:
        """What the client sent next; b"" at its FIN (or once it has gone away)."""
        item = await self._up.get()
        return item or b""

    async def write(self, data: bytes) -> None:
        if data:
            await self._down.put(data, len(data))

    def close_server(self) -> None:
        """The server closes the connection: the client reads end of file after what was sent."""
        self._down.close()
        self._up.abandon()
