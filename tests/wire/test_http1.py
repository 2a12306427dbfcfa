"""svclab.wire.http1: request heads and chunked bodies as Go's net/http reads them, bounded; fuzzed."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from svclab.wire import http1
from svclab.wire.http1 import ChunkedDecoder, HeadReader, Refused, parse_head

ERROR_HEADERS = b"\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"


def head_of(raw: bytes) -> http1.RequestHead:
    size = HeadReader().find(bytearray(raw))
    assert size > 0
    return parse_head(raw[:size].rstrip(b"\r\n"))


def refusal(raw: bytes) -> bytes:
    with pytest.raises(Refused) as refused:
        buffer = bytearray(raw)
        size = HeadReader().find(buffer)
        assert size > 0, "no whole head"
        parse_head(bytes(buffer[:size]).rstrip(b"\r\n"))
    return refused.value.raw


def test_a_request_head_and_its_fields() -> None:
    head = head_of(b"POST /api/v1/namespaces/default/pods?fieldManager=kubectl HTTP/1.1\r\nHost: x\r\n"
                   b"Content-Length: 12\r\nauthorization: Bearer t\r\nAccept: a\r\nAccept: b\r\n\r\nbody")
    assert (head.method, head.target, head.version, head.content_length, head.keep_alive) == (
        "POST", "/api/v1/namespaces/default/pods?fieldManager=kubectl", (1, 1), 12, True)
    assert head.headers["Authorization"] == "Bearer t" and head.headers.getall("accept") == ["a", "b"]


def test_keep_alive_upgrade_and_expect_are_read_from_the_headers() -> None:
    assert not head_of(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").keep_alive
    assert not head_of(b"GET / HTTP/1.0\r\n\r\n").keep_alive
    assert head_of(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").keep_alive
    assert head_of(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n").upgrade
    assert head_of(b"PUT / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n").expect_continue
    assert head_of(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n").chunked


@pytest.mark.parametrize("raw, answer", [
    (b"GARBAGE\r\n\r\n", b"400 Bad Request"),
    (b"GET /\r\n\r\n", b"400 Bad Request"),
    (b"GET / HTTP/x\r\nHost: x\r\n\r\n", b"400 Bad Request"),
    (b"GET nope HTTP/1.1\r\nHost: x\r\n\r\n", b"400 Bad Request"),
    (b"G(T / HTTP/1.1\r\nHost: x\r\n\r\n", b"400 Bad Request"),
    (b"GET / HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n", b"400 Bad Request"),
    (b"GET / HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n", b"400 Bad Request: invalid header name"),
    (b"GET / HTTP/1.1\r\nHost: x\r\nX: a\x01b\r\n\r\n", b"400 Bad Request: invalid header value"),
    (b"GET / HTTP/1.1\r\n\r\n", b"400 Bad Request: missing required Host header"),
    (b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", b"400 Bad Request: too many Host headers"),
    (b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", b"505 HTTP Version Not Supported: unsupported protocol version"),
    (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
     b"400 Bad Request: http: message cannot contain multiple Content-Length headers"),
    (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", b'400 Bad Request: bad Content-Length "-1"'),
])
def test_what_net_http_answers_a_request_it_cannot_parse(raw: bytes, answer: bytes) -> None:
    assert refusal(raw) == b"HTTP/1.1 " + answer + ERROR_HEADERS + answer


def test_an_unsupported_transfer_coding_is_501() -> None:
    assert refusal(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n") == (
        b"HTTP/1.1 501 Not Implemented" + ERROR_HEADERS + b"Unsupported transfer encoding")


def test_a_head_over_max_header_bytes_is_431_before_it_ends() -> None:
    reader, buffer = HeadReader(), bytearray(b"GET / HTTP/1.1\r\nHost: x\r\n")
    assert reader.find(buffer) == -1
    with pytest.raises(Refused) as refused:
        while True:   # a client that never ends its head: refused once the bound is passed, not later
            buffer += b"X-Filler: " + b"a" * 8000 + b"\r\n"
            assert len(buffer) < http1.MAX_HEADER_BYTES + 9000
            reader.find(buffer)
    assert refused.value.raw.startswith(b"HTTP/1.1 431 Request Header Fields Too Large\r\n")
    assert refused.value.raw.endswith(b"\r\n\r\n431 Request Header Fields Too Large")


def test_too_many_header_lines_is_431() -> None:
    raw = b"GET / HTTP/1.1\r\nHost: x\r\n" + b"a: b\r\n" * (http1.MAX_HEADER_COUNT + 1) + b"\r\n"
    assert refusal(raw).startswith(b"HTTP/1.1 431 ")


def test_a_head_that_ends_within_the_bound_is_read() -> None:
    filler = b"X-Filler: " + b"a" * (http1.MAX_HEADER_BYTES - 100) + b"\r\n"
    assert head_of(b"GET / HTTP/1.1\r\nHost: x\r\n" + filler + b"\r\n").headers["X-Filler"].startswith("aaa")


def test_the_head_reader_does_not_rescan_what_it_has_seen() -> None:
    # one byte at a time: the reader resumes where it stopped, and sees a blank line split over two reads
    raw = b"GET / HTTP/1.1\r\nHost: x\r\n\r\nNEXT"
    reader, buffer = HeadReader(), bytearray()
    for index, byte in enumerate(raw):
        buffer.append(byte)
        size = reader.find(buffer)
        if size > 0:
            break
    assert size == len(raw) - 4 and index == size - 1


def chunked(body: bytes, sizes: list[int]) -> bytes:
    out, position = bytearray(), 0
    for size in sizes:
        piece = body[position:position + size]
        if not piece:
            break
        out += b"%x;ext=1\r\n%s\r\n" % (len(piece), piece)
        position += len(piece)
    if position < len(body):
        out += b"%x\r\n%s\r\n" % (len(body) - position, body[position:])
    return bytes(out) + b"0\r\nTrailer: x\r\n\r\n"


@given(st.binary(max_size=3000), st.lists(st.integers(1, 700), max_size=10), st.lists(st.integers(1, 50), min_size=1, max_size=40),
       st.binary(max_size=20))
@settings(max_examples=200, deadline=None)
def test_a_chunked_body_decodes_to_its_bytes_however_it_is_split(body: bytes, sizes: list[int], cuts: list[int], after: bytes) -> None:
    wire = chunked(body, sizes) + after
    decoder, out, position, turn = ChunkedDecoder(), bytearray(), 0, 0
    while not decoder.done and position < len(wire):
        step = cuts[turn % len(cuts)]
        out += decoder.feed(wire[position:position + step])
        position += step
        turn += 1
    assert decoder.done and bytes(out) == body
    assert decoder.leftover() + wire[position:] == after


@pytest.mark.parametrize("wire", [b"zz\r\n", b"5\r\nabcdeXX\r\n", b"1" * 5000, b"-1\r\n", b"11111111111111111\r\n"])
def test_a_broken_chunked_body_is_a_400(wire: bytes) -> None:
    with pytest.raises(Refused) as refused:
        ChunkedDecoder().feed(wire)
    assert refused.value.code == 400


@given(st.binary(max_size=2000))
@settings(max_examples=300, deadline=None)
def test_any_bytes_are_a_head_or_a_refusal_never_a_crash(data: bytes) -> None:
    reader, buffer = HeadReader(), bytearray(data)
    try:
        size = reader.find(buffer)
        if size > 0:
            head = parse_head(bytes(buffer[:size]).rstrip(b"\r\n"))
            assert head.method and head.version[0] == 1
    except Refused as refused:
        assert refused.raw.startswith(b"HTTP/1.1 4") or refused.raw.startswith(b"HTTP/1.1 50")
    try:
        ChunkedDecoder().feed(data)
    except Refused:
        pass


TOKEN = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_", min_size=1, max_size=20)
VALUE = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7e), max_size=40).map(str.strip)


@given(st.sampled_from(["GET", "POST", "PATCH", "DELETE"]), st.lists(TOKEN, max_size=5), st.lists(st.tuples(TOKEN, VALUE), max_size=10),
       st.lists(st.integers(1, 40), min_size=1, max_size=10))
@settings(max_examples=200, deadline=None)
def test_a_valid_head_parses_the_same_however_it_arrives(method: str, path: list[str], fields: list[tuple[str, str]], cuts: list[int]) -> None:
    fields = [(k, v) for k, v in fields if k.lower() not in ("host", "content-length", "transfer-encoding")]
    target = "/" + "/".join(path)
    raw = f"{method} {target} HTTP/1.1\r\nHost: h\r\n".encode() + b"".join(f"{k}: {v}\r\n".encode() for k, v in fields) + b"\r\nREST"
    reader, buffer, position, turn, size = HeadReader(), bytearray(), 0, 0, -1
    while size < 0:
        step = cuts[turn % len(cuts)]
        buffer += raw[position:position + step]
        position += step
        turn += 1
        size = reader.find(buffer)
    head = parse_head(bytes(buffer[:size]).rstrip(b"\r\n"))
    assert (head.method, head.target) == (method, target)
    assert head.headers.items() == [("Host", "h")] + fields
    assert bytes(buffer[size:]) + raw[position:] == b"REST"


def test_response_heads_and_dates_are_go_s() -> None:
    headers = http1.Headers([("Content-Type", "application/json"), ("Content-Length", "2")])
    assert http1.response_head(201, headers, "Tue, 07 May 2024 10:00:00 GMT") == (
        b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
        b"Date: Tue, 07 May 2024 10:00:00 GMT\r\n\r\n")
    assert http1.http_date(1715076000) == "Tue, 07 May 2024 10:00:00 GMT"
    assert http1.chunk(b"abc") == b"3\r\nabc\r\n" and http1.chunk(b"") == b""
