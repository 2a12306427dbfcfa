"""An HTTP/1.1 server on asyncio streams (TLS from the caller's `ssl.SSLContext`): connections, keep-alive,
pipelining, bodies, streamed responses and WebSocket upgrades; what a request means is the application's.

One task per connection reads requests one after another (pipelined ones wait in the buffer), hands each to the
application and writes its answer. The bounds are the API server's (svclab.wire.http1): a request head within
MAX_HEADER_BYTES and `header_seconds` of its first byte, the next request's first byte within `idle_seconds`
(silent clients are dropped without an answer, as net/http drops them), a body within `max_body` (larger: the
application's `BodyTooLarge` answer, then the connection closes) and `body_seconds`, a write the client does not
read within `write_seconds`. A client that goes away mid-answer ends its connection's task and nothing else.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import time
from typing import Any, AsyncIterator, Awaitable, Callable, Iterable
from urllib.parse import parse_qsl, unquote

from svclab.wire import http1, websocket
from svclab.wire.http1 import Headers, Refused

log = logging.getLogger("svclab.wire")

IDLE_SECONDS = 90.0        # secure_serving.go IdleTimeout
HEADER_SECONDS = 32.0      # secure_serving.go ReadHeaderTimeout
BODY_SECONDS = 60.0        # the apiserver's default request timeout (--request-timeout 1m0s)
WRITE_SECONDS = 60.0       # a client that reads nothing of an answer for this long is gone
DRAIN_AFTER_HANDLER = 256 << 10   # net/http's maxPostHandlerReadBytes: an unread body up to this is skipped
READ_SIZE = 64 * 1024
CLOSE_WAIT_SECONDS = 2.0   # how long a WebSocket close waits for the client's close frame
SHUTDOWN_SECONDS = 0.5

Handler = Callable[["Request"], Awaitable["AnyResponse"]]
Middleware = Callable[["Request", Handler], Awaitable["AnyResponse"]]


class BodyTooLarge(Exception):
    """The request body is longer than the server accepts (the application answers it)."""


class ClientGone(ConnectionResetError):
    """The client closed the connection, stopped sending its body, or stopped reading the answer."""


class Query:
    """A request's query parameters, in order, several per key."""

    __slots__ = ("_pairs",)

    def __init__(self, raw: str) -> None:
        self._pairs = parse_qsl(raw, keep_blank_values=True)

    def get(self, key: str, default: str | None = None) -> str | None:
        for name, value in self._pairs:
            if name == key:
                return value
        return default

    def getall(self, key: str, default: list[str] | None = None) -> list[str]:
        found = [value for name, value in self._pairs if name == key]
        if not found and default is None:
            raise KeyError(key)
        return found or list(default or [])

    def __contains__(self, key: object) -> bool:
        return any(name == key for name, _ in self._pairs)

    def items(self) -> list[tuple[str, str]]:
        return list(self._pairs)


class Request:
    def __init__(self, head: http1.RequestHead, conn: "_Connection") -> None:
        self._head = head
        self._conn = conn
        self.method = head.method
        self.version = head.version
        self.headers = head.headers
        raw_path, _, self.query_string = head.target.partition("?")
        if "://" in raw_path:   # absolute-form target: its path
            raw_path = "/" + raw_path.split("://", 1)[1].partition("/")[2]
        self.raw_path = raw_path
        self.path = unquote(raw_path)
        self.query = Query(self.query_string)
        self._state: dict[str, Any] = {}
        self._body: bytes | None = None
        self.body_read = head.content_length == 0 and not head.chunked

    @property
    def path_qs(self) -> str:
        return self._head.target

    @property
    def transport(self) -> asyncio.BaseTransport | None:
        """The connection while it is open; None once the client has gone."""
        transport = self._conn.writer.transport
        return None if transport.is_closing() else transport

    def __getitem__(self, key: str) -> Any:
        return self._state[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._state[key] = value

    def get(self, key: str, default: Any = None) -> Any:
        return self._state.get(key, default)

    async def read(self) -> bytes:
        """The whole body (at most the server's max_body; BodyTooLarge otherwise)."""
        if self._body is None:
            self._body = await self._conn.read_body(self._head, self._conn.max_body, too_large=True)
            self.body_read = True
        return self._body


class Response:
    """A whole answer, written after the handler returns."""

    prepared = False

    def __init__(self, *, body: bytes | None = None, status: int = 200, text: str | None = None,
                 content_type: str | None = None, headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.headers = Headers(headers)
        if text is not None:
            body = text.encode()
            content_type = (content_type or "text/plain") + "; charset=utf-8"
        self.body = body or b""
        if content_type is not None:
            self.headers["Content-Type"] = content_type
        elif "Content-Type" not in self.headers and text is None and body:
            self.headers["Content-Type"] = "application/octet-stream"


class StreamResponse:
    """An answer written as it is made: the head at `prepare`, then `write`s (chunked unless content_length is
    set), then `write_eof`."""

    def __init__(self, *, status: int = 200, headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.headers = Headers(headers)
        self.headers.pop("Transfer-Encoding")
        self.content_length: int | None = None
        self.prepared = False
        self.finished = False
        self._conn: _Connection | None = None
        self._chunked = False
        self._head_only = False

    async def prepare(self, request: Request) -> None:
        if self.prepared:
            return
        conn = request._conn
        self._conn = conn
        self._head_only = request.method == "HEAD"
        if self.content_length is not None:
            self.headers["Content-Length"] = str(self.content_length)
        elif request.version >= (1, 1):
            self._chunked = True
            self.headers["Transfer-Encoding"] = "chunked"
        else:
            conn.keep_alive = False   # HTTP/1.0: the end of the answer is the end of the connection
        if not conn.keep_alive:
            self.headers["Connection"] = "close"
        self.prepared = True
        await conn.send(http1.response_head(self.status, self.headers, conn.date()))

    async def write(self, data: bytes) -> None:
        assert self._conn is not None, "prepare() first"
        if not data or self._head_only:
            return
        await self._conn.send(http1.chunk(data) if self._chunked else data)

    async def write_eof(self) -> None:
        if self.finished or self._conn is None:
            return
        self.finished = True
        if self._chunked and not self._head_only:
            await self._conn.send(http1.LAST_CHUNK)


class WebSocketResponse:
    """The server's side of a WebSocket: `prepare` answers the upgrade (101) with the first of the client's
    subprotocols it serves; pings are answered while the handler receives."""

    def __init__(self, *, protocols: Iterable[str] = (), autoping: bool = True,
                 max_msg_size: int = websocket.DEFAULT_MAX_MESSAGE) -> None:
        self.protocols = tuple(protocols)
        self.autoping = autoping
        self.max_msg_size = max_msg_size
        self.ws_protocol: str | None = None
        self.status = 101
        self.prepared = False
        self.closed = False
        self._conn: _Connection | None = None
        self._parser = websocket.FrameParser(max_msg_size)
        self._pending: list[websocket.Message] = []
        self._close_received = False
        self._protocol_error: websocket.ProtocolError | None = None
        self._reading = False

    def _refusal(self, request: Request) -> Refused | None:
        headers = request.headers
        if request.method != "GET" or (headers.get("Upgrade") or "").lower() != "websocket" or not request._head.upgrade:
            return Refused(400, body="Bad Request")
        if headers.get("Sec-WebSocket-Version") != "13" or not websocket.valid_key(headers.get("Sec-WebSocket-Key") or ""):
            return Refused(400, body="Bad Request")
        return None

    async def prepare(self, request: Request) -> None:
        if self.prepared:
            return
        refused = self._refusal(request)
        conn = self._conn = request._conn
        if refused is not None:
            raise refused
        offered = [p.strip() for p in ",".join(request.headers.getall("Sec-WebSocket-Protocol", [])).split(",") if p.strip()]
        self.ws_protocol = next((p for p in offered if p in self.protocols), None)
        headers = Headers([("Upgrade", "websocket"), ("Connection", "Upgrade"),
                           ("Sec-WebSocket-Accept", websocket.accept_key(request.headers["Sec-WebSocket-Key"]))])
        if self.ws_protocol is not None:
            headers.add("Sec-WebSocket-Protocol", self.ws_protocol)
        conn.upgraded = True
        self.prepared = True
        await conn.send(http1.response_head(101, headers, conn.date()))
        leftover = bytes(conn.buffer)
        conn.buffer.clear()
        if leftover:
            self._feed(leftover)

    def _feed(self, data: bytes) -> None:
        try:
            self._pending.extend(self._parser.feed(data))
        except websocket.ProtocolError as exc:
            self._pending.append(websocket.Message(websocket.Opcode.CLOSE, b""))
            self._protocol_error = exc

    async def _send_frame(self, opcode: int, payload: bytes) -> None:
        if self.closed or self._conn is None:
            raise ClientGone("the WebSocket is closed")
        await self._conn.send(websocket.frame(opcode, payload))

    async def send_bytes(self, data: bytes) -> None:
        await self._send_frame(websocket.Opcode.BINARY, bytes(data))

    async def send_str(self, data: str) -> None:
        await self._send_frame(websocket.Opcode.TEXT, data.encode())

    async def ping(self, data: bytes = b"") -> None:
        await self._send_frame(websocket.Opcode.PING, data)

    async def receive(self) -> websocket.Message:
        """The next message; CLOSE once the client closed, went away or broke the protocol (the connection is then
        closed)."""
        conn = self._conn
        assert conn is not None, "prepare() first"
        while True:
            while self._pending:
                message = self._pending.pop(0)
                if message.type == websocket.Opcode.PING and self.autoping:
                    with contextlib.suppress(ConnectionError):
                        await self._send_frame(websocket.Opcode.PONG, bytes(message.data))  # type: ignore[arg-type]
                    continue
                if message.type == websocket.Opcode.PONG and self.autoping:
                    continue
                if message.type == websocket.Opcode.CLOSE:
                    self._close_received = True
                    error = self._protocol_error
                    await self.close(code=error.code if error is not None else websocket.Close.NORMAL)
                return message
            if self.closed:
                return websocket.Message(websocket.Opcode.CLOSE, b"")
            self._reading = True
            try:
                data = await conn.reader.read(READ_SIZE)
            except (ConnectionError, ssl.SSLError):
                data = b""
            finally:
                self._reading = False
            if not data:
                self._close_received = True
                await self.close(code=websocket.Close.GOING_AWAY)
                return websocket.Message(websocket.Opcode.CLOSE, b"")
            self._feed(data)

    def __aiter__(self) -> AsyncIterator[websocket.Message]:
        return self._messages()

    async def _messages(self) -> AsyncIterator[websocket.Message]:
        while True:
            message = await self.receive()
            if message.type == websocket.Opcode.CLOSE:
                return
            yield message

    async def close(self, *, code: int = websocket.Close.NORMAL) -> None:
        """Send a close frame (once), wait briefly for the client's, and end the connection."""
        if self.closed or self._conn is None:
            return
        self.closed = True
        conn = self._conn
        with contextlib.suppress(ConnectionError, ssl.SSLError):
            await conn.send(websocket.close_frame(code))
            if not self._close_received and not self._reading:   # (a reader elsewhere sees the client's close itself)
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._await_close(conn), CLOSE_WAIT_SECONDS)
        conn.writer.close()

    async def _await_close(self, conn: "_Connection") -> None:
        while not self._close_received:
            data = await conn.reader.read(READ_SIZE)
            if not data:
                return
            try:
                messages = self._parser.feed(data)
            except websocket.ProtocolError:
                return
            if any(m.type == websocket.Opcode.CLOSE for m in messages):
                return


AnyResponse = Response | StreamResponse | WebSocketResponse


class Application:
    """The request handler with its middlewares (each `(request, handler) -> response`, the first outermost)."""

    def __init__(self, handler: Handler, middlewares: Iterable[Middleware] = (), max_body: int = 1 << 20) -> None:
        self.handler = handler
        self.middlewares = list(middlewares)
        self.max_body = max_body

    async def __call__(self, request: Request) -> AnyResponse:
        handler = self.handler
        for middleware in reversed(self.middlewares):
            handler = _bound(middleware, handler)
        return await handler(request)


def _writing_paused(transport: asyncio.BaseTransport) -> bool:
    """Has the transport told its protocol to stop writing (its buffer is past the high-water mark), so that a
    drain() would wait? asyncio's streams keep that in FlowControlMixin._paused (3.11); a protocol without it is
    taken as paused, so its drain keeps the write timeout."""
    return bool(getattr(transport.get_protocol(), "_paused", True))


def _bound(middleware: Middleware, handler: Handler) -> Handler:
    async def call(request: Request) -> AnyResponse:
        return await middleware(request, handler)
    return call


class _Connection:
    def __init__(self, server: "Server", reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.server = server
        self.reader = reader
        self.writer = writer
        self.max_body = server.app.max_body
        self.buffer = bytearray()
        self.keep_alive = True
        self.upgraded = False
        self.reusable = True

    def date(self) -> str:
        return self.server.date()

    async def send(self, data: bytes) -> None:
        transport = self.writer.transport
        if transport.is_closing():
            raise ClientGone("the client went away")
        self.writer.write(data)
        if not _writing_paused(transport):
            # below the high-water mark drain() returns without waiting: awaited directly, without the task and
            # timer asyncio.wait_for makes for it (most answers; a WebSocket's frames)
            await self.writer.drain()
            return
        try:
            await asyncio.wait_for(self.writer.drain(), self.server.write_seconds)
        except asyncio.TimeoutError:
            transport.abort()
            raise ClientGone("the client stopped reading") from None

    async def _more(self, timeout: float) -> bytes:
        try:
            data = await asyncio.wait_for(self.reader.read(READ_SIZE), max(timeout, 0.0))
        except asyncio.TimeoutError:
            raise ClientGone("timed out") from None
        except (ConnectionError, ssl.SSLError) as exc:
            raise ClientGone(str(exc)) from None
        if not data:
            raise ClientGone("end of stream")
        return data

    async def read_head(self, heads: http1.HeadReader) -> http1.RequestHead:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.server.header_seconds if self.buffer else None
        while (size := heads.find(self.buffer)) < 0:
            if deadline is None:
                data = await self._more(self.server.idle_seconds)
                deadline = loop.time() + self.server.header_seconds
            else:
                data = await self._more(deadline - loop.time())
            self.buffer += data
        block = bytes(self.buffer[:size]).rstrip(b"\r\n")
        del self.buffer[:size]
        return http1.parse_head(block)

    async def read_body(self, head: http1.RequestHead, limit: int, too_large: bool) -> bytes:
        """The body, at most `limit` bytes: BodyTooLarge past it (`too_large`), else None-like b"" with the
        connection marked not reusable."""
        if not head.chunked and head.content_length == 0:
            return b""
        if not head.chunked and head.content_length > limit:
            self.reusable = False
            if too_large:
                raise BodyTooLarge()
            return b""
        if head.expect_continue and not getattr(head, "continued", False):
            head.continued = True  # type: ignore[attr-defined]
            await self.send(b"HTTP/1.1 100 Continue\r\n\r\n")
        deadline = asyncio.get_running_loop().time() + self.server.body_seconds
        if not head.chunked:
            while len(self.buffer) < head.content_length:
                self.buffer += await self._more(deadline - asyncio.get_running_loop().time())
            body = bytes(self.buffer[:head.content_length])
            del self.buffer[:head.content_length]
            return body
        decoder = http1.ChunkedDecoder()
        body = bytearray(decoder.feed(bytes(self.buffer)))
        self.buffer.clear()
        while not decoder.done:
            if len(body) > limit:
                self.reusable = False
                if too_large:
                    raise BodyTooLarge()
                return b""
            body += decoder.feed(await self._more(deadline - asyncio.get_running_loop().time()))
        if len(body) > limit:
            self.reusable = False
            if too_large:
                raise BodyTooLarge()
            return b""
        self.buffer += decoder.leftover()
        return bytes(body)

    async def run(self) -> None:
        heads = http1.HeadReader()
        while True:
            try:
                head = await self.read_head(heads)
            except Refused as refused:
                await self._refuse(refused)
                return
            except ClientGone:
                return
            self.keep_alive = head.keep_alive
            request = Request(head, self)
            try:
                response = await self.server.app(request)
                await self._finish(request, response)
            except Refused as refused:   # a body that does not parse, a WebSocket handshake that is not one
                await self._refuse(refused)
                return
            except (ClientGone, ConnectionError, ssl.SSLError):
                return
            if self.upgraded or not self.keep_alive:
                return
            if not request.body_read:
                try:
                    await self.read_body(head, DRAIN_AFTER_HANDLER, too_large=False)
                except (Refused, ClientGone):
                    return
            if not self.reusable:
                return

    async def _finish(self, request: Request, response: AnyResponse) -> None:
        if isinstance(response, WebSocketResponse):
            if not response.prepared:
                raise Refused(400, body="Bad Request")
            await response.close()
            return
        if isinstance(response, StreamResponse):
            if not response.prepared:
                await response.prepare(request)
            await response.write_eof()
            return
        head = request._head
        if not request.body_read and (head.chunked or head.content_length > DRAIN_AFTER_HANDLER or head.expect_continue):
            # an unread body this server will not skip, or one the client holds back until it hears 100 Continue
            # (too late now that the answer is final): close after the answer, as net/http does
            self.keep_alive = False
        if not self.reusable:
            self.keep_alive = False
        headers = response.headers
        bodyless = response.status in http1.NO_BODY_STATUSES
        if not bodyless:
            headers["Content-Length"] = str(len(response.body))
        if not self.keep_alive:
            headers["Connection"] = "close"
        head = http1.response_head(response.status, headers, self.date())
        await self.send(head if request.method == "HEAD" or bodyless else head + response.body)

    async def _refuse(self, refused: Refused) -> None:
        with contextlib.suppress(ConnectionError, ssl.SSLError):
            await self.send(refused.raw)


class Server:
    """Serves an Application on one listening socket."""

    def __init__(self, app: Application, *, idle_seconds: float = IDLE_SECONDS, header_seconds: float = HEADER_SECONDS,
                 body_seconds: float = BODY_SECONDS, write_seconds: float = WRITE_SECONDS) -> None:
        self.app = app
        self.idle_seconds = idle_seconds
        self.header_seconds = header_seconds
        self.body_seconds = body_seconds
        self.write_seconds = write_seconds
        self._server: asyncio.base_events.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self._date = ("", 0)

    def date(self) -> str:
        second = int(time.time())
        if self._date[1] != second:
            self._date = (http1.http_date(second), second)
        return self._date[0]

    async def start(self, host: str, port: int, ssl_context: ssl.SSLContext | None) -> int:
        """Listen (OSError when the port is taken) and return the port."""
        self._server = await asyncio.start_server(self._connected, host, port, ssl=ssl_context, limit=READ_SIZE * 4)
        return int(self._server.sockets[0].getsockname()[1])

    async def _connected(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            await _Connection(self, reader, writer).run()
        except asyncio.CancelledError:
            pass
        except Exception:  # noqa: BLE001 - one connection's failure is that connection's
            log.exception("connection failed")
        finally:
            self._connections.discard(task)
            writer.close()

    async def stop(self, timeout: float = SHUTDOWN_SECONDS) -> None:
        """Stop listening, give the open connections `timeout` to finish, then end them."""
        if self._server is not None:
            self._server.close()
        pending = set(self._connections)
        if pending:
            _done, left = await asyncio.wait(pending, timeout=timeout)
            for task in left:
                task.cancel()
            if left:
                await asyncio.wait(left, timeout=timeout)
