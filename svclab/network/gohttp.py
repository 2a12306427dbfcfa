"""The server side of Go's net/http over one TCP connection (the pods' apps are Go programs).

What a client that speaks raw TCP (``nc web 80``) sees, as Go 1.2x's ``net/http/server.go`` does it:
requests are read one after another (HTTP/1.1 keeps the connection open unless the request says
``Connection: close``; HTTP/1.0 closes it unless it asks for keep-alive), each answer is written as
Go writes it (handler headers sorted, then ``Date``, ``Content-Length``, ``Content-Type``,
``Connection``), and a request Go cannot parse gets Go's plain-text error and the connection closes:

- a malformed request line or header: ``400 Bad Request``;
- HTTP/1.1 without a Host header: ``400 Bad Request: missing required Host header``;
- an HTTP major version other than 1: ``505 HTTP Version Not Supported: unsupported protocol version``;
- a header block over ``DefaultMaxHeaderBytes`` (1 MiB, plus Go's 4 KiB slack):
  ``431 Request Header Fields Too Large``;
- a transfer coding other than chunked: ``501 Not Implemented`` / ``Unsupported transfer encoding``.

A client that closes before a request is complete gets no answer (``isCommonNetReadError``).
Bodies are read and dropped: the emulated apps answer from the method and path.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from svclab.network.podenv import HttpResponse
from svclab.network.tcp import Connection
from svclab.wire.http1 import request_line

MAX_HEADER_BYTES = (1 << 20) + 4096
ERROR_HEADERS = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"
STATUS_TEXT = {400: "Bad Request", 431: "Request Header Fields Too Large", 501: "Not Implemented",
               505: "HTTP Version Not Supported"}
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")

Handler = Callable[[str, str, dict[str, str]], Awaitable[HttpResponse]]


class _Closed(Exception):
    """The client went away before a request was complete: no answer."""


class _Reply(Exception):
    """A request Go refuses: the raw text it writes before closing the connection."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def _error(code: int, detail: str = "") -> _Reply:
    public = f"{code} {STATUS_TEXT[code]}" + (f": {detail}" if detail else "")
    return _Reply(f"HTTP/1.1 {public}{ERROR_HEADERS}{public}")


class _Input:
    """The request bytes as they arrive, with the reads Go's bufio.Reader makes."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.buffer = bytearray()
        self.header_bytes = 0

    async def _more(self) -> None:
        chunk = await self.conn.read()
        if not chunk:
            raise _Closed()
        self.buffer += chunk

    async def line(self, counted: bool = True) -> str:
        """One line without its CR LF (textproto ReadLine), within the header budget."""
        while True:
            end = self.buffer.find(b"\n")
            if end >= 0:
                raw = bytes(self.buffer[:end])
                del self.buffer[:end + 1]
                if counted:
                    self.header_bytes += end + 1
                    if self.header_bytes > MAX_HEADER_BYTES:
                        raise _error(431)
                return raw.rstrip(b"\r").decode("latin-1")
            if counted and self.header_bytes + len(self.buffer) > MAX_HEADER_BYTES:
                raise _error(431)
            await self._more()

    async def skip(self, count: int) -> None:
        """Read and drop ``count`` bytes of body."""
        while count > 0:
            if not self.buffer:
                await self._more()
            taken = min(count, len(self.buffer))
            del self.buffer[:taken]
            count -= taken


async def _read_request(stream: _Input) -> tuple[str, str, tuple[int, int], dict[str, str]]:
    stream.header_bytes = 0
    parsed = request_line((await stream.line()).encode("latin-1"))
    if parsed is None:
        raise _error(400)
    method, target = parsed[0].decode("latin-1"), parsed[1].decode("latin-1")
    major, minor = parsed[2], parsed[3]
    headers: dict[str, str] = {}
    while True:
        field = await stream.line()
        if not field:
            break
        name, colon, value = field.partition(":")
        if not colon or not _TOKEN.match(name):
            raise _error(400)
        key = "-".join(part.capitalize() for part in name.split("-"))   # CanonicalMIMEHeaderKey
        value = value.strip(" \t")
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    if major != 1:
        raise _error(505, "unsupported protocol version")
    if (major, minor) >= (1, 1) and "Host" not in headers and method != "CONNECT":
        raise _error(400, "missing required Host header")
    encoding = headers.get("Transfer-Encoding", "").lower()
    if encoding and encoding != "chunked":
        raise _Reply(f"HTTP/1.1 501 Not Implemented{ERROR_HEADERS}Unsupported transfer encoding")
    return method, target, (major, minor), headers


async def _drop_body(stream: _Input, headers: dict[str, str]) -> None:
    if headers.get("Transfer-Encoding", "").lower() == "chunked":
        while True:
            size_line = (await stream.line(counted=False)).split(";", 1)[0].strip()
            try:
                size = int(size_line, 16)
            except ValueError:
                raise _error(400) from None
            if size == 0:
                while await stream.line(counted=False):   # trailer fields, then the empty line
                    pass
                return
            await stream.skip(size)
            await stream.line(counted=False)
    length = headers.get("Content-Length", "0").strip() or "0"
    if not length.isdigit():
        raise _error(400)
    await stream.skip(int(length))


def _keep_alive(version: tuple[int, int], headers: dict[str, str]) -> bool:
    tokens = {t.strip().lower() for t in headers.get("Connection", "").split(",")}
    if version >= (1, 1):
        return "close" not in tokens
    return "keep-alive" in tokens


def response_bytes(resp: HttpResponse, version: tuple[int, int], method: str, keep_alive: bool) -> bytes:
    """The bytes Go writes for a handler's response (chunkWriter.writeHeader + extraHeader.Write)."""
    proto = "HTTP/1.1" if version >= (1, 1) else "HTTP/1.0"
    lines = [f"{proto} {resp.status} {resp.reason}".rstrip()]
    extra = {"Date", "Content-Length", "Content-Type", "Connection"}
    lines += [f"{k}: {v}" for k, v in sorted(resp.headers.items()) if k not in extra]
    for key in ("Date", "Content-Length", "Content-Type"):
        if key in resp.headers:
            lines.append(f"{key}: {resp.headers[key]}")
    if not keep_alive and version >= (1, 1):
        lines.append("Connection: close")
    elif keep_alive and version < (1, 1):
        lines.append("Connection: keep-alive")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head if method == "HEAD" else head + resp.body


async def serve(conn: Connection, handler: Handler,
                writer: Callable[[HttpResponse, str], bytes] | None = None) -> None:
    """Answer requests on ``conn`` until either side closes it (``writer``: another server's bytes
    for a response, e.g. nginx's header order; Go's otherwise)."""
    stream = _Input(conn)
    try:
        while True:
            method, target, version, headers = await _read_request(stream)
            await _drop_body(stream, headers)
            keep = _keep_alive(version, headers)
            resp = await handler(method, target, headers)
            if writer is not None:
                resp.headers["Connection"] = "keep-alive" if keep else "close"
                await conn.write(writer(resp, method))
            else:
                await conn.write(response_bytes(resp, version, method, keep))
            if not keep:
                return
    except _Reply as refused:
        await conn.write(refused.text.encode("latin-1"))
    except _Closed:
        pass
    finally:
        conn.close_server()
