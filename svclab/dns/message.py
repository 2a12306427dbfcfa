"""Building replies the way miekg/dns (SetReply, SetRcode) and CoreDNS (SizeAndDo) do."""

from __future__ import annotations

from typing import Iterable

import dns.flags
import dns.message
import dns.opcode
import dns.rcode
import dns.rrset

from svclab.dns.lookup import RR

# request/edns0.go supportedOptions: NSID, EXPIRE, COOKIE, TCP_KEEPALIVE, PADDING are echoed.
SUPPORTED_OPTIONS = frozenset({3, 9, 10, 11, 12})


def set_reply(query: dns.message.Message) -> dns.message.Message:
    """Msg.SetReply: same id and opcode, QR set, RD and CD copied for QUERY, first question."""
    reply = dns.message.Message(id=query.id)
    opcode = query.opcode()
    flags = dns.flags.QR
    if opcode == dns.opcode.QUERY:
        flags |= query.flags & (dns.flags.RD | dns.flags.CD)
    reply.flags = flags
    reply.set_opcode(opcode)
    if query.question:
        q = query.question[0]
        reply.question = [dns.rrset.RRset(q.name, q.rdclass, q.rdtype)]
    return reply


def set_rcode(query: dns.message.Message, rcode: int) -> dns.message.Message:
    """Msg.SetRcode."""
    reply = set_reply(query)
    reply.set_rcode(dns.rcode.Rcode.make(rcode))
    return reply


def add_records(reply: dns.message.Message, section: list[dns.rrset.RRset], rrs: Iterable[RR]) -> None:
    """Append records, one RRset per owner and type in order of first appearance."""
    for rr in rrs:
        found = None
        for rrset in section:
            if rrset.name == rr.name and rrset.rdtype == rr.rdata.rdtype and rrset.rdclass == rr.rdata.rdclass:
                found = rrset
                break
        if found is None:
            found = dns.rrset.RRset(rr.name, rr.rdata.rdclass, rr.rdata.rdtype)
            section.append(found)
        found.add(rr.rdata, rr.ttl)


def size_and_do(query: dns.message.Message, reply: dns.message.Message) -> None:
    """request.SizeAndDo: echo the query's OPT (version 0, its UDP size, DO, supported options)."""
    if query.opt is None:
        return
    do = query.ednsflags & dns.flags.DO
    options = [o for o in query.options if int(o.otype) in SUPPORTED_OPTIONS]
    reply.use_edns(0, do, query.payload, options=options)
