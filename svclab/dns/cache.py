"""CoreDNS's `cache` plugin (plugin/cache, v1.13.1), as kind's Corefile sets it up.

kind's Corefile has `cache 30 { disable success cluster.local; disable denial cluster.local }`:
every reply that passes through is written with one TTL, the smallest TTL in it bounded to
[5, 30] seconds ("Apply capped TTL to this reply"), and replies for names outside cluster.local
(upstream names, in-addr.arpa PTRs) are kept and served from memory until that TTL runs out,
counting down, with AA set (item.toMsg). So a learner who sets `ttl 0` in the kubernetes block
still sees TTL 5, one who sets `ttl 300` sees 30, and `nslookup example.com` says
"Non-authoritative answer:" the first time only.

Not modelled: prefetch and serve_stale (refused by the Corefile loader), the metrics. The store is
bounded (the plugin's default capacity, 10000 entries per kind) and evicts its oldest entry.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable

import dns.flags
import dns.message
import dns.opcode
import dns.rcode
import dns.rdatatype
import dns.rrset

from svclab.dns.config import CacheConfig
from svclab.dns.message import set_reply
from svclab.dns.util import is_subdomain

MINIMAL_DEFAULT_TTL = 5  # dnsutil.MinimalDefaultTTL
MAXIMUM_DEFAULT_TTL = 3600  # dnsutil.MaximumDefaulTTL

NO_ERROR, NAME_ERROR, NO_DATA, DELEGATION, META, UPDATE, OTHER_ERROR, SERVER_ERROR = range(8)


def typify(m: dns.message.Message) -> int:
    """response.Typify (DNSSEC expiry checks left out: svclab signs nothing)."""
    if m.opcode() == dns.opcode.UPDATE:
        return UPDATE
    if m.opcode() == dns.opcode.NOTIFY:
        return META
    if m.question and m.question[0].rdtype in (dns.rdatatype.AXFR, dns.rdatatype.IXFR):
        return META
    rcode = m.rcode()
    if m.answer and rcode == dns.rcode.NOERROR:
        return NO_ERROR
    soa = any(r.rdtype == dns.rdatatype.SOA for r in m.authority)
    ns = sum(1 for r in m.authority if r.rdtype == dns.rdatatype.NS)
    if soa and rcode == dns.rcode.NOERROR:
        return NO_DATA
    if soa and rcode == dns.rcode.NXDOMAIN:
        return NAME_ERROR
    if rcode in (dns.rcode.SERVFAIL, dns.rcode.NOTIMP):
        return SERVER_ERROR
    if ns > 0 and rcode == dns.rcode.NOERROR:
        return DELEGATION
    if rcode == dns.rcode.NOERROR:
        return NO_ERROR
    return OTHER_ERROR


def minimal_ttl(m: dns.message.Message, mt: int) -> int:
    """dnsutil.MinimalTTL."""
    if mt not in (NO_ERROR, NAME_ERROR, NO_DATA):
        return MINIMAL_DEFAULT_TTL
    if not m.answer and not m.authority and not m.additional:
        return MINIMAL_DEFAULT_TTL
    ttls = [r.ttl for r in (*m.answer, *m.authority, *m.additional)]
    return min([MAXIMUM_DEFAULT_TTL, *ttls])


def _with_ttl(rrsets: list[dns.rrset.RRset], ttl: int) -> list[dns.rrset.RRset]:
    """filterRRSlice: every record gets the one TTL."""
    if all(r.ttl == ttl for r in rrsets):
        return rrsets
    out = []
    for rrset in rrsets:
        copy = dns.rrset.RRset(rrset.name, rrset.rdclass, rrset.rdtype)
        copy.update(rrset)
        copy.update_ttl(ttl)
        copy.ttl = ttl
        out.append(copy)
    return out


@dataclass
class _Item:
    name: str
    qtype: int
    rcode: int
    ra: bool
    answer: list[dns.rrset.RRset]
    authority: list[dns.rrset.RRset]
    additional: list[dns.rrset.RRset]
    orig_ttl: int
    stored: float

    def ttl(self, now: float) -> int:
        return self.orig_ttl - int(now - self.stored)


def _zone_matches(zones: tuple[str, ...], name: str) -> bool:
    return any(is_subdomain(z, name) for z in zones)


class Cache:
    """One server block's cache: success and denial stores, keyed by (name, type, DO, CD)."""

    def __init__(self, config: CacheConfig, now: Callable[[], float] = time.time) -> None:
        self.config = config
        self._now = now
        self._lock = threading.Lock()
        self._success: OrderedDict[tuple[str, int, bool, bool], _Item] = OrderedDict()
        self._denial: OrderedDict[tuple[str, int, bool, bool], _Item] = OrderedDict()

    def covers(self, qname: str) -> bool:
        return _zone_matches(self.config.zones, qname)

    def keeps_nothing_for(self, qname: str) -> bool:
        """Whether no reply for the name is ever kept (`disable success` and `disable denial` both cover it, as
        kind's Corefile does for cluster.local), so the cache neither serves nor stores one."""
        c = self.config
        return _zone_matches(c.success_except, qname) and _zone_matches(c.denial_except, qname)

    def lookup(self, query: dns.message.Message) -> dns.message.Message | None:
        """A reply built from a live item (handler.go getIgnoreTTL + item.toMsg), or None."""
        q = query.question[0]
        key = _key(query)
        now = self._now()
        with self._lock:
            for store in (self._denial, self._success):
                item = store.get(key)
                if item is None or item.qtype != q.rdtype or item.name.lower() != q.name.to_text().lower():
                    continue
                ttl = item.ttl(now)
                if ttl <= 0:
                    continue
                if self.config.keepttl:
                    ttl = item.orig_ttl
                reply = set_reply(query)
                reply.flags |= dns.flags.AA
                if item.ra:
                    reply.flags |= dns.flags.RA
                reply.set_rcode(dns.rcode.Rcode.make(item.rcode))
                reply.answer = _with_ttl(item.answer, ttl)
                reply.authority = _with_ttl(item.authority, ttl)
                reply.additional = _with_ttl(item.additional, ttl)
                return reply
        return None

    def written(self, query: dns.message.Message, reply: dns.message.Message) -> dns.message.Message:
        """ResponseWriter.WriteMsg: cap the TTL of what is sent, and keep it when allowed."""
        c = self.config
        mt = typify(reply)
        msg_ttl = minimal_ttl(reply, mt)
        if mt in (NAME_ERROR, NO_DATA):
            duration = min(max(msg_ttl, c.denial_min_ttl), c.denial_ttl)
        elif mt == SERVER_ERROR:
            duration = c.fail_ttl
        else:
            duration = min(max(msg_ttl, c.success_min_ttl), c.success_ttl)
        reply.answer = _with_ttl(reply.answer, duration)
        reply.authority = _with_ttl(reply.authority, duration)
        reply.additional = _with_ttl(reply.additional, duration)
        if not (query.ednsflags & dns.flags.DO) and not (query.flags & dns.flags.AD):
            reply.flags &= ~dns.flags.AD
        keep = not (reply.flags & dns.flags.TC) and mt not in (OTHER_ERROR, META, UPDATE)
        if keep and duration > 0 and reply.question and _same_question(query, reply):
            self._set(query, reply, mt, duration)
        return reply

    def _set(self, query: dns.message.Message, reply: dns.message.Message, mt: int, duration: int) -> None:
        name = reply.question[0].name.to_text()
        c = self.config
        if mt in (NO_ERROR, DELEGATION):
            if _zone_matches(c.success_except, name):
                return
            store, capacity = self._success, c.success_capacity
        elif mt in (NAME_ERROR, NO_DATA, SERVER_ERROR):
            if _zone_matches(c.denial_except, name):
                return
            store, capacity = self._denial, c.denial_capacity
        else:
            return
        item = _Item(
            name=name,
            qtype=reply.question[0].rdtype,
            rcode=reply.rcode(),
            ra=bool(reply.flags & dns.flags.RA),
            answer=reply.answer,
            authority=reply.authority,
            additional=reply.additional,
            orig_ttl=duration,
            stored=self._now(),
        )
        key = _key(query)
        with self._lock:
            store.pop(key, None)
            store[key] = item
            while len(store) > max(capacity, 1):
                store.popitem(last=False)


def _key(query: dns.message.Message) -> tuple[str, int, bool, bool]:
    q = query.question[0]
    return (q.name.to_text().lower(), q.rdtype, bool(query.ednsflags & dns.flags.DO), bool(query.flags & dns.flags.CD))


def _same_question(query: dns.message.Message, reply: dns.message.Message) -> bool:
    """request.Match: the reply answers this question."""
    a, b = query.question[0], reply.question[0]
    return a.name == b.name and a.rdtype == b.rdtype and a.rdclass == b.rdclass
