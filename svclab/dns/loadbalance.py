"""CoreDNS's `loadbalance` plugin (in kind's Corefile): A and AAAA records are shuffled in every
successful answer, so a headless name's addresses come back in a different order each time — the
DNS round robin clients lean on. plugin/loadbalance/loadbalance.go, with a seeded generator standing
in for dns.Id() so runs repeat."""

from __future__ import annotations

import random

import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset

ADDRESS_TYPES = (dns.rdatatype.A, dns.rdatatype.AAAA)


def round_robin_shuffle(items: list[object], rng: random.Random) -> None:
    """roundRobinShuffle: swap two with even odds; for more, the Id()-driven Fisher–Yates variant."""
    count = len(items)
    if count == 2:
        if rng.getrandbits(16) % 2 == 0:
            items[0], items[1] = items[1], items[0]
    elif count > 2:
        for j in range(count):
            p = j + rng.getrandbits(16) % (count - j)
            if p != j:
                items[j], items[p] = items[p], items[j]


def _shuffle_rrset(rrset: dns.rrset.RRset, rng: random.Random) -> dns.rrset.RRset:
    records = list(rrset)
    round_robin_shuffle(records, rng)  # type: ignore[arg-type]
    shuffled = dns.rrset.RRset(rrset.name, rrset.rdclass, rrset.rdtype)
    shuffled.update_ttl(rrset.ttl)
    for record in records:
        shuffled.add(record)
    return shuffled


def _section(rrsets: list[dns.rrset.RRset], rng: random.Random) -> list[dns.rrset.RRset]:
    """roundRobin over one section: CNAMEs, then the rest, then the (shuffled) addresses, then MX."""
    if sum(len(r) for r in rrsets) <= 1:
        return rrsets
    cnames = [r for r in rrsets if r.rdtype == dns.rdatatype.CNAME]
    addresses = [r for r in rrsets if r.rdtype in ADDRESS_TYPES]
    mx = [r for r in rrsets if r.rdtype == dns.rdatatype.MX]
    rest = [r for r in rrsets if r.rdtype not in ADDRESS_TYPES and r.rdtype not in (dns.rdatatype.CNAME, dns.rdatatype.MX)]
    addresses = [_shuffle_rrset(r, rng) for r in addresses]
    if all(len(r) == 1 for r in addresses):
        round_robin_shuffle(addresses, rng)  # type: ignore[arg-type]  # one record per name (SRV targets)
    return cnames + rest + addresses + mx


def draws(reply: dns.message.Message) -> bool:
    """Whether `shuffle` may draw from the generator for this reply: some section has more than one record."""
    if reply.rcode() != dns.rcode.NOERROR or not reply.question:
        return False
    if reply.question[0].rdtype in (dns.rdatatype.AXFR, dns.rdatatype.IXFR):
        return False
    return any(sum(len(r) for r in section) > 1 for section in (reply.answer, reply.authority, reply.additional))


def shuffle(reply: dns.message.Message, rng: random.Random) -> dns.message.Message:
    if reply.rcode() != dns.rcode.NOERROR or not reply.question:
        return reply
    if reply.question[0].rdtype in (dns.rdatatype.AXFR, dns.rdatatype.IXFR):
        return reply
    reply.answer = _section(reply.answer, rng)
    reply.authority = _section(reply.authority, rng)
    reply.additional = _section(reply.additional, rng)
    return reply
