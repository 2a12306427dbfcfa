"""A lean client for the exec endpoint's streaming protocol: what `kubectl exec` (v1.30 and later) speaks.

One exec is one HTTPS connection upgraded to a WebSocket (RFC 6455) that offers the channel protocols
`v5.channel.k8s.io, v4.channel.k8s.io` (client-go `tools/remotecommand/websocket.go`); every binary or text
message starts with its channel: 1 stdout, 2 stderr, 3 the closing `Status` (JSON), 255 (v5 only) a channel's
close (apimachinery `pkg/util/httpstream/wsstream/conn.go`). A stream that ends without a Status is a success,
as client-go's error decoder reads an empty error channel. A server that refuses the upgrade answers with plain
HTTP (the kubelet's plain-text 500 `container not found ("web")` passed through by the API server, or the API's
own 4xx `Status`): `UpgradeRefused` carries its code and words.

Why not `kubernetes.stream`: it builds a new `SSLContext` and loads the CA file for each exec, makes a full TLS
handshake each time, and polls the socket frame by frame. Here the `SSLContext` is made once per
configuration, each connection resumes the last TLS session, and frames are read in large slices. TLS, the
token and client certificates come from the session's `kubernetes.client.Configuration` (its kubeconfig), so
it works against kind's kube-apiserver (client certificates) as against the embedded cluster (a token).

Bounds: the response head 64 KiB, a refusal's body 64 KiB, one message 16 MiB, all output of one exec
`max_output` bytes (`OutputTooLarge`), and one deadline for the whole exec (`ExecTimeout`); closing the
connection ends the command on the server, as closing kubectl's stream does.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import socket
import ssl
import struct
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

PROTOCOLS = ("v5.channel.k8s.io", "v4.channel.k8s.io")
STDOUT, STDERR, ERROR, CLOSE = 1, 2, 3, 255
GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
MAX_HEAD = 64 * 1024
MAX_REFUSAL_BODY = 64 * 1024
MAX_MESSAGE = 16 * 1024 * 1024
MAX_OUTPUT = 64 * 1024 * 1024
READ_SIZE = 256 * 1024
OP_CONTINUATION, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


class StreamError(Exception):
    """The server broke the protocol (a bad handshake answer, a malformed frame)."""


class UpgradeRefused(Exception):
    """The server answered the upgrade with plain HTTP: its status code and its words."""

    def __init__(self, status: int, reason: str, body: bytes, content_type: str) -> None:
        self.status, self.reason, self.body, self.content_type = status, reason, body, content_type
        super().__init__(f"{status} {reason}: {self.words()}")

    def words(self) -> str:
        """What the server said, in one line: a Status's message, or the text it sent."""
        text = self.body.decode("utf-8", "replace")
        if self.content_type.split(";")[0].strip() == "application/json":
            try:
                status = json.loads(text)
            except ValueError:
                status = None
            if isinstance(status, dict) and isinstance(status.get("message"), str) and status["message"]:
                text = status["message"]
        return " ".join(text.split()) or f"{self.status} {self.reason}"


class ExecTimeout(Exception):
    """No Status and no close within the exec's deadline."""


class OutputTooLarge(Exception):
    """The command wrote more than the exec's output bound."""


@dataclass(frozen=True)
class ExecResult:
    stdout: bytes
    stderr: bytes
    status: str   # the Status JSON from channel 3, "" when the server closed without one
    protocol: str


def exec_path(namespace: str, pod: str, command: list[str], container: str | None = None,
              stdout: bool = True, stderr: bool = True) -> str:
    """The exec URL's path and query, as kubectl builds it (one `command` per argument)."""
    query = [("command", arg) for arg in command]
    if container:
        query.append(("container", container))
    query += [("stderr", "true" if stderr else "false"), ("stdout", "true" if stdout else "false")]
    encoded = "&".join(f"{key}={quote(value, safe='')}" for key, value in query)
    return f"/api/v1/namespaces/{quote(namespace, safe='')}/pods/{quote(pod, safe='')}/exec?{encoded}"


def tls_context(configuration: Any) -> ssl.SSLContext:
    """The TLS settings the kubernetes client's REST calls use (urllib3 from the same Configuration)."""
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=configuration.ssl_ca_cert or None)
    if configuration.verify_ssl:
        if getattr(configuration, "ca_cert_data", None):
            context.load_verify_locations(cadata=configuration.ca_cert_data)
        if configuration.assert_hostname is False:
            context.check_hostname = False
    else:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if configuration.cert_file:
        context.load_cert_chain(configuration.cert_file, configuration.key_file or None)
    return context


class ExecClient:
    """Execs against one API server, sharing one SSLContext and resuming TLS sessions. Thread-safe."""

    def __init__(self, configuration: Any) -> None:
        self.configuration = configuration
        url = urlsplit(configuration.host)
        if url.scheme not in ("https", "http"):
            raise ValueError(f"unsupported API server URL {configuration.host!r}")
        self.tls = url.scheme == "https"
        self.host = url.hostname or "localhost"
        self.port = url.port or (443 if self.tls else 80)
        self.base_path = url.path.rstrip("/")
        self.host_header = url.netloc
        self.server_hostname = configuration.tls_server_name or self.host
        self.context = tls_context(configuration) if self.tls else None
        self._tls_session: ssl.SSLSession | None = None
        self._lock = threading.Lock()
        self.resumed = 0   # connections that resumed a kept TLS session

    def _authorization(self) -> str | None:
        setting = self.configuration.auth_settings().get("BearerToken")
        return setting["value"] if setting and setting.get("value") else None

    def _connect(self, timeout: float) -> socket.socket:
        raw = socket.create_connection((self.host, self.port), timeout=timeout)
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.context is None:
            return raw
        try:
            return self.context.wrap_socket(raw, server_hostname=self.server_hostname, session=self._tls_session)
        except BaseException:
            raw.close()
            raise

    def _keep_session(self, sock: socket.socket) -> None:
        """Keep the connection's TLS session for the next one, unless it resumed the kept one (reading a
        session out of OpenSSL costs about as much as the rest of a resumed handshake)."""
        if not isinstance(sock, ssl.SSLSocket):
            return
        try:
            if self._tls_session is not None and sock.session_reused:
                with self._lock:
                    self.resumed += 1
                return
            session = sock.session
        except (ValueError, OSError):
            return
        if session is not None:
            with self._lock:
                self._tls_session = session

    def run(self, path: str, timeout: float = 120, max_output: int = MAX_OUTPUT) -> ExecResult:
        """Open the exec at `path` (see `exec_path`), read every channel until the server closes the stream."""
        deadline = time.monotonic() + timeout
        sock = self._connect(timeout)
        try:
            key = base64.b64encode(os.urandom(16)).decode()
            head = [f"GET {self.base_path}{path} HTTP/1.1", f"Host: {self.host_header}", "Upgrade: websocket",
                    "Connection: Upgrade", f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13",
                    f"Sec-WebSocket-Protocol: {', '.join(PROTOCOLS)}", "User-Agent: svclab-lab"]
            authorization = self._authorization()
            if authorization:
                head.append(f"Authorization: {authorization}")
            sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
            reader = _Reader(sock, deadline)
            protocol = _handshake(reader, key)
            return _read_channels(reader, sock, protocol, max_output)
        finally:
            self._keep_session(sock)
            sock.close()


class SocketBuffer:
    """Bytes from a socket, read in large slices and taken as asked (the exec stream's and the REST transport's)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = bytearray()
        self.eof = False

    def receive(self) -> bytes:
        return self.sock.recv(READ_SIZE)

    def cut_short(self) -> Exception:
        """What `take` raises when the stream ends before the bytes it was asked for."""
        return StreamError("the server closed the connection in the middle of a frame")

    def fill(self) -> bool:
        """Read more; False at the end of the stream."""
        if self.eof:
            return False
        data = self.receive()
        if not data:
            self.eof = True
            return False
        self.buffer += data
        return True

    def take(self, size: int) -> bytes:
        while len(self.buffer) < size:
            if not self.fill():
                raise self.cut_short()
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        return data


class _Reader(SocketBuffer):
    """The exec stream's bytes, under one deadline."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        super().__init__(sock)
        self.deadline = deadline

    def receive(self) -> bytes:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise ExecTimeout()
        self.sock.settimeout(left)
        try:
            return self.sock.recv(READ_SIZE)
        except (socket.timeout, TimeoutError):
            raise ExecTimeout() from None
        except ConnectionResetError:
            return b""


def _handshake(reader: _Reader, key: str) -> str:
    """The 101 answer's negotiated protocol; UpgradeRefused for any other answer."""
    while b"\r\n\r\n" not in reader.buffer:
        if len(reader.buffer) > MAX_HEAD:
            raise StreamError("the server's answer to the upgrade has an oversized head")
        if not reader.fill():
            raise StreamError("the server closed the connection before answering the upgrade")
    end = reader.buffer.index(b"\r\n\r\n")
    lines = bytes(reader.buffer[:end]).decode("latin-1").split("\r\n")
    del reader.buffer[:end + 4]
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
        raise StreamError(f"not an HTTP answer to the upgrade: {lines[0][:80]!r}")
    status, reason = int(parts[1]), parts[2] if len(parts) > 2 else ""
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if status != 101:
        raise UpgradeRefused(status, reason, _body(reader, headers), headers.get("content-type", ""))
    accept = base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()
    if headers.get("upgrade", "").lower() != "websocket" or headers.get("sec-websocket-accept") != accept:
        raise StreamError("the server's 101 answer is not a WebSocket upgrade for this request")
    protocol = headers.get("sec-websocket-protocol", "")
    if protocol and protocol not in PROTOCOLS:
        raise StreamError(f"the server chose a protocol that was not offered: {protocol!r}")
    return protocol


def _body(reader: _Reader, headers: dict[str, str]) -> bytes:
    """A refusal's body (Content-Length, chunked, or to the end of the connection), bounded."""
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = bytearray()
        while len(body) <= MAX_REFUSAL_BODY:
            while b"\r\n" not in reader.buffer:
                if not reader.fill():
                    return bytes(body)
            line_end = reader.buffer.index(b"\r\n")
            size_text = bytes(reader.buffer[:line_end]).split(b";")[0].strip()
            del reader.buffer[:line_end + 2]
            try:
                size = int(size_text, 16)
            except ValueError:
                return bytes(body)
            if size == 0:
                break
            body += reader.take(min(size, MAX_REFUSAL_BODY + 1 - len(body)))
            if len(body) > MAX_REFUSAL_BODY:
                break
            reader.take(2)
        return bytes(body[:MAX_REFUSAL_BODY])
    length = headers.get("content-length")
    if length is not None and length.isdigit():
        return reader.take(min(int(length), MAX_REFUSAL_BODY))
    while len(reader.buffer) < MAX_REFUSAL_BODY and reader.fill():
        pass
    return bytes(reader.buffer[:MAX_REFUSAL_BODY])


def client_frame(opcode: int, payload: bytes) -> bytes:
    """A client's frame: always masked (RFC 6455 5.3)."""
    mask = os.urandom(4)
    size = len(payload)
    if size < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | size)
    elif size < 1 << 16:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, size)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, size)
    if not payload:
        return head + mask
    repeated = (mask * (size // 4 + 1))[:size]
    masked = (int.from_bytes(payload, "little") ^ int.from_bytes(repeated, "little")).to_bytes(size, "little")
    return head + mask + masked


def _frame(reader: _Reader) -> tuple[bool, int, bytes] | None:
    """One server frame (fin, opcode, payload); None at the end of the stream."""
    while len(reader.buffer) < 2:
        if not reader.fill():
            if reader.buffer:
                raise StreamError("the server closed the connection in the middle of a frame")
            return None
    first, second = reader.buffer[0], reader.buffer[1]
    if first & 0x70:
        raise StreamError("a frame with reserved bits set (no extension was negotiated)")
    if second & 0x80:
        raise StreamError("a masked frame from the server")
    size, offset = second & 0x7F, 2
    if size >= 126:
        offset = 4 if size == 126 else 10
        while len(reader.buffer) < offset:
            if not reader.fill():
                raise StreamError("the server closed the connection in the middle of a frame")
        size = struct.unpack_from("!H" if offset == 4 else "!Q", reader.buffer, 2)[0]
    opcode, fin = first & 0x0F, bool(first & 0x80)
    if opcode >= 0x8 and (size > 125 or not fin):
        raise StreamError("a control frame longer than 125 bytes or fragmented")
    if size > MAX_MESSAGE:
        raise OutputTooLarge(f"a frame of {size} bytes")
    del reader.buffer[:offset]
    return fin, opcode, reader.take(size)


def _read_channels(reader: _Reader, sock: socket.socket, protocol: str, max_output: int) -> ExecResult:
    channels: dict[int, bytearray] = {STDOUT: bytearray(), STDERR: bytearray(), ERROR: bytearray()}
    fragments: list[bytes] = []
    fragment_size = 0
    total = 0
    while True:
        frame = _frame(reader)
        if frame is None:
            break   # the connection ended without a close frame: what came is what there is
        fin, opcode, payload = frame
        if opcode == OP_PING:
            sock.sendall(client_frame(OP_PONG, payload))
            continue
        if opcode == OP_PONG:
            continue
        if opcode == OP_CLOSE:
            try:
                sock.sendall(client_frame(OP_CLOSE, payload[:2]))   # echo the close (RFC 6455 5.5.1)
            except OSError:
                pass
            break
        if opcode == OP_CONTINUATION:
            if not fragments:
                raise StreamError("a continuation frame without a message")
        elif opcode in (OP_TEXT, OP_BINARY):
            if fragments:
                raise StreamError("a new message inside a fragmented one")
        else:
            raise StreamError(f"a frame with unknown opcode {opcode}")
        fragments.append(payload)
        fragment_size += len(payload)
        if fragment_size > MAX_MESSAGE:
            raise OutputTooLarge(f"a message of more than {MAX_MESSAGE} bytes")
        if not fin:
            continue
        message = fragments[0] if len(fragments) == 1 else b"".join(fragments)
        fragments, fragment_size = [], 0
        if not message:
            continue
        channel, data = message[0], message[1:]
        if channel == CLOSE and protocol == PROTOCOLS[0]:
            continue   # v5: the server closed one of its channels; the stream ends with the close frame
        if channel in channels and data:
            total += len(data)
            if total > max_output:
                raise OutputTooLarge(f"more than {max_output} bytes of output")
            channels[channel] += data
    return ExecResult(bytes(channels[STDOUT]), bytes(channels[STDERR]), channels[ERROR].decode("utf-8", "replace"), protocol)
