"""svclab.wire.server on a real loopback socket: keep-alive, pipelining, bodies, streams, WebSockets and the
bounds that keep a slow, silent or broken client from holding anything."""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import ssl
import struct
import threading
import time
import weakref
from collections.abc import Iterator
from typing import Any

import pytest
import websocket as websocket_client   # websocket-client, what the kubernetes client's stream() uses

from svclab.cluster.tls import make_certs
from svclab.wire.server import Application, BodyTooLarge, Request, Response, Server, StreamResponse, WebSocketResponse
from svclab.wire.websocket import Opcode, unmask

MAX_BODY = 1000


class Running:
    """A Server with a small test application, on its own loop in a thread."""

    def __init__(self, tls: bool = False, **bounds: float) -> None:
        self.loop = asyncio.new_event_loop()
        self.streams_open = 0
        self.certs = make_certs("test") if tls else None
        self.server = Server(Application(self.handle, [self.too_large], max_body=MAX_BODY), **bounds)
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(self.loop)
            context = self.certs.server_context() if self.certs else None
            self.port = self.loop.run_until_complete(self.server.start("127.0.0.1", 0, context))
            ready.set()
            self.loop.run_forever()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        ready.wait(10)

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.server.stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    def connections(self) -> int:
        async def count() -> int:
            return len(self.server._connections)
        return asyncio.run_coroutine_threadsafe(count(), self.loop).result(10)

    async def too_large(self, request: Request, handler: Any) -> Any:
        try:
            return await handler(request)
        except BodyTooLarge:
            return Response(status=413, text="too large")

    async def handle(self, request: Request) -> Any:
        if request.path == "/echo":
            body = await request.read()
            return Response(body=b"%s %s %s" % (request.method.encode(), request.query_string.encode(), body), content_type="text/plain")
        if request.path == "/stream":
            response = StreamResponse(headers={"Content-Type": "application/json"})
            await response.prepare(request)
            self.streams_open += 1
            try:
                for index in range(int(request.query.get("n", "3") or 3)):
                    await response.write(b'{"n":%d}\n' % index)
                    await asyncio.sleep(float(request.query.get("pause", "0") or 0))
            finally:
                self.streams_open -= 1
            await response.write_eof()
            return response
        if request.path == "/ws":
            ws = WebSocketResponse(protocols=("v5.channel.k8s.io", "v4.channel.k8s.io"), max_msg_size=MAX_BODY)
            await ws.prepare(request)
            async for message in ws:
                data = message.data.encode() if isinstance(message.data, str) else message.data
                await ws.send_bytes(b"echo:" + data)
            return ws
        return Response(text=f"{request.method} {request.path}")


@pytest.fixture
def server() -> Iterator[Running]:
    running = Running(idle_seconds=1.0, header_seconds=0.5, body_seconds=0.5)
    yield running
    running.stop()


def connect(server: Running) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=5)


def read_all(sock: socket.socket) -> bytes:
    out = b""
    while chunk := sock.recv(65536):
        out += chunk
    return out


_PENDING: "weakref.WeakKeyDictionary[socket.socket, bytes]" = weakref.WeakKeyDictionary()   # bytes read past a response


def read_response(sock: socket.socket) -> tuple[bytes, bytes]:
    """One response (Content-Length or chunked framing): its head and body; what follows it is kept for the next."""
    data = _PENDING.pop(sock, b"")

    def more() -> bytes:
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection"
        return chunk

    while b"\r\n\r\n" not in data:
        data += more()
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    fields = {k.lower(): v.strip() for k, _, v in (line.partition(b":") for line in lines[1:])}
    if b"content-length" in fields:
        size = int(fields[b"content-length"])
        while len(rest) < size:
            rest += more()
        _PENDING[sock] = rest[size:]
        return head, rest[:size]
    body = b""
    while True:
        while b"\r\n" not in rest:
            rest += more()
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line, 16)
        while len(rest) < size + 2:
            rest += more()
        if size == 0:
            _PENDING[sock] = rest[2:]
            return head, body
        body, rest = body + rest[:size], rest[size + 2:]


def test_keep_alive_and_pipelined_requests_are_answered_in_order(server: Running) -> None:
    sock = connect(server)
    sock.sendall(b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /echo?q=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
                 b"GET /b HTTP/1.1\r\nHost: x\r\n\r\n")
    answers = [read_response(sock) for _ in range(3)]
    assert [body for _head, body in answers] == [b"GET /a", b"POST q=1 hello", b"GET /b"]
    assert answers[0][0].startswith(b"HTTP/1.1 200 OK\r\n") and b"Content-Type: text/plain; charset=utf-8" in answers[0][0]
    sock.sendall(b"GET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    head, body = read_response(sock)
    assert body == b"GET /c" and b"Connection: close" in head
    assert sock.recv(10) == b""   # and the server closed it


def test_a_chunked_request_body_and_expect_100_continue(server: Running) -> None:
    sock = connect(server)
    sock.sendall(b"PUT /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n")
    assert sock.recv(100) == b"HTTP/1.1 100 Continue\r\n\r\n"
    sock.sendall(b"3\r\nabc\r\n4;x=y\r\ndefg\r\n0\r\n\r\nGET /after HTTP/1.1\r\nHost: x\r\n\r\n")
    assert read_response(sock)[1] == b"PUT  abcdefg"
    assert read_response(sock)[1] == b"GET /after"


def test_an_answer_before_100_continue_closes_the_connection(server: Running) -> None:
    sock = connect(server)   # the handler answers without reading: no 100 Continue after a final answer
    sock.sendall(b"POST /plain HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
    head, body = read_response(sock)
    assert head.startswith(b"HTTP/1.1 200 OK") and body == b"POST /plain" and b"Connection: close" in head
    assert read_all(sock) == b""


def test_a_body_over_the_limit_gets_the_application_s_answer_and_the_connection_closes(server: Running) -> None:
    for request in (b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n",
                    b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + b"100\r\n" + b"a" * 256 + b"\r\n" * 1 + b"400\r\n" + b"a" * 1024 + b"\r\n"):
        sock = connect(server)
        sock.sendall(request)
        head, body = read_response(sock)
        assert head.startswith(b"HTTP/1.1 413 ") and body == b"too large" and b"Connection: close" in head
        assert read_all(sock) == b""


@pytest.mark.parametrize("request_bytes", [
    b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nnot-hex\r\n",   # a broken chunked body
    b"GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\r\n",  # no key
], ids=["chunked-body", "websocket-handshake"])
def test_a_broken_body_or_handshake_is_a_400_and_close(server: Running, request_bytes: bytes) -> None:
    sock = connect(server)
    sock.sendall(request_bytes)
    assert read_all(sock).startswith(b"HTTP/1.1 400 Bad Request\r\n")


def test_malformed_and_oversized_heads_get_go_s_answers_then_close(server: Running) -> None:
    sock = connect(server)
    sock.sendall(b"NOT HTTP AT ALL\r\n\r\n")
    assert read_all(sock) == b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request"
    sock = connect(server)
    sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
    try:
        for _ in range(200):
            sock.sendall(b"X-Big: " + b"a" * 8000 + b"\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass   # the server answered and closed before the client finished
    try:
        answer = read_all(sock)
    except ConnectionResetError:
        answer = b"HTTP/1.1 431 (reset after)"
    assert answer.startswith(b"HTTP/1.1 431 ")
    sock = connect(server)
    sock.sendall(b"GET /still-serving HTTP/1.1\r\nHost: x\r\n\r\n")
    assert read_response(sock)[1] == b"GET /still-serving"


def test_silent_and_slow_clients_are_dropped_without_an_answer(server: Running) -> None:
    idle = connect(server)             # never sends a byte: dropped after idle_seconds
    slow = connect(server)             # starts a head and never ends it: dropped after header_seconds
    slow.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
    body = connect(server)             # promises a body it never sends: dropped after body_seconds
    body.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
    started = time.monotonic()
    assert read_all(slow) == b"" and time.monotonic() - started < 1.0
    assert read_all(body) == b""
    assert read_all(idle) == b"" and time.monotonic() - started < 3.0
    deadline = time.monotonic() + 5
    while server.connections() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.connections() == 0


def test_a_stream_is_chunked_and_a_client_leaving_mid_stream_costs_nothing(server: Running) -> None:
    sock = connect(server)
    sock.sendall(b"GET /stream?n=3 HTTP/1.1\r\nHost: x\r\n\r\n")
    head, body = read_response(sock)
    assert b"Transfer-Encoding: chunked" in head and body == b'{"n":0}\n{"n":1}\n{"n":2}\n'
    for _ in range(5):
        gone = connect(server)
        gone.sendall(b"GET /stream?n=100000&pause=0.01 HTTP/1.1\r\nHost: x\r\n\r\n")
        gone.recv(100)
        gone.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        gone.close()   # reset mid-stream
    deadline = time.monotonic() + 5
    while (server.streams_open or server.connections() > 1) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.streams_open == 0 and server.connections() == 1
    sock.sendall(b"GET /ok HTTP/1.1\r\nHost: x\r\n\r\n")
    assert read_response(sock)[1] == b"GET /ok"


@pytest.mark.parametrize("tls", [False, True])
def test_a_client_that_stops_reading_a_stream_is_dropped_after_write_seconds(tls: bool) -> None:
    """Writes below the high-water mark go out without waiting; once the client stops reading and the buffers fill,
    the next write waits at most write_seconds, then the connection is cut and the handler ends (nothing else)."""
    running = Running(tls=tls, write_seconds=0.5)
    try:
        def dial(rcvbuf: int | None = None) -> Any:
            raw = connect(running)
            if rcvbuf:
                raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
            if not tls:
                return raw
            assert running.certs is not None
            context = ssl.create_default_context(cadata=running.certs.ca_pem.decode())
            context.check_hostname = False
            return context.wrap_socket(raw)

        sock = dial(4096)
        sock.sendall(b"GET /stream?n=10000000 HTTP/1.1\r\nHost: x\r\n\r\n")
        sock.recv(100)   # the stream has started; now the client reads nothing more
        deadline = time.monotonic() + 20
        while running.streams_open and time.monotonic() < deadline:
            time.sleep(0.05)
        assert running.streams_open == 0, "the stream's writer still waits on a client that does not read"
        while running.connections() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert running.connections() == 0
        other = dial()
        other.sendall(b"GET /ok HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(other)[1] == b"GET /ok"
        sock.close()
    finally:
        running.stop()


def test_http_1_0_and_head_requests(server: Running) -> None:
    sock = connect(server)
    sock.sendall(b"HEAD /x HTTP/1.1\r\nHost: x\r\n\r\nGET /y HTTP/1.1\r\nHost: x\r\n\r\n")
    data = b""
    while data.count(b"HTTP/1.1 200") < 2 or not data.endswith(b"GET /y"):
        data += sock.recv(65536)
    first, second = data.split(b"HTTP/1.1 200 OK")[1:]
    assert b"Content-Length: 7" in first and first.endswith(b"\r\n\r\n")   # the length a GET would have, no body
    sock = connect(server)
    sock.sendall(b"GET /stream?n=2 HTTP/1.0\r\n\r\n")
    answer = read_all(sock)   # no chunked framing for HTTP/1.0: the body ends with the connection
    assert b"Transfer-Encoding" not in answer and answer.endswith(b'{"n":0}\n{"n":1}\n')


def ws_url(server: Running) -> str:
    return f"ws://127.0.0.1:{server.port}/ws"


def test_a_websocket_with_the_client_s_first_served_subprotocol_pings_and_close(server: Running) -> None:
    ws = websocket_client.create_connection(ws_url(server), subprotocols=["v4.channel.k8s.io", "v5.channel.k8s.io"], timeout=5)
    assert ws.getsubprotocol() == "v4.channel.k8s.io"
    ws.send_binary(b"\x00stdin")
    assert ws.recv() == b"echo:\x00stdin"
    ws.send("\x00text")   # a text frame: the kubelet reads it as bytes too
    assert ws.recv() == b"echo:\x00text"
    ws.ping(b"beat")
    opcode, data = ws.recv_data(control_frame=True)
    assert (opcode, data) == (websocket_client.ABNF.OPCODE_PONG, b"beat")
    ws.close()
    deadline = time.monotonic() + 5
    while server.connections() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.connections() == 0


def test_a_websocket_message_over_the_limit_closes_with_1009(server: Running) -> None:
    ws = websocket_client.create_connection(ws_url(server), timeout=5)
    ws.send_binary(b"x" * (MAX_BODY + 1))
    opcode, data = ws.recv_data(control_frame=True)
    assert opcode == websocket_client.ABNF.OPCODE_CLOSE and struct.unpack("!H", data[:2])[0] == 1009
    ws.close()


def test_an_unmasked_client_frame_closes_with_1002(server: Running) -> None:
    sock = connect(server)
    key = base64.b64encode(os.urandom(16))
    sock.sendall(b"GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                 b"Sec-WebSocket-Key: " + key + b"\r\n\r\n" + b"\x82\x02hi")
    answer = read_all(sock)
    assert answer.startswith(b"HTTP/1.1 101 Switching Protocols\r\n")
    assert answer.endswith(b"\x88\x02\x03\xea")   # close 1002


def test_tls_and_the_stop_that_ends_every_connection() -> None:
    running = Running(tls=True)
    assert running.certs is not None
    context = ssl.create_default_context(cadata=running.certs.ca_pem.decode())
    sock = context.wrap_socket(socket.create_connection(("127.0.0.1", running.port), timeout=5), server_hostname="127.0.0.1")
    sock.sendall(b"GET /stream?n=1000000&pause=0.01 HTTP/1.1\r\nHost: x\r\n\r\n")
    assert sock.recv(100).startswith(b"HTTP/1.1 200 OK")
    started = time.monotonic()
    running.stop()
    assert time.monotonic() - started < 3
    with pytest.raises((OSError, ssl.SSLError)):
        while sock.recv(65536):
            pass
        raise ConnectionResetError("closed")


def test_unmask_is_its_own_inverse() -> None:
    mask, data = b"\x01\x02\x03\x04", bytes(range(256)) * 3
    assert unmask(mask, unmask(mask, data)) == data and unmask(mask, b"") == b""
    assert Opcode.BINARY == 2
