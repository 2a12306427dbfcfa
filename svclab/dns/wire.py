"""From request bytes to reply bytes, as miekg/dns's server and CoreDNS's ScrubWriter do.

- Fewer than 12 bytes, or a response (QR set): no reply ("let client hang, they are
  sending crap; any reply can be used to amplify") — miekg/dns server.go serveDNS.
- An opcode other than QUERY/NOTIFY: NOTIMP; Z set, QDCOUNT != 1, ANCOUNT/NSCOUNT != 0,
  ARCOUNT > 2, or a body that does not unpack: FORMERR — miekg/dns acceptfunc.go.
- Replies larger than the client's buffer (512 bytes, or the EDNS size, over UDP;
  65535 over TCP) are cut record by record and get TC — miekg/dns Msg.Truncate via
  CoreDNS request.Scrub.
"""

from __future__ import annotations

import io
import struct
from typing import Any, Callable

import dns.exception
import dns.flags
import dns.message
import dns.opcode
import dns.rcode
import dns.renderer
import dns.rrset

MIN_MSG_SIZE = 512  # dns.MinMsgSize
MAX_MSG_SIZE = 65535  # dns.MaxMsgSize
HEADER_SIZE = 12

_QR, _AA, _TC, _RD, _RA, _Z, _AD, _CD = 0x8000, 0x0400, 0x0200, 0x0100, 0x0080, 0x0040, 0x0020, 0x0010
_KEPT_ON_REJECT = _TC | _RD | _RA | _AD | _CD

Responder = Callable[[dns.message.Message], dns.message.Message]


class _CaseKeepingCompression(dict[Any, int]):
    """A compression table that only points at names spelled the same way, so owners keep their case."""

    def get(self, key: Any, default: Any = None) -> Any:
        return super().get(tuple(key.labels), default)

    def __setitem__(self, key: Any, value: int) -> None:
        super().__setitem__(tuple(key.labels), value)


def buffer_size(query: dns.message.Message, tcp: bool) -> int:
    """edns.Size: 65535 over TCP; over UDP the advertised EDNS size, at least 512."""
    if tcp:
        return MAX_MSG_SIZE
    size = query.payload if query.opt is not None else 0
    return max(size, MIN_MSG_SIZE)


def _single(rrset: dns.rrset.RRset, rd: Any) -> dns.rrset.RRset:
    one = dns.rrset.RRset(rrset.name, rrset.rdclass, rrset.rdtype)
    one.add(rd, rrset.ttl)
    return one


def render(msg: dns.message.Message, size: int) -> bytes:
    """msg in wire form, cut to size the way Msg.Truncate does (TC when any record is left out)."""
    sections = (
        (dns.renderer.ANSWER, msg.answer),
        (dns.renderer.AUTHORITY, msg.authority),
        (dns.renderer.ADDITIONAL, msg.additional),
    )
    opt_len = 0
    if msg.opt is not None:
        buf = io.BytesIO()
        msg.opt.to_wire(buf)
        opt_len = len(buf.getvalue())
    size = max(size, MIN_MSG_SIZE)
    budget = size - opt_len
    r = dns.renderer.Renderer(msg.id, msg.flags, budget)
    r.compress = _CaseKeepingCompression()
    omitted = False
    for q in msg.question:
        r.add_question(q.name, q.rdtype, q.rdclass)
    for section, rrsets in sections:
        for rrset in rrsets:
            for rd in rrset:
                if omitted:
                    continue
                try:
                    r.add_rrset(section, _single(rrset, rd))
                except dns.exception.TooBig:
                    omitted = True
    if omitted:
        r.flags |= _TC
    r.max_size = size
    if msg.opt is not None:
        r.add_opt(msg.opt)
    r.write_header()
    return bytes(r.get_wire())


def _header_only(msg_id: int, flags: int) -> bytes:
    return struct.pack("!6H", msg_id, flags, 0, 0, 0, 0)


def _reject(data: bytes) -> bytes | None:
    """defaultMsgAcceptFunc: None to accept, or the FORMERR/NOTIMP reply to send."""
    msg_id, flags, qd, an, ns, ar = struct.unpack("!6H", data[:HEADER_SIZE])
    opcode = (flags >> 11) & 0xF
    if opcode not in (dns.opcode.QUERY, dns.opcode.NOTIFY):
        return _header_only(msg_id, (flags & _KEPT_ON_REJECT) | _QR | (opcode << 11) | dns.rcode.NOTIMP)
    if flags & _Z or qd != 1 or an != 0 or ns != 0 or ar > 2:
        return _header_only(msg_id, (flags & _KEPT_ON_REJECT) | _QR | dns.rcode.FORMERR)
    return None


def answer(data: bytes, respond: Responder, *, tcp: bool) -> bytes | None:
    """The reply bytes for one request, or None when the request gets no reply."""
    if len(data) < HEADER_SIZE:
        return None
    msg_id, flags = struct.unpack("!HH", data[:4])
    if flags & _QR:
        return None
    rejected = _reject(data)
    if rejected is not None:
        return rejected
    try:
        query = dns.message.from_wire(data, ignore_trailing=True)
    except Exception:
        return _header_only(msg_id, (flags & _KEPT_ON_REJECT) | _QR | dns.rcode.FORMERR)
    try:
        reply = respond(query)
        return render(reply, buffer_size(query, tcp))
    except Exception:
        fail = dns.message.make_response(query)
        fail.flags &= ~dns.flags.RA
        fail.set_rcode(dns.rcode.SERVFAIL)
        return fail.to_wire()
