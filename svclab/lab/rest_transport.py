"""The kubernetes client's REST transport with one keep-alive HTTPS connection per thread, parsed without the
email package: what `lab` and the grading checks make hundreds of per notebook.

The kubernetes client sends each request through urllib3's pool and `http.client`, which parses every response's
headers with `email.parser` (a fifth of a grading kernel's time in `lab` calls, py-spy). `LeanRESTClient` takes
the place of `ApiClient.rest_client`: plain requests go over its own connection (the TLS context of the session's
exec client, `svclab.lab.exec_stream`), and come back as the very objects the client expects — a
`rest.RESTResponse` around a `urllib3.HTTPResponse` holding the body — so typed calls, raw calls, `_preload_content`
and `ApiException` behave as before. Everything else goes to the client's own transport unchanged: watches and
followed logs (streams), form and multipart bodies, proxies, client-go style read retries, a host other than the
configuration's. A request on a kept connection that the server closed in the meantime (its idle timeout) is sent
again once on a new connection, as urllib3 does; a connection that cannot be opened is left to urllib3, so its
errors are those callers know.
"""

from __future__ import annotations

import io
import json
import socket
import ssl
import threading
from typing import Any
from urllib.parse import urlsplit

import urllib3
from kubernetes.client import rest
from kubernetes.client.exceptions import ApiException

from svclab.lab.exec_stream import SocketBuffer, tls_context

MAX_HEAD = 1024 * 1024
BODY_METHODS = ("POST", "PUT", "PATCH", "OPTIONS", "DELETE")


class _Stale(Exception):
    """A kept connection ended before any byte of the answer: the server closed it while it was idle."""


class _Connection(SocketBuffer):
    def __init__(self, sock: socket.socket) -> None:
        super().__init__(sock)
        self.used = False

    def cut_short(self) -> Exception:
        return urllib3.exceptions.ProtocolError("Connection broken: the server closed the connection mid-body")

    def line(self) -> bytes:
        while b"\r\n" not in self.buffer:
            if len(self.buffer) > MAX_HEAD or not self.fill():
                raise urllib3.exceptions.ProtocolError("Connection broken: a malformed chunked body")
        end = self.buffer.index(b"\r\n")
        data = bytes(self.buffer[:end])
        del self.buffer[:end + 2]
        return data


class LeanRESTClient(rest.RESTClientObject):
    """`rest.RESTClientObject` whose plain requests use one kept connection per thread."""

    def __init__(self, configuration: Any, context: ssl.SSLContext | None = None) -> None:
        super().__init__(configuration)
        url = urlsplit(configuration.host)
        self.base = f"{url.scheme}://{url.netloc}"
        self.tls = url.scheme == "https"
        self.address = (url.hostname or "localhost", url.port or (443 if self.tls else 80))
        self.host_header = url.netloc
        self.server_hostname = configuration.tls_server_name or self.address[0]
        self.context = (context or tls_context(configuration)) if self.tls else None
        self.usable = url.scheme in ("http", "https") and not configuration.proxy
        self._local = threading.local()
        self._all: list[_Connection] = []
        self._lock = threading.Lock()

    # ---- what goes where -----------------------------------------------------------------------------
    def _plain(self, method: str, url: str, headers: dict[str, str], body: Any, post_params: Any) -> bytes | None:
        """The request's body bytes (b"" for none) when this transport sends it; None to leave it to urllib3."""
        if not self.usable or post_params or not url.startswith(self.base + "/"):
            return None
        query = urlsplit(url).query
        if any(part.split("=", 1)[0] in ("watch", "follow") for part in query.split("&")):
            return None   # a stream: urllib3 reads it as it comes
        if method not in BODY_METHODS:
            if getattr(self.configuration, "client_go_retries", False):
                return None
            return b""
        content_type = headers.get("Content-Type")
        if content_type == "application/json-patch+json" and not isinstance(body, list):
            headers["Content-Type"] = content_type = "application/strategic-merge-patch+json"
        is_json = not content_type or rest.contenttype_matches(content_type, "application", "json")
        structured_yaml = bool(content_type) and not isinstance(body, (str, bytes)) and any(
            rest.contenttype_matches(content_type, main, sub) for main, sub in (("application", "yaml"), ("text", "yaml"), ("text", "x-yaml")))
        if is_json or structured_yaml:
            return b"" if body is None else json.dumps(body).encode()
        if isinstance(body, bytes):
            return body
        if isinstance(body, str):
            return body.encode()
        return None   # forms, multipart, anything else: as the client does it

    def request(self, method: str, url: str, headers: dict[str, str] | None = None, body: Any = None, post_params: Any = None,
                _request_timeout: Any = None) -> rest.RESTResponse:
        method = method.upper()
        headers = dict(headers or {})
        payload = self._plain(method, url, headers, body, post_params)
        if payload is None:
            return super().request(method, url, headers=headers, body=body, post_params=post_params, _request_timeout=_request_timeout)
        timeout = _request_timeout if isinstance(_request_timeout, (int, float)) and _request_timeout else (
            _request_timeout[1] if isinstance(_request_timeout, tuple) and len(_request_timeout) == 2 else None)
        head = self._head(method, url[len(self.base):], headers, payload)
        for attempt in range(2):
            conn = self._connection(timeout)
            if conn is None:
                return super().request(method, url, headers=headers, body=body, post_params=post_params, _request_timeout=_request_timeout)
            reused = conn.used
            try:
                conn.sock.settimeout(timeout)
                conn.sock.sendall(head + payload)
                conn.used = True
                return self._response(conn, method, reused)
            except _Stale:
                self._drop(conn)
                continue
            except ssl.SSLError as exc:
                self._drop(conn)
                raise ApiException(status=0, reason=f"{type(exc).__name__}\n{exc}") from None
            except (OSError, urllib3.exceptions.HTTPError):
                self._drop(conn)
                if reused and attempt == 0:
                    continue   # a kept connection reset under the request: once more on a new one, as urllib3 does
                raise
        raise urllib3.exceptions.ProtocolError("Connection aborted: the server closed two connections before answering")

    # ---- connections ---------------------------------------------------------------------------------
    def _connection(self, timeout: float | None) -> _Connection | None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            return conn
        try:
            raw = socket.create_connection(self.address, timeout=timeout)
        except OSError:
            return None   # urllib3 tries again and reports it as callers know
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            sock = self.context.wrap_socket(raw, server_hostname=self.server_hostname) if self.context is not None else raw
        except OSError:
            raw.close()
            return None
        conn = _Connection(sock)
        self._local.conn = conn
        with self._lock:
            self._all.append(conn)
        return conn

    def _drop(self, conn: _Connection) -> None:
        if getattr(self._local, "conn", None) is conn:
            self._local.conn = None
        with self._lock:
            if conn in self._all:
                self._all.remove(conn)
        conn.sock.close()

    def close(self) -> None:
        with self._lock:
            kept, self._all = self._all, []
        for conn in kept:
            conn.sock.close()
        super().close()

    # ---- the wire ------------------------------------------------------------------------------------
    def _head(self, method: str, target: str, headers: dict[str, str], payload: bytes) -> bytes:
        lines = [f"{method} {target} HTTP/1.1", f"Host: {self.host_header}", "Accept-Encoding: identity"]
        lines += [f"{name}: {value}" for name, value in headers.items() if name.lower() not in ("host", "content-length", "accept-encoding")]
        if payload or method in BODY_METHODS:
            lines.append(f"Content-Length: {len(payload)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def _response(self, conn: _Connection, method: str, reused: bool) -> rest.RESTResponse:
        while b"\r\n\r\n" not in conn.buffer:
            if len(conn.buffer) > MAX_HEAD:
                raise urllib3.exceptions.ProtocolError("Connection broken: an oversized response head")
            if not conn.fill():
                if reused and not conn.buffer:
                    raise _Stale()
                raise urllib3.exceptions.ProtocolError("Connection aborted: the server closed the connection without an answer")
        end = conn.buffer.index(b"\r\n\r\n")
        lines = bytes(conn.buffer[:end]).decode("latin-1").split("\r\n")
        del conn.buffer[:end + 4]
        version, _, rest_of_line = lines[0].partition(" ")
        code_text, _, reason = rest_of_line.partition(" ")
        if not version.startswith("HTTP/1.") or not code_text.isdigit():
            raise urllib3.exceptions.ProtocolError(f"Connection broken: not an HTTP answer: {lines[0][:80]!r}")
        status = int(code_text)
        headers = urllib3.HTTPHeaderDict()
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers.add(name.strip(), value.strip())
        close = headers.get("Connection", "").lower() == "close" or version == "HTTP/1.0"
        if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            data = b""
        elif "chunked" in headers.get("Transfer-Encoding", "").lower():
            data = self._chunked(conn)
        elif headers.get("Content-Length", "").isdigit():
            data = conn.take(int(headers["Content-Length"]))
        else:
            while conn.fill():
                pass
            data, close = bytes(conn.buffer), True
            conn.buffer.clear()
        if close:
            self._drop(conn)
        answer = urllib3.HTTPResponse(body=io.BytesIO(data), headers=headers, status=status, reason=reason, version=11,
                                      version_string="HTTP/1.1", preload_content=False, decode_content=True)
        return rest.RESTResponse(answer)

    @staticmethod
    def _chunked(conn: _Connection) -> bytes:
        body = bytearray()
        while True:
            try:
                size = int(conn.line().split(b";")[0].strip(), 16)
            except ValueError:
                raise urllib3.exceptions.ProtocolError("Connection broken: a malformed chunk size") from None
            if size == 0:
                while conn.line():
                    pass   # trailers
                return bytes(body)
            body += conn.take(size)
            conn.take(2)
