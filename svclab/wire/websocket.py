"""WebSocket (RFC 6455) for the server side: the handshake's accept key and frames in and out, sans-IO and
bounded.

A client's frames must be masked (RFC 6455 5.1); a frame or a message (fragments put together) longer than the
connection's bound, a control frame longer than 125 bytes or fragmented, an unknown opcode or reserved bits
(no extension is negotiated) are protocol errors: `ProtocolError` carries the close code to send. Text messages
must be UTF-8 (1007 otherwise).
"""

from __future__ import annotations

import base64
import hashlib
import struct
from dataclasses import dataclass
from enum import IntEnum

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
DEFAULT_MAX_MESSAGE = 4 * 1024 * 1024


class Opcode(IntEnum):
    CONTINUATION = 0x0
    TEXT = 0x1
    BINARY = 0x2
    CLOSE = 0x8
    PING = 0x9
    PONG = 0xA


class Close(IntEnum):
    NORMAL = 1000
    GOING_AWAY = 1001
    PROTOCOL_ERROR = 1002
    INVALID_DATA = 1007
    MESSAGE_TOO_BIG = 1009


class ProtocolError(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code


@dataclass(frozen=True)
class Message:
    """A whole message (TEXT data is str, the others bytes), or a control frame."""

    type: Opcode
    data: "bytes | str"


def accept_key(key: str) -> str:
    """Sec-WebSocket-Accept for a client's Sec-WebSocket-Key."""
    return base64.b64encode(hashlib.sha1(key.encode("latin-1") + GUID).digest()).decode()


def valid_key(key: str) -> bool:
    try:
        return len(base64.b64decode(key, validate=True)) == 16
    except ValueError:
        return False


def unmask(mask: bytes, payload: bytes) -> bytes:
    if not payload:
        return payload
    size = len(payload)
    repeated = (mask * (size // 4 + 1))[:size]
    return (int.from_bytes(payload, "little") ^ int.from_bytes(repeated, "little")).to_bytes(size, "little")


def frame(opcode: int, payload: bytes, fin: bool = True) -> bytes:
    """A server's frame (unmasked)."""
    first = (0x80 if fin else 0) | opcode
    size = len(payload)
    if size < 126:
        head = struct.pack("!BB", first, size)
    elif size < 1 << 16:
        head = struct.pack("!BBH", first, 126, size)
    else:
        head = struct.pack("!BBQ", first, 127, size)
    return head + payload


def close_frame(code: int, reason: str = "") -> bytes:
    return frame(Opcode.CLOSE, struct.pack("!H", code) + reason.encode()[:123])


class FrameParser:
    """A client's bytes in, whole messages and control frames out."""

    def __init__(self, max_message: int = DEFAULT_MAX_MESSAGE) -> None:
        self.max_message = max_message
        self._buffer = bytearray()
        self._fragments: list[bytes] = []
        self._fragment_type: Opcode | None = None
        self._fragment_size = 0

    def feed(self, data: bytes) -> list[Message]:
        self._buffer += data
        out: list[Message] = []
        while True:
            parsed = self._frame()
            if parsed is None:
                return out
            message = self._message(*parsed)
            if message is not None:
                out.append(message)

    def _frame(self) -> tuple[bool, int, bytes] | None:
        buf = self._buffer
        if len(buf) < 2:
            return None
        first, second = buf[0], buf[1]
        if first & 0x70:
            raise ProtocolError(Close.PROTOCOL_ERROR, "reserved bits set")
        if not second & 0x80:
            raise ProtocolError(Close.PROTOCOL_ERROR, "client frame not masked")
        size, offset = second & 0x7F, 2
        if size == 126:
            if len(buf) < 4:
                return None
            (size,) = struct.unpack_from("!H", buf, 2)
            offset = 4
        elif size == 127:
            if len(buf) < 10:
                return None
            (size,) = struct.unpack_from("!Q", buf, 2)
            offset = 10
        opcode, fin = first & 0x0F, bool(first & 0x80)
        if opcode >= 0x8 and (size > 125 or not fin):
            raise ProtocolError(Close.PROTOCOL_ERROR, "bad control frame")
        if size > self.max_message:
            raise ProtocolError(Close.MESSAGE_TOO_BIG, "message too big")
        if len(buf) < offset + 4 + size:
            return None
        mask = bytes(buf[offset:offset + 4])
        payload = unmask(mask, bytes(buf[offset + 4:offset + 4 + size]))
        del buf[:offset + 4 + size]
        return fin, opcode, payload

    def _message(self, fin: bool, opcode: int, payload: bytes) -> Message | None:
        if opcode in (Opcode.CLOSE, Opcode.PING, Opcode.PONG):
            if opcode == Opcode.CLOSE and len(payload) == 1:
                raise ProtocolError(Close.PROTOCOL_ERROR, "bad close frame")
            return Message(Opcode(opcode), payload)
        if opcode == Opcode.CONTINUATION:
            if self._fragment_type is None:
                raise ProtocolError(Close.PROTOCOL_ERROR, "continuation without a message")
            kind = self._fragment_type
        elif opcode in (Opcode.TEXT, Opcode.BINARY):
            if self._fragment_type is not None:
                raise ProtocolError(Close.PROTOCOL_ERROR, "new message inside a fragmented one")
            kind = Opcode(opcode)
        else:
            raise ProtocolError(Close.PROTOCOL_ERROR, f"unknown opcode {opcode}")
        self._fragment_size += len(payload)
        if self._fragment_size > self.max_message:
            raise ProtocolError(Close.MESSAGE_TOO_BIG, "message too big")
        if not fin:
            self._fragment_type = kind
            self._fragments.append(payload)
            return None
        data = b"".join(self._fragments) + payload if self._fragments else payload
        self._fragments, self._fragment_type, self._fragment_size = [], None, 0
        if kind == Opcode.TEXT:
            try:
                return Message(kind, data.decode("utf-8"))
            except UnicodeDecodeError:
                raise ProtocolError(Close.INVALID_DATA, "invalid UTF-8") from None
        return Message(kind, data)
