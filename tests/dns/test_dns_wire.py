"""Request bytes to reply bytes: miekg/dns's accept function and Msg.Truncate."""

from __future__ import annotations

import struct

import dns.flags
import dns.message
import dns.opcode
import dns.rcode
from hypothesis import given, settings
from hypothesis import strategies as st

from dns_fixtures import SERIAL, cluster, endpoint, endpoint_slice, port, service
from svclab.dns import wire
from svclab.dns.records import resolve

BIG = cluster(
    [service("big", "testns", ["None"], [port("http", 80)])],
    [endpoint_slice("big-1", "testns", "big", [endpoint(f"10.244.3.{i}") for i in range(1, 81)], [port("http", 80)])],
)


def respond(q: dns.message.Message) -> dns.message.Message:
    return resolve(q, BIG, serial=SERIAL)


def wire_query(name: str, qtype: str, **kw: object) -> bytes:
    return dns.message.make_query(name, qtype, **kw).to_wire()  # type: ignore[arg-type]


def test_short_packets_and_responses_get_no_reply() -> None:
    assert wire.answer(b"", respond, tcp=False) is None
    assert wire.answer(b"\x12\x34\x01", respond, tcp=False) is None
    reply = dns.message.make_response(dns.message.make_query("svc1.testns.svc.cluster.local", "A"))
    assert wire.answer(reply.to_wire(), respond, tcp=False) is None


def test_rejected_headers() -> None:
    q = dns.message.make_query("svc1.testns.svc.cluster.local", "A")
    q.id = 4242
    data = bytearray(q.to_wire())
    # two questions claimed -> FORMERR, header only
    bad = bytes(data[:4]) + struct.pack("!H", 2) + bytes(data[6:])
    out = wire.answer(bad, respond, tcp=False)
    assert out is not None and len(out) == 12
    msg_id, flags, qd, an, ns, ar = struct.unpack("!6H", out)
    assert msg_id == 4242 and flags & 0x8000 and flags & 0xF == dns.rcode.FORMERR and (qd, an, ns, ar) == (0, 0, 0, 0)
    assert flags & 0x0100  # RD kept
    # UPDATE opcode -> NOTIMP with the opcode kept
    upd = bytes(data[:2]) + struct.pack("!H", (dns.opcode.UPDATE << 11) | 0x0100) + bytes(data[4:])
    out = wire.answer(upd, respond, tcp=False)
    assert out is not None
    _, flags, *_ = struct.unpack("!6H", out)
    assert flags & 0xF == dns.rcode.NOTIMP and (flags >> 11) & 0xF == dns.opcode.UPDATE
    # Z bit set -> FORMERR
    z = bytes(data[:2]) + struct.pack("!H", 0x0100 | 0x0040) + bytes(data[4:])
    out = wire.answer(z, respond, tcp=False)
    assert out is not None and struct.unpack("!6H", out)[1] & 0xF == dns.rcode.FORMERR


def test_unparsable_body_is_formerr_and_trailing_bytes_are_ignored() -> None:
    garbage = struct.pack("!6H", 7, 0x0100, 1, 0, 0, 0) + b"\x3fabc"
    out = wire.answer(garbage, respond, tcp=False)
    assert out is not None and struct.unpack("!6H", out)[:2] == (7, 0x8000 | 0x0100 | dns.rcode.FORMERR)
    ok = wire.answer(wire_query("big.testns.svc.cluster.local", "A") + b"junk", respond, tcp=True)
    assert ok is not None and dns.message.from_wire(ok).rcode() == dns.rcode.NOERROR


def test_udp_truncates_at_512_and_sets_tc() -> None:
    out = wire.answer(wire_query("big.testns.svc.cluster.local", "A"), respond, tcp=False)
    assert out is not None and len(out) <= 512
    msg = dns.message.from_wire(out)
    assert msg.flags & dns.flags.TC and msg.flags & dns.flags.AA
    kept = sum(len(r) for r in msg.answer)
    assert 0 < kept < 80


def test_edns_buffer_and_tcp_give_the_full_answer() -> None:
    out = wire.answer(wire_query("big.testns.svc.cluster.local", "A", use_edns=0, payload=4096), respond, tcp=False)
    assert out is not None
    msg = dns.message.from_wire(out)
    assert not msg.flags & dns.flags.TC and sum(len(r) for r in msg.answer) == 80
    assert msg.edns == 0 and msg.payload == 4096
    out = wire.answer(wire_query("big.testns.svc.cluster.local", "A"), respond, tcp=True)
    assert out is not None
    msg = dns.message.from_wire(out)
    assert not msg.flags & dns.flags.TC and sum(len(r) for r in msg.answer) == 80


def test_truncated_edns_reply_keeps_its_opt_within_the_size() -> None:
    out = wire.answer(wire_query("_http._tcp.big.testns.svc.cluster.local", "SRV", use_edns=0, payload=600), respond,
                      tcp=False)
    assert out is not None and len(out) <= 600
    msg = dns.message.from_wire(out)
    assert msg.flags & dns.flags.TC and msg.edns == 0 and msg.payload == 600


def test_owner_case_survives_compression() -> None:
    out = wire.answer(wire_query("_HTTP._tcp.BIG.testns.svc.cluster.local", "SRV"), respond, tcp=True)
    assert out is not None
    msg = dns.message.from_wire(out)
    targets = {rd.target.to_text() for rrset in msg.answer for rd in rrset}
    assert "10-244-3-1.big.testns.svc.cluster.local." in targets
    assert {rrset.name.to_text() for rrset in msg.additional} >= {"10-244-3-1.big.testns.svc.cluster.local."}


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=700))
def test_random_bytes_never_raise(data: bytes) -> None:
    out = wire.answer(data, respond, tcp=False)
    assert out is None or len(out) >= 12


VALID = wire_query("_http._tcp.big.testns.svc.cluster.local", "SRV", use_edns=0)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 255)), min_size=1, max_size=6))
def test_mutated_queries_never_raise(flips: list[tuple[int, int]]) -> None:
    data = bytearray(VALID)
    for at, value in flips:
        data[at] = value
    out = wire.answer(bytes(data), respond, tcp=False)
    if out is not None:
        assert len(out) <= 65535
        dns.message.from_wire(out, ignore_trailing=True)  # whatever we send parses
