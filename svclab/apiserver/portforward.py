"""`pods/NAME/portforward`: TCP to a pod's port, as kubectl 1.36 asks for it.

kubectl opens a WebSocket with the subprotocol ``SPDY/3.1+portforward.k8s.io`` and speaks SPDY/3.1
inside it (client-go tools/portforward/tunneling_dialer.go; the API server's
apiserver/pkg/util/proxy/streamtunnel.go unwraps it). Per local connection it opens two SPDY
streams with the headers ``streamType`` (``error``, then ``data``), ``port`` and ``requestID``
(client-go tools/portforward/portforward.go handleConnection); the server replies to each
(SYN_REPLY), connects to the port inside the pod's network namespace, copies bytes both ways,
and closes the data stream when the pod's side closes, then the error stream (where it writes
the runtime's message first when the connection cannot be made). PINGs are answered.

Only the WebSocket tunnel is served: a request without an upgrade is refused with a 400 as the
API server's upgrade-aware proxy does, and kubectl's fallback to a raw SPDY upgrade is not
offered (kubectl 1.36 tunnels by default).

SPDY framing (draft 3.1): a control frame is ``1 | version(15) | type(16) | flags(8) |
length(24)``, a data frame ``0 | stream(31) | flags(8) | length(24)``; header blocks are
compressed with zlib and the SPDY dictionary, one compression context per direction.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
import zlib
from collections.abc import Awaitable, Callable
from typing import Any

from svclab.apiserver.spdy_dictionary import HEADER_DICTIONARY
from svclab.network.podenv import ConnectionRefused, ConnectTimeout
from svclab.validation import errors
from svclab.wire.server import AnyResponse, Request, WebSocketResponse

Obj = dict[str, Any]
PROTOCOL = "SPDY/3.1+portforward.k8s.io"
SPDY_VERSION = 3
SYN_STREAM, SYN_REPLY, RST_STREAM, SETTINGS, PING, GOAWAY, HEADERS, WINDOW_UPDATE = 1, 2, 3, 4, 6, 7, 8, 9
FLAG_FIN = 0x01
CHUNK = 32 * 1024
MAX_FRAME = 1 << 20          # the longest frame accepted from a client
MAX_STREAMS = 256            # streams open at once on one connection
MAX_WAITING = 4 << 20        # bytes a stream may send before its connection to the pod is made
RST_PROTOCOL_ERROR, RST_REFUSED_STREAM, RST_CANCEL = 1, 3, 5

Connector = Callable[[Obj, int], Awaitable[Any]]   # (pod, port) -> svclab.network.tcp.Connection


class ProtocolError(Exception):
    pass


def _header_block(headers: dict[str, str]) -> bytes:
    out = [struct.pack(">I", len(headers))]
    for name, value in headers.items():
        raw_name, raw_value = name.lower().encode(), value.encode()
        out += [struct.pack(">I", len(raw_name)), raw_name, struct.pack(">I", len(raw_value)), raw_value]
    return b"".join(out)


def _parse_header_block(data: bytes) -> dict[str, str]:
    try:
        (count,) = struct.unpack_from(">I", data, 0)
        offset, headers = 4, {}
        for _ in range(min(count, 64)):
            (length,) = struct.unpack_from(">I", data, offset)
            name = data[offset + 4:offset + 4 + length].decode()
            offset += 4 + length
            (length,) = struct.unpack_from(">I", data, offset)
            value = data[offset + 4:offset + 4 + length].decode()
            offset += 4 + length
            headers[name] = value
        return headers
    except (struct.error, UnicodeDecodeError) as exc:
        raise ProtocolError(str(exc)) from None


class SpdySession:
    """The server's side of one SPDY connection carried by a WebSocket."""

    def __init__(self, ws: WebSocketResponse, pod: Obj, connect: Connector, refused_message: Callable[[int], str]) -> None:
        self.ws = ws
        self.pod = pod
        self.connect = connect
        self.refused_message = refused_message
        self._buffer = bytearray()
        self._inflate = zlib.decompressobj(zdict=HEADER_DICTIONARY)
        self._deflate = zlib.compressobj(9, zlib.DEFLATED, 15, 8, zlib.Z_DEFAULT_STRATEGY, HEADER_DICTIONARY)
        self._send_lock = asyncio.Lock()
        self._pairs: dict[str, dict[str, int]] = {}        # requestID -> {"error": id, "data": id}
        self._conns: dict[int, Any] = {}                   # data stream id -> pod connection
        # data stream id -> what the client sent before the pod's side was connected (None: its FIN)
        self._waiting: dict[int, list[bytes | None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._open: set[int] = set()

    # ---- frames out ----------------------------------------------------------------------------------
    async def _send(self, frame: bytes) -> None:
        async with self._send_lock:
            await self.ws.send_bytes(frame)

    async def _control(self, kind: int, flags: int, payload: bytes) -> None:
        await self._send(struct.pack(">HHI", 0x8000 | SPDY_VERSION, kind, (flags << 24) | len(payload)) + payload)

    async def data(self, stream: int, payload: bytes, fin: bool = False) -> None:
        await self._send(struct.pack(">II", stream & 0x7FFFFFFF, ((FLAG_FIN if fin else 0) << 24) | len(payload)) + payload)

    async def reply(self, stream: int) -> None:
        block = self._deflate.compress(_header_block({})) + self._deflate.flush(zlib.Z_SYNC_FLUSH)
        await self._control(SYN_REPLY, 0, struct.pack(">I", stream) + block)

    async def reset(self, stream: int, status: int) -> None:
        await self._control(RST_STREAM, 0, struct.pack(">II", stream, status))

    # ---- frames in -----------------------------------------------------------------------------------
    async def run(self) -> None:
        try:
            async for message in self.ws:   # (ends when the client closes)
                data = message.data
                self._buffer += data.encode() if isinstance(data, str) else data
                while await self._next_frame():
                    pass
        except ProtocolError:
            with contextlib.suppress(ConnectionResetError):
                await self._control(GOAWAY, 0, struct.pack(">II", 0, RST_PROTOCOL_ERROR))
        finally:
            for conn in self._conns.values():
                conn.close()
            for task in list(self._tasks):
                task.cancel()

    async def _next_frame(self) -> bool:
        if len(self._buffer) < 8:
            return False
        first, second = struct.unpack_from(">II", self._buffer, 0)
        flags, length = second >> 24, second & 0xFFFFFF
        if length > MAX_FRAME:
            raise ProtocolError("frame too large")
        if len(self._buffer) < 8 + length:
            return False
        payload = bytes(self._buffer[8:8 + length])
        del self._buffer[:8 + length]
        if first & 0x80000000:
            await self._on_control(first & 0xFFFF, flags, payload)
        else:
            await self._on_data(first & 0x7FFFFFFF, flags, payload)
        return True

    async def _on_control(self, kind: int, flags: int, payload: bytes) -> None:
        if kind == SYN_STREAM:
            if len(payload) < 10:
                raise ProtocolError("short SYN_STREAM")
            stream = struct.unpack_from(">I", payload, 0)[0] & 0x7FFFFFFF
            try:
                block = self._inflate.decompress(payload[10:])
            except zlib.error as exc:
                raise ProtocolError(str(exc)) from None
            headers = _parse_header_block(block)
            await self._on_stream(stream, headers, bool(flags & FLAG_FIN))
        elif kind == PING and len(payload) == 4:
            await self._control(PING, 0, payload)
        elif kind == RST_STREAM and len(payload) >= 4:
            stream = struct.unpack_from(">I", payload, 0)[0] & 0x7FFFFFFF
            self._open.discard(stream)
            self._waiting.pop(stream, None)
            conn = self._conns.pop(stream, None)
            if conn is not None:
                conn.close()
        elif kind == GOAWAY:
            await self.ws.close()
        # SETTINGS, WINDOW_UPDATE, HEADERS: nothing to do (spdystream keeps no flow-control windows)

    async def _on_stream(self, stream: int, headers: dict[str, str], fin: bool) -> None:
        if len(self._open) >= MAX_STREAMS:
            await self.reset(stream, RST_REFUSED_STREAM)
            return
        self._open.add(stream)
        await self.reply(stream)
        kind, request = headers.get("streamtype", ""), headers.get("requestid", "")
        pair = self._pairs.setdefault(request, {})
        pair[kind] = stream
        if kind == "data":
            self._waiting[stream] = []
            port = headers.get("port", "")
            task = asyncio.ensure_future(self._forward(request, stream, port))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _on_data(self, stream: int, flags: int, payload: bytes) -> None:
        conn = self._conns.get(stream)
        waiting = self._waiting.get(stream)
        if conn is None and waiting is not None:   # the pod's side is being connected: keep it for then
            if sum(len(item) for item in waiting if item) + len(payload) > MAX_WAITING:
                self._waiting.pop(stream, None)
                self._open.discard(stream)
                await self.reset(stream, RST_CANCEL)
                return
            waiting.append(payload)
            if flags & FLAG_FIN:
                waiting.append(None)
            return
        if conn is not None:
            if payload:
                await conn.send(payload)
            if flags & FLAG_FIN:
                conn.shutdown_write()

    # ---- one forwarded connection ----------------------------------------------------------------------
    async def _forward(self, request: str, stream: int, port_text: str) -> None:
        error_stream = self._pairs.get(request, {}).get("error")
        try:
            port = int(port_text)
            if not 0 < port < 65536:
                raise ValueError(port_text)
        except ValueError:
            self._waiting.pop(stream, None)
            await self._fail(error_stream, stream, f'invalid port "{port_text}"')
            return
        try:
            conn = await self.connect(self.pod, port)
        except (ConnectionRefused, ConnectTimeout):
            self._waiting.pop(stream, None)
            await self._fail(error_stream, stream, self.refused_message(port))
            return
        try:
            waiting = self._waiting.get(stream, [])
            while waiting:   # what came before the connection, in order; then frames go straight to it
                item = waiting.pop(0)
                if item is None:
                    conn.shutdown_write()
                elif item:
                    await conn.send(item)
            if stream not in self._waiting:
                return   # the client reset the stream meanwhile
            del self._waiting[stream]
            self._conns[stream] = conn
            while True:
                chunk = await conn.recv()
                if not chunk:
                    break
                for i in range(0, len(chunk), CHUNK):
                    await self.data(stream, chunk[i:i + CHUNK])
            if stream in self._open:
                await self.data(stream, b"", fin=True)
            if error_stream is not None and error_stream in self._open:
                await self.data(error_stream, b"", fin=True)
        except ConnectionResetError:
            pass
        finally:
            self._conns.pop(stream, None)
            self._waiting.pop(stream, None)
            self._pairs.pop(request, None)
            conn.close()

    async def _fail(self, error_stream: int | None, stream: int, message: str) -> None:
        if error_stream is not None:
            await self.data(error_stream, message.encode(), fin=True)
        await self.data(stream, b"", fin=True)
        self._pairs.pop(next((r for r, p in self._pairs.items() if p.get("data") == stream), ""), None)


class PortForwardHandler:
    """Serves ``pods/NAME/portforward`` for the API server."""

    def __init__(self, get_pod: Callable[[str, str], Obj], connect: Connector, running: Callable[[Obj], bool]) -> None:
        self.get_pod = get_pod
        self.connect = connect
        self.running = running

    async def __call__(self, request: Request, namespace: str, name: str) -> AnyResponse:
        pod = self.get_pod(namespace, name)
        if request.headers.get("Upgrade", "").lower() != "websocket":
            raise errors.bad_request("Upgrade request required")
        if not pod["spec"].get("nodeName"):
            raise errors.bad_request(f"pod {name} does not have a host assigned")
        if pod.get("status", {}).get("phase") != "Running" or not self.running(pod):
            raise errors.bad_request(f"pod {name} is not running")   # kubectl checks this itself first
        ws = WebSocketResponse(protocols=(PROTOCOL,), autoping=True, max_msg_size=MAX_FRAME + 16)
        await ws.prepare(request)
        if ws.ws_protocol != PROTOCOL:
            await ws.close()
            return ws
        uid = pod["metadata"]["uid"]

        def refused(port: int) -> str:
            # containerd's message when nothing listens on the port in the pod's namespace
            sandbox = uid.replace("-", "")[:12]
            return (f"error forwarding port {port} to pod {sandbox}, uid : failed to execute portforward in network "
                    f'namespace "/var/run/netns/cni-{uid}": failed to connect to localhost:{port} inside namespace '
                    f'"{sandbox}", IPv4: dial tcp4 127.0.0.1:{port}: connect: connection refused IPv6 dial tcp6: '
                    "address localhost: no suitable address ")

        session = SpdySession(ws, pod, self.connect, refused)
        try:
            await session.run()
        except ConnectionResetError:
            pass
        finally:
            await ws.close()
        return ws
