"""svclab.wire.websocket: RFC 6455 frames from clients, bounded; fuzzed."""

from __future__ import annotations

import os
import struct

import pytest
from hypothesis import given, settings, strategies as st

from svclab.wire.websocket import Close, FrameParser, Message, Opcode, ProtocolError, accept_key, close_frame, frame, unmask


def client_frame(opcode: int, payload: bytes, fin: bool = True, masked: bool = True, rsv: int = 0) -> bytes:
    first = (0x80 if fin else 0) | rsv | opcode
    size = len(payload)
    mask_bit = 0x80 if masked else 0
    if size < 126:
        head = struct.pack("!BB", first, mask_bit | size)
    elif size < 1 << 16:
        head = struct.pack("!BBH", first, mask_bit | 126, size)
    else:
        head = struct.pack("!BBQ", first, mask_bit | 127, size)
    if not masked:
        return head + payload
    mask = os.urandom(4)
    return head + mask + unmask(mask, payload)


def test_the_accept_key_of_rfc_6455() -> None:
    assert accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def test_messages_control_frames_and_fragments() -> None:
    parser = FrameParser()
    wire = (client_frame(Opcode.BINARY, b"\x00stdin") + client_frame(Opcode.PING, b"beat")
            + client_frame(Opcode.TEXT, "hé".encode()[:2], fin=False) + client_frame(Opcode.PONG, b"")
            + client_frame(Opcode.CONTINUATION, "hé".encode()[2:]) + client_frame(Opcode.CLOSE, struct.pack("!H", 1000)))
    assert parser.feed(wire[:3]) == []
    assert parser.feed(wire[3:]) == [Message(Opcode.BINARY, b"\x00stdin"), Message(Opcode.PING, b"beat"), Message(Opcode.PONG, b""),
                                     Message(Opcode.TEXT, "hé"), Message(Opcode.CLOSE, b"\x03\xe8")]


@pytest.mark.parametrize("wire, code", [
    (client_frame(Opcode.BINARY, b"x", masked=False), Close.PROTOCOL_ERROR),
    (client_frame(Opcode.BINARY, b"x", rsv=0x40), Close.PROTOCOL_ERROR),   # compression was not negotiated
    (client_frame(Opcode.PING, b"x" * 126), Close.PROTOCOL_ERROR),
    (client_frame(Opcode.PING, b"x", fin=False), Close.PROTOCOL_ERROR),
    (client_frame(Opcode.CONTINUATION, b"x"), Close.PROTOCOL_ERROR),
    (client_frame(Opcode.TEXT, b"a", fin=False) + client_frame(Opcode.TEXT, b"b"), Close.PROTOCOL_ERROR),
    (client_frame(0x3, b"x"), Close.PROTOCOL_ERROR),
    (client_frame(Opcode.CLOSE, b"x"), Close.PROTOCOL_ERROR),
    (client_frame(Opcode.TEXT, b"\xff\xfe"), Close.INVALID_DATA),
])
def test_protocol_errors_carry_their_close_code(wire: bytes, code: int) -> None:
    with pytest.raises(ProtocolError) as error:
        FrameParser().feed(wire)
    assert error.value.code == code


def test_a_frame_or_a_message_over_the_bound_is_refused_before_it_is_read() -> None:
    parser = FrameParser(max_message=1000)
    head = client_frame(Opcode.BINARY, b"x" * 1001)[:8]   # the length alone decides: nothing more is buffered
    with pytest.raises(ProtocolError) as error:
        parser.feed(head)
    assert error.value.code == Close.MESSAGE_TOO_BIG
    fragments = FrameParser(max_message=1000)
    with pytest.raises(ProtocolError) as error:
        fragments.feed(client_frame(Opcode.BINARY, b"x" * 600, fin=False) + client_frame(Opcode.CONTINUATION, b"x" * 600))
    assert error.value.code == Close.MESSAGE_TOO_BIG
    huge = struct.pack("!BBQ", 0x82, 0xFF, 1 << 62)
    with pytest.raises(ProtocolError):
        FrameParser().feed(huge)


def test_server_frames_use_the_shortest_length() -> None:
    assert frame(Opcode.BINARY, b"ab") == b"\x82\x02ab"
    assert frame(Opcode.BINARY, b"a" * 200)[:4] == b"\x82\x7e\x00\xc8"
    assert frame(Opcode.BINARY, b"a" * 70000)[:10] == b"\x82\x7f" + struct.pack("!Q", 70000)
    assert close_frame(1009) == b"\x88\x02\x03\xf1"


@given(st.lists(st.tuples(st.sampled_from([Opcode.BINARY, Opcode.TEXT, Opcode.PING]), st.binary(max_size=300)), max_size=8),
       st.lists(st.integers(1, 64), min_size=1, max_size=10))
@settings(max_examples=200, deadline=None)
def test_frames_come_out_whole_however_the_bytes_arrive(messages: list[tuple[Opcode, bytes]], cuts: list[int]) -> None:
    messages = [(op, data[:125] if op == Opcode.PING else data) for op, data in messages]
    messages = [(op, data.decode("latin-1").encode("utf-8") if op == Opcode.TEXT else data) for op, data in messages]
    wire = b"".join(client_frame(op, data) for op, data in messages)
    parser, out, position, turn = FrameParser(), [], 0, 0
    while position < len(wire):
        step = cuts[turn % len(cuts)]
        out += parser.feed(wire[position:position + step])
        position += step
        turn += 1
    assert out == [Message(op, data.decode() if op == Opcode.TEXT else data) for op, data in messages]


@given(st.binary(max_size=3000))
@settings(max_examples=300, deadline=None)
def test_any_bytes_are_messages_or_a_protocol_error(data: bytes) -> None:
    try:
        for message in FrameParser(max_message=2000).feed(data):
            assert isinstance(message, Message)
    except ProtocolError as error:
        assert error.code in (Close.PROTOCOL_ERROR, Close.INVALID_DATA, Close.MESSAGE_TOO_BIG)
