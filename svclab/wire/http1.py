"""HTTP/1.1 requests in, response heads out: sans-IO and bounded, with Go net/http's rules and answers.

The API server is a Go `net/http` server (k8s.io/apiserver/pkg/server/secure_serving.go: `MaxHeaderBytes: 1 << 20`,
`ReadHeaderTimeout: 32 * time.Second`, `IdleTimeout: 90 * time.Second`), so a request it cannot parse gets what
net/http's `conn.serve` writes before it closes the connection:

- a request line or header block over MaxHeaderBytes (plus bufio's 4 KiB slack): ``431 Request Header Fields Too
  Large``;
- a malformed request line, version, target or header line: ``400 Bad Request``;
- an invalid header name or value, no Host on HTTP/1.1, several Host headers, several different Content-Lengths
  or one that is not a number: ``400 Bad Request: <reason>`` (net/http's `badRequestError`);
- an HTTP major version other than 1: ``505 HTTP Version Not Supported: unsupported protocol version``;
- a transfer coding other than chunked: ``501 Not Implemented`` with ``Unsupported transfer encoding``.

`HeadReader` finds a request head in the bytes read so far without rescanning them (a client that sends one byte
at a time costs linear time) and `ChunkedDecoder` undoes a chunked body (net/http/internal/chunked.go: a chunk-size
line is at most 4 KiB). Neither does I/O: `svclab.wire.server` feeds them.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

MAX_HEADER_BYTES = (1 << 20) + 4096   # http.Server.MaxHeaderBytes 1 << 20, and the 4096 bytes of slack Go adds
MAX_HEADER_COUNT = 10_000             # header lines in one request (Go has no count; its byte bound keeps this far off)
MAX_CHUNK_LINE = 4096                 # net/http/internal/chunked.go maxLineLength
ERROR_HEADERS = b"\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"
REASONS = {
    100: "Continue", 101: "Switching Protocols", 200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 304: "Not Modified",
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
    406: "Not Acceptable", 409: "Conflict", 410: "Gone", 413: "Request Entity Too Large", 415: "Unsupported Media Type",
    422: "Unprocessable Entity", 426: "Upgrade Required", 429: "Too Many Requests", 431: "Request Header Fields Too Large",
    500: "Internal Server Error", 501: "Not Implemented", 503: "Service Unavailable", 504: "Gateway Timeout",
    505: "HTTP Version Not Supported",
}
NO_BODY_STATUSES = frozenset({204, 304})  # net/http bodyAllowedForStatus: no body, no Content-Length
_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_BAD_VALUE = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")   # httpguts.ValidHeaderFieldValue: no CTLs but tab
_VERSION = re.compile(rb"HTTP/(\d)\.(\d)")


class Refused(Exception):
    """A request net/http refuses: the bytes it writes before closing the connection."""

    def __init__(self, code: int, detail: str = "", body: str | None = None) -> None:
        public = f"{code} {REASONS[code]}" + (f": {detail}" if detail else "")
        super().__init__(public)
        self.code = code
        self.raw = b"HTTP/1.1 " + public.encode() + ERROR_HEADERS + (public if body is None else body).encode()


def refuse_body_framing() -> Refused:
    """A chunked body that does not parse (the handler's read fails; the connection cannot be reused)."""
    return Refused(400)


class Headers:
    """A request's or response's header fields: in order, several per name, looked up by any case."""

    __slots__ = ("_items",)

    def __init__(self, items: "list[tuple[str, str]] | dict[str, str] | None" = None) -> None:
        self._items: list[tuple[str, str]] = list(items.items()) if isinstance(items, dict) else list(items or [])

    def get(self, name: str, default: str | None = None) -> str | None:  # type: ignore[override]
        wanted = name.lower()
        for key, value in self._items:
            if key.lower() == wanted:
                return value
        return default

    def getall(self, name: str, default: list[str] | None = None) -> list[str]:
        wanted = name.lower()
        found = [value for key, value in self._items if key.lower() == wanted]
        return found if found or default is None else default

    def __getitem__(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def __setitem__(self, name: str, value: str) -> None:
        self.pop(name)
        self._items.append((name, value))

    def add(self, name: str, value: str) -> None:
        self._items.append((name, value))

    def pop(self, name: str) -> None:
        wanted = name.lower()
        self._items = [(k, v) for k, v in self._items if k.lower() != wanted]

    def items(self) -> list[tuple[str, str]]:
        return list(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Headers({self._items!r})"


@dataclass
class RequestHead:
    method: str
    target: str
    version: tuple[int, int]
    headers: Headers
    content_length: int = 0
    chunked: bool = False
    keep_alive: bool = True
    expect_continue: bool = False
    upgrade: bool = field(default=False)


def _tokens(value: str | None) -> set[str]:
    return {t.strip().lower() for t in (value or "").split(",") if t.strip()}


def request_line(line: bytes) -> tuple[bytes, bytes, int, int] | None:
    """(method, target, major, minor) of a request line as net/http's parseRequestLine and ParseHTTPVersion read it,
    or None when net/http would answer 400 (no two spaces, a method that is not a token, a version that is not
    HTTP/d.d, an empty target or one that is neither a path, ``*`` nor absolute, control bytes in the target)."""
    method, sp1, rest = line.partition(b" ")
    target, sp2, proto = rest.partition(b" ")
    version = _VERSION.fullmatch(proto)
    if not sp1 or not sp2 or not _TOKEN.fullmatch(method) or version is None:
        return None
    if not target or not (target.startswith(b"/") or target == b"*" or b"://" in target) or _BAD_VALUE.search(target):
        return None
    return method, target, int(version.group(1)), int(version.group(2))


def parse_head(block: bytes) -> RequestHead:
    """A request head (request line and header lines, without the blank line), as net/http reads it."""
    lines = block.split(b"\n")
    parsed = request_line(lines[0].removesuffix(b"\r"))
    if parsed is None:
        raise Refused(400)
    method, target, major, minor = parsed
    if len(lines) - 1 > MAX_HEADER_COUNT:
        raise Refused(431)
    items: list[tuple[str, str]] = []
    for raw in lines[1:]:
        raw = raw.removesuffix(b"\r")
        if raw[:1] in (b" ", b"\t"):
            raise Refused(400)   # obsolete line folding: textproto refuses a continuation before any header
        name, colon, value = raw.partition(b":")
        if not colon:
            raise Refused(400)
        if not _TOKEN.fullmatch(name):
            raise Refused(400, "invalid header name")
        value = value.strip(b" \t")
        if _BAD_VALUE.search(value):
            raise Refused(400, "invalid header value")
        items.append((name.decode("latin-1"), value.decode("latin-1")))
    if major != 1:
        raise Refused(505, "unsupported protocol version")
    headers = Headers(items)
    hosts = headers.getall("Host")
    if len(hosts) > 1:
        raise Refused(400, "too many Host headers")
    if (major, minor) >= (1, 1) and not hosts:
        raise Refused(400, "missing required Host header")
    head = RequestHead(method.decode("latin-1"), target.decode("latin-1"), (major, minor), headers)
    encodings = [t.strip().lower() for t in ",".join(headers.getall("Transfer-Encoding")).split(",") if t.strip()]
    if encodings:
        if encodings != ["chunked"] or (major, minor) < (1, 1):
            raise Refused(501, body="Unsupported transfer encoding")
        head.chunked = True
    else:
        lengths = {v.strip() for v in headers.getall("Content-Length")}
        if len(lengths) > 1:
            raise Refused(400, "http: message cannot contain multiple Content-Length headers")
        if lengths:
            length = lengths.pop()
            if not length.isdigit() or not length.isascii() or len(length) > 19:
                raise Refused(400, f'bad Content-Length "{length}"')
            head.content_length = int(length)
    connection = _tokens(headers.get("Connection"))
    head.keep_alive = "close" not in connection if (major, minor) >= (1, 1) else "keep-alive" in connection
    head.expect_continue = (headers.get("Expect") or "").lower() == "100-continue" and (major, minor) >= (1, 1)
    head.upgrade = "upgrade" in connection and "Upgrade" in headers
    return head


class HeadReader:
    """Finds where a request head ends in a growing buffer, within MAX_HEADER_BYTES."""

    def __init__(self) -> None:
        self._scanned = 0

    def find(self, buffer: bytearray) -> int:
        """The length of the head and its blank line when the buffer holds it all, else -1; Refused(431)
        when the head cannot end within the bound."""
        position = self._scanned
        while True:
            end = buffer.find(b"\n", position)
            if end < 0:
                self._scanned = len(buffer)
                break
            following = buffer[end + 1:end + 3]
            if following[:1] == b"\n":
                return self._found(end + 2)
            if following == b"\r\n":
                return self._found(end + 3)
            if following in (b"", b"\r"):   # the next bytes decide: look here again when they come
                self._scanned = end
                break
            position = end + 1
        if len(buffer) > MAX_HEADER_BYTES:
            raise Refused(431)
        return -1

    def _found(self, length: int) -> int:
        self._scanned = 0
        if length > MAX_HEADER_BYTES:
            raise Refused(431)
        return length


class ChunkedDecoder:
    """A chunked body in, its bytes out (`feed` returns what the bytes so far decode to)."""

    def __init__(self) -> None:
        self.done = False
        self._buffer = bytearray()
        self._left = 0            # bytes of the current chunk still to come
        self._state = "size"      # size, data, data-end, trailer

    def feed(self, data: bytes) -> bytes:
        self._buffer += data
        out = bytearray()
        while not self.done:
            if self._state == "data":
                if not self._buffer:
                    break
                taken = bytes(self._buffer[:self._left])
                del self._buffer[:len(taken)]
                out += taken
                self._left -= len(taken)
                if self._left:
                    break
                self._state = "data-end"
                continue
            line = self._line()
            if line is None:
                break
            if self._state == "size":
                size_text = line.split(b";", 1)[0].strip(b" \t")
                if not size_text or len(size_text) > 16 or not all(c in b"0123456789abcdefABCDEF" for c in size_text):
                    raise refuse_body_framing()
                self._left = int(size_text, 16)
                self._state = "data" if self._left else "trailer"
            elif self._state == "data-end":
                if line:
                    raise refuse_body_framing()
                self._state = "size"
            elif not line:   # trailer: fields until the empty line
                self.done = True
        return bytes(out)

    def _line(self) -> bytes | None:
        end = self._buffer.find(b"\n")
        if end < 0:
            if len(self._buffer) > MAX_CHUNK_LINE:
                raise refuse_body_framing()
            return None
        if end > MAX_CHUNK_LINE:
            raise refuse_body_framing()
        line = bytes(self._buffer[:end]).removesuffix(b"\r")
        del self._buffer[:end + 1]
        return line

    def leftover(self) -> bytes:
        """Bytes after the body's end (a pipelined request's)."""
        rest = bytes(self._buffer)
        self._buffer.clear()
        return rest


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def http_date(now: float | None = None) -> str:
    """http.TimeFormat: ``Mon, 02 Jan 2006 15:04:05 GMT``."""
    t = time.gmtime(time.time() if now is None else now)
    return f"{_DAYS[t.tm_wday]}, {t.tm_mday:02d} {_MONTHS[t.tm_mon - 1]} {t.tm_year} {t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} GMT"


def response_head(status: int, headers: Headers, date: str) -> bytes:
    """The status line and header fields of a response, as net/http writes them (Date added when missing)."""
    lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if "Date" not in headers:
        lines.append(f"Date: {date}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data) if data else b""


LAST_CHUNK = b"0\r\n\r\n"
