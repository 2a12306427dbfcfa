"""The kubernetes plugin's ServeDNS: CoreDNS v1.13.1 plugin/kubernetes/handler.go and plugin.BackendError."""

from __future__ import annotations

from dataclasses import dataclass

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype

from svclab.dns import lookup
from svclab.dns.backend import KubeBackend, NameErr, Request
from svclab.dns.config import Fall
from svclab.dns.lookup import RR, Upstream
from svclab.dns.message import add_records, set_rcode, set_reply


@dataclass(frozen=True)
class Outcome:
    """What the plugin did: wrote `reply`, returned `rcode` unwritten, or passed on (`next`)."""

    reply: dns.message.Message | None = None
    rcode: int = dns.rcode.NOERROR
    next: bool = False


def backend_error(
    query: dns.message.Message, zone: dns.name.Name, rcode: int, ttl: int, serial: int
) -> dns.message.Message:
    """plugin.BackendError: the rcode, AA, and the zone's SOA in Authority."""
    reply = set_rcode(query, rcode)
    reply.flags |= dns.flags.AA
    add_records(reply, reply.authority, [lookup.soa(zone, ttl, serial)])
    return reply


def serve(
    b: KubeBackend,
    query: dns.message.Message,
    req: Request,
    *,
    serial: int,
    fall: Fall,
    upstream: Upstream,
) -> Outcome:
    """Answer req (already matched to one of the plugin's zones)."""
    qtype = req.qtype
    records: list[RR] = []
    extra: list[RR] = []
    try:
        if qtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
            records = lookup.address(b, req.zone, req, [], upstream)
        elif qtype == dns.rdatatype.TXT:
            records = lookup.txt(b, req)
        elif qtype == dns.rdatatype.CNAME:
            records = lookup.cname(b, req)
        elif qtype == dns.rdatatype.PTR:
            records = lookup.ptr(b, req)
        elif qtype == dns.rdatatype.MX:
            records = lookup.mx(b, req)
        elif qtype == dns.rdatatype.SRV:
            records, extra = lookup.srv(b, req)
        elif qtype == dns.rdatatype.SOA:
            if len(req.qname.labels) == len(req.zone.labels):
                records = [lookup.soa(req.zone, b.ttl, serial)]
        elif qtype in (dns.rdatatype.AXFR, dns.rdatatype.IXFR):
            return Outcome(rcode=dns.rcode.REFUSED)
        elif qtype == dns.rdatatype.NS and req.name == req.zone_text:
            records, extra = lookup.ns(b, req)
        else:
            # Do a fake A lookup, so we can distinguish between NODATA and NXDOMAIN
            lookup.address(b, req.zone, req.with_question(req.qname, dns.rdatatype.A), [], upstream)
    except NameErr:
        if fall.through(req.name):
            return Outcome(next=True)
        return Outcome(reply=backend_error(query, req.zone, dns.rcode.NXDOMAIN, b.ttl, serial))
    if not records:
        return Outcome(reply=backend_error(query, req.zone, dns.rcode.NOERROR, b.ttl, serial))
    reply = set_reply(query)
    reply.flags |= dns.flags.AA
    add_records(reply, reply.answer, records)
    add_records(reply, reply.additional, extra)
    return Outcome(reply=reply)
