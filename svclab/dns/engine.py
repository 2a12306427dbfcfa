"""One running CoreDNS: a loaded Corefile answering queries from the cluster index.

core/dnsserver/server.go ServeDNS checks the class (REFUSED for anything but IN) and the EDNS
version (BADVERS above 0), picks the server block whose zone is the longest suffix of the query
name (REFUSED when none), then runs the block's plugins in CoreDNS's order. svclab's chain:

    loadbalance -> cache -> kubernetes -> forward

- kubernetes answers names in its zones; NXDOMAIN for a name in a `fallthrough` zone passes on;
- forward sends what is left under its FROM zone (and not `except`ed) to the upstream, which
  for svclab is the offline upstream (svclab.dns.upstream) whatever the destination: the
  emulator has no other network to reach;
- a name no plugin answers is SERVFAIL ("no next plugin found");
- a plugin that returns an rcode without writing (REFUSED for AXFR, SERVFAIL on an error) gets
  DefaultErrorFunc's reply, which bypasses cache and loadbalance;
- every written reply gets the query's OPT back (request.SizeAndDo).

The kubernetes plugin's upstream lookups for ExternalName targets go through the whole server
again, as plugin/pkg/upstream does, so they are cached and capped like any other answer.

`effects` counts the answers that depended on more than the query and the cluster index: a cache that
could keep or serve the name (its TTLs count down), the upstream, the loadbalance generator, a plugin
error. An answer given while it did not move is a function of the query's bytes, the index's generation
and this engine's Corefile, which is what lets the server reuse it (svclab.dns.replymemo).
"""

from __future__ import annotations

import random
import time
from typing import Callable, Sequence

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype

from svclab.dns import handler, loadbalance
from svclab.dns.backend import KubeBackend, Request
from svclab.dns.cache import Cache
from svclab.dns.config import KUBE_DNS_IP, Config, ServerConfig
from svclab.dns.index import ClusterIndex
from svclab.dns.lookup import RR
from svclab.dns.message import set_rcode, size_and_do
from svclab.dns.upstream import OfflineUpstream
from svclab.dns.util import is_subdomain

MAX_UPSTREAM_DEPTH = 8


class Engine:
    """Answers DNS queries the way CoreDNS does with `config` loaded."""

    def __init__(
        self,
        config: Config,
        index: ClusterIndex,
        upstream: OfflineUpstream,
        *,
        serial: int | None = None,
        rng: random.Random | None = None,
        now: Callable[[], float] = time.time,
        local_ips: Sequence[str] | None = None,
        fallback_ns_ip: str = KUBE_DNS_IP,
    ) -> None:
        self.config = config
        self.index = index
        self.upstream = upstream
        self.serial = serial
        self.rng = rng
        self.now = now
        self._local_ips = list(local_ips) if local_ips is not None else None
        self.fallback_ns_ip = fallback_ns_ip
        self.servers = config.for_port("53")
        self._zones = [(dns.name.from_text(s.zone), s) for s in self.servers]
        self._k8s_zones = {
            s.block: tuple(dns.name.from_text(z) for z in s.kubernetes.zones) for s in self.servers if s.kubernetes is not None
        }
        self.effects = 0
        self._caches: dict[int, Cache] = {}
        for server in self.servers:
            if server.cache is not None and server.block not in self._caches:
                self._caches[server.block] = Cache(server.cache, now)

    # ---- state every query reads -----------------------------------------------------------------
    def local_ips(self) -> list[str]:
        """CoreDNS's own addresses (boundIPs): the answering kube-dns pod's, else the Service IP."""
        if self._local_ips is not None:
            return self._local_ips
        return self.index.dns_pod_ips() or [self.fallback_ns_ip]

    def current_serial(self) -> int:
        """Kubernetes.Serial: the last time the cluster changed (dnsControl.modified)."""
        return self.serial if self.serial is not None else self.index.modified & 0xFFFFFFFF

    def _server_for(self, qname: dns.name.Name) -> ServerConfig | None:
        """server.go: the zone that is the longest suffix of the name."""
        best: tuple[dns.name.Name, ServerConfig] | None = None
        for zone, server in self._zones:
            if qname.is_subdomain(zone) and (best is None or len(zone) > len(best[0])):
                best = (zone, server)
        return best[1] if best is not None else None

    # ---- serving ---------------------------------------------------------------------------------
    def respond(self, query: dns.message.Message, depth: int = 0) -> dns.message.Message:
        if not query.question:
            return self._error(query, dns.rcode.SERVFAIL)
        q = query.question[0]
        if q.rdclass != dns.rdataclass.IN:
            return self._error(query, dns.rcode.REFUSED)
        if query.edns > 0:
            return _badvers(query)
        server = self._server_for(q.name)
        if server is None:  # "Still here? Error out with REFUSED."
            return self._error(query, dns.rcode.REFUSED)
        try:
            reply = self._chain(server, query, depth)
        except Exception:  # server.go recovers a panicking plugin with SERVFAIL
            self.effects += 1
            return self._error(query, dns.rcode.SERVFAIL)
        if isinstance(reply, int):
            return self._error(query, reply)
        if server.loadbalance and self.rng is not None:
            if loadbalance.draws(reply):
                self.effects += 1
            reply = loadbalance.shuffle(reply, self.rng)
        size_and_do(query, reply)
        return reply

    def _chain(self, server: ServerConfig, query: dns.message.Message, depth: int) -> dns.message.Message | int:
        cache = self._caches.get(server.block)
        qname = query.question[0].name.to_text()
        if cache is not None and cache.covers(qname):
            if not cache.keeps_nothing_for(qname):
                self.effects += 1
            hit = cache.lookup(query)
            if hit is not None:
                return hit
            reply = self._after_cache(server, query, depth)
            if isinstance(reply, int):
                return reply
            return cache.written(query, reply)
        return self._after_cache(server, query, depth)

    def _after_cache(self, server: ServerConfig, query: dns.message.Message, depth: int) -> dns.message.Message | int:
        q = query.question[0]
        k8s = server.kubernetes
        if k8s is not None:
            zone = _match_zone(self._k8s_zones[server.block], q.name)
            if zone is not None:
                backend = KubeBackend(self.index, k8s, self.local_ips())
                req = Request(qname=q.name, qtype=q.rdtype, zone=dns.name.Name(q.name.labels[-len(zone.labels) :]))
                outcome = handler.serve(
                    backend,
                    query,
                    req,
                    serial=self.current_serial(),
                    fall=k8s.fall,
                    upstream=lambda name, qtype: self._upstream(name, qtype, query, depth),
                )
                if outcome.reply is not None:
                    return outcome.reply
                if not outcome.next:
                    return outcome.rcode
        return self._forward(server, query)

    def _forward(self, server: ServerConfig, query: dns.message.Message) -> dns.message.Message | int:
        fwd = server.forward
        qname = query.question[0].name.to_text()
        if fwd is None or not is_subdomain(fwd.from_zone, qname) or any(is_subdomain(z, qname) for z in fwd.ignored):
            return dns.rcode.SERVFAIL  # plugin.NextOrFailure: no next plugin found
        self.effects += 1
        return self.upstream.reply(query)

    def _upstream(
        self, name: dns.name.Name, qtype: int, original: dns.message.Message, depth: int
    ) -> list[RR] | None:
        """upstream.Lookup: the whole server again, with the original query's EDNS."""
        self.effects += 1
        if depth >= MAX_UPSTREAM_DEPTH:
            return None
        q = dns.message.make_query(name, dns.rdatatype.RdataType.make(qtype))
        q.id = original.id
        q.flags = original.flags
        if original.opt is not None:
            q.use_edns(original.edns, original.ednsflags, original.payload, options=list(original.options))
        else:
            q.use_edns(False)
        reply = self.respond(q, depth + 1)
        return [RR(rrset.name, rrset.ttl, rd) for rrset in reply.answer for rd in rrset]

    def _error(self, query: dns.message.Message, rcode: int) -> dns.message.Message:
        """server.go DefaultErrorFunc."""
        reply = set_rcode(query, rcode)
        size_and_do(query, reply)
        return reply


def _match_zone(zones: tuple[dns.name.Name, ...], qname: dns.name.Name) -> dns.name.Name | None:
    """plugin.Zones.Matches: the longest zone the name is in."""
    best: dns.name.Name | None = None
    for zone in zones:
        if qname.is_subdomain(zone) and (best is None or len(zone) > len(best)):
            best = zone
    return best


def _badvers(query: dns.message.Message) -> dns.message.Message:
    """edns.Version: an empty reply whose OPT says BADVERS."""
    reply = set_rcode(query, dns.rcode.NOERROR)
    reply.question = []
    reply.use_edns(0, 0, 0)
    reply.set_rcode(dns.rcode.BADVERS)
    return reply
