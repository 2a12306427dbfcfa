"""Turning backend items into resource records: CoreDNS v1.13.1 plugin/backend_lookup.go."""

from __future__ import annotations

import math
from typing import Callable, NamedTuple

import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
from dns.rdtypes.ANY.CNAME import CNAME
from dns.rdtypes.ANY.NS import NS
from dns.rdtypes.ANY.PTR import PTR
from dns.rdtypes.ANY.SOA import SOA
from dns.rdtypes.ANY.TXT import TXT
from dns.rdtypes.IN.A import A
from dns.rdtypes.IN.AAAA import AAAA
from dns.rdtypes.IN.SRV import SRV

from svclab.dns.backend import KubeBackend, NameErr, Request
from svclab.dns.util import fqdn, is_subdomain, parse_ip, to_name

IN = dns.rdataclass.IN
HOSTMASTER = "hostmaster"
MAX_CNAME_CHAIN_LENGTH = 10  # maxCnameChainLength


class RR(NamedTuple):
    """One resource record: owner, TTL and data."""

    name: dns.name.Name
    ttl: int
    rdata: dns.rdata.Rdata


# Upstream.Lookup: the answer section for (name, type), or None when the lookup errs.
Upstream = Callable[[dns.name.Name, int], "list[RR] | None"]


def new_address(ttl: int, name: str, ip: str, what: int) -> RR:
    """newAddress."""
    if what == dns.rdatatype.A:
        return RR(to_name(name), ttl, A(IN, dns.rdatatype.A, ip))
    return RR(to_name(name), ttl, AAAA(IN, dns.rdatatype.AAAA, ip))


def _cname(owner: dns.name.Name, ttl: int, target: str) -> RR:
    return RR(owner, ttl, CNAME(IN, dns.rdatatype.CNAME, to_name(target)))


def _duplicate_cname(new: RR, previous: list[RR]) -> bool:
    """dnsutil.DuplicateCNAME: same target string as an earlier CNAME."""
    target = new.rdata.target.to_text()  # type: ignore[attr-defined]
    return any(
        r.rdata.rdtype == dns.rdatatype.CNAME and r.rdata.target.to_text() == target  # type: ignore[attr-defined]
        for r in previous
    )


def address(
    b: KubeBackend, zone: dns.name.Name, req: Request, previous: list[RR], upstream: Upstream
) -> list[RR]:
    """A and AAAA (the type is req.qtype), following CNAMEs of ExternalName services."""
    records: list[RR] = []
    dup: set[str] = set()
    for serv in b.services(req):
        what, ip = serv.host_type()
        if what == dns.rdatatype.CNAME:
            target = fqdn(serv.host)
            if is_subdomain(req.name, target):
                continue  # x CNAME x is a direct loop, don't add those
            new = _cname(req.qname, serv.ttl, serv.host)
            if len(previous) > MAX_CNAME_CHAIN_LENGTH or _duplicate_cname(new, previous):
                continue
            if is_subdomain(zone.to_text(), target):
                try:
                    nxt = address(b, zone, req.with_question(to_name(target), req.qtype), [*previous, new], upstream)
                except NameErr:  # the nested lookup's error only drops the CNAME
                    continue
                if nxt:
                    records.append(new)
                    records.extend(nxt)
                continue
            # This means we can not complete the CNAME, try to look else where.
            answer = upstream(to_name(target), req.qtype)
            if answer is None:
                continue
            records.append(new)
            records.extend(answer)
        elif what == req.qtype and what in (dns.rdatatype.A, dns.rdatatype.AAAA):
            if serv.host not in dup:
                dup.add(serv.host)
                records.append(new_address(serv.ttl, req.qname.to_text(), ip, what))
    return records


def srv(b: KubeBackend, req: Request) -> tuple[list[RR], list[RR]]:
    """SRV: weight 100 split over the records of one priority; targets' addresses go in Additional."""
    services = b.services(req)
    # Looping twice to get the right weight vs priority (all kubernetes items have priority 0, weight 0).
    total = 100 * len(services)
    records: list[RR] = []
    extra: list[RR] = []
    dup: set[tuple[str, int, str]] = set()
    for serv in services:
        # The kubernetes plugin uses port -1 when a service/endpoint does not have any declared ports.
        if serv.port == -1:
            continue
        weight = int(math.floor(100.0 / float(total) * 100)) & 0xFFFF
        if weight == 0:
            weight = 1
        what, ip = serv.host_type()
        if what not in (dns.rdatatype.A, dns.rdatatype.AAAA):
            continue  # CNAME items were removed by Services for SRV
        target = fqdn(serv.domain)
        rdata = SRV(IN, dns.rdatatype.SRV, 0, weight, serv.port & 0xFFFF, to_name(target))
        if (target, serv.port & 0xFFFF, "") not in dup:
            dup.add((target, serv.port & 0xFFFF, ""))
            records.append(RR(req.qname, serv.ttl, rdata))
        if (target, 0, serv.host) not in dup:
            dup.add((target, 0, serv.host))
            extra.append(new_address(serv.ttl, target, ip, what))
    return records, extra


def mx(b: KubeBackend, req: Request) -> list[RR]:
    """MX: kubernetes items are never mail hosts, so only the name's existence is checked."""
    b.services(req)
    return []


def cname(b: KubeBackend, req: Request) -> list[RR]:
    services = b.services(req)
    if services and parse_ip(services[0].host) is None:
        return [_cname(req.qname, services[0].ttl, services[0].host)]
    return []


def txt(b: KubeBackend, req: Request) -> list[RR]:
    records: list[RR] = []
    seen: set[str] = set()
    for serv in b.services(req):
        if serv.host_type()[0] == dns.rdatatype.TXT and serv.text not in seen:
            seen.add(serv.text)
            records.append(RR(req.qname, serv.ttl, TXT(IN, dns.rdatatype.TXT, [serv.text.encode()])))
    return records


def ptr(b: KubeBackend, req: Request) -> list[RR]:
    records: list[RR] = []
    seen: set[str] = set()
    for serv in b.reverse(req):
        if parse_ip(serv.host) is None and serv.host not in seen:
            seen.add(serv.host)
            records.append(RR(req.qname, serv.ttl, PTR(IN, dns.rdatatype.PTR, to_name(serv.host))))
    return records


def ns(b: KubeBackend, req: Request) -> tuple[list[RR], list[RR]]:
    """NS at the zone apex: the CoreDNS Service name, its address in Additional."""
    records: list[RR] = []
    extra: list[RR] = []
    seen: set[str] = set()
    for serv in b.services(req.with_question(req.qname, dns.rdatatype.NS)):
        what, ip = serv.host_type()
        if what not in (dns.rdatatype.A, dns.rdatatype.AAAA):
            raise ValueError(f"NS record must be an IP address: {serv.host}")
        extra.append(new_address(serv.ttl, serv.domain, ip, what))
        if serv.domain in seen:
            continue
        seen.add(serv.domain)
        records.append(RR(req.qname, serv.ttl, NS(IN, dns.rdatatype.NS, to_name(serv.domain))))
    return records, extra


def soa(zone: dns.name.Name, min_ttl: int, serial: int) -> RR:
    """SOA for the zone as asked: ns.dns.<zone> hostmaster.<zone> serial 7200 1800 86400 minttl."""
    ttl = min(300, min_ttl)
    zone_text = zone.to_text()
    mbox = HOSTMASTER + "." + ("" if zone_text == "." else zone_text)
    ns_name = "ns.dns." + ("" if zone_text == "." else zone_text)
    rdata = SOA(IN, dns.rdatatype.SOA, to_name(ns_name), to_name(mbox), serial, 7200, 1800, 86400, min_ttl)
    return RR(zone, ttl, rdata)
