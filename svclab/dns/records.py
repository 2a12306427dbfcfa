"""The cluster DNS as kind runs it: one pure function from a query to a reply.

kind's Corefile (CoreDNS in kube-system):

    .:53 {
        errors
        health { lameduck 5s }
        ready
        kubernetes cluster.local in-addr.arpa ip6.arpa {
           pods insecure
           fallthrough in-addr.arpa ip6.arpa
           ttl 30
        }
        prometheus :9153
        forward . /etc/resolv.conf { max_concurrent 1000 }
        cache 30
        loop
        reload
        loadbalance
    }

Server-level checks copy coredns core/dnsserver/server.go (REFUSED for a class other
than IN, BADVERS for EDNS versions above 0, SERVFAIL when a plugin errs or panics) and
request/writer.go (every written reply gets the query's OPT back via SizeAndDo).

There is no upstream resolver in the embedded cluster, so two decisions stand in for
`forward`:
- a name outside cluster.local and the reverse zones gets what kind's upstream (Docker's
  resolver, then the host's) answers for a name that does not exist: NXDOMAIN with the root
  zone's SOA, no AA, RA set. A learner's `nslookup mysql-0.mysql-headless` (busybox sends a
  dotted name as is) then prints the NXDOMAIN line a kind cluster prints;
- a reverse name the plugin does not know falls through to forward in kind, whose
  upstream (Docker's resolver, then the host's) answers NXDOMAIN for private reverse
  zones; here that NXDOMAIN carries the reverse zone's SOA as the plugin would write it.
The `cache` plugin (answers served with a decreasing TTL) and `loadbalance` (A records
shuffled) are not emulated: TTLs are always 30 and records come in cluster order.
"""

from __future__ import annotations

from typing import Sequence

import dns.flags
import dns.message
import dns.rrset
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype

from svclab.dns import handler
from svclab.dns.backend import KubeBackend, Request
from svclab.dns.lookup import RR
from svclab.dns.message import set_rcode, size_and_do
from svclab.dns.view import ClusterView

DEFAULT_TTL = 30
# SOA serial: CoreDNS uses the Unix time of the last change it saw; any stable value will do.
DEFAULT_SERIAL = 1_700_000_000
KUBE_DNS_IP = "10.96.0.10"
REVERSE_ZONES = ("in-addr.arpa.", "ip6.arpa.")
MAX_UPSTREAM_DEPTH = 8


class _Server:
    """One query's worth of CoreDNS: zones, the kubernetes plugin and the error paths."""

    def __init__(self, backend: KubeBackend, zone: str, serial: int) -> None:
        self.backend = backend
        self.serial = serial
        self.zones = tuple(dns.name.from_text(z) for z in (zone, *REVERSE_ZONES))
        self.fall_zones = tuple(dns.name.from_text(z) for z in REVERSE_ZONES)

    def serve(self, query: dns.message.Message, depth: int = 0) -> dns.message.Message:
        if not query.question:
            return self._error(query, dns.rcode.SERVFAIL)
        try:
            return self._serve(query, depth)
        except Exception:  # server.go recovers a panicking plugin with SERVFAIL
            return self._error(query, dns.rcode.SERVFAIL)

    def _serve(self, query: dns.message.Message, depth: int) -> dns.message.Message:
        q = query.question[0]
        if q.rdclass != dns.rdataclass.IN:
            return self._error(query, dns.rcode.REFUSED)
        if query.edns > 0:
            return _badvers(query)
        zone = self._match_zone(q.name)
        if zone is None:
            return _upstream_nxdomain(query)
        req = Request(qname=q.name, qtype=q.rdtype, zone=dns.name.Name(q.name.labels[-len(zone.labels) :]))
        outcome = handler.serve(
            self.backend,
            query,
            req,
            serial=self.serial,
            fall_zones=self.fall_zones,
            upstream=lambda name, qtype: self._upstream(name, qtype, depth),
        )
        if outcome.next:
            reply = handler.backend_error(query, req.zone, dns.rcode.NXDOMAIN, self.backend.ttl, self.serial)
        elif outcome.reply is None:
            return self._error(query, outcome.rcode)
        else:
            reply = outcome.reply
        size_and_do(query, reply)
        return reply

    def _match_zone(self, qname: dns.name.Name) -> dns.name.Name | None:
        """plugin.Zones.Matches: the longest zone the name is in."""
        best: dns.name.Name | None = None
        for zone in self.zones:
            if qname.is_subdomain(zone) and (best is None or len(zone) > len(best)):
                best = zone
        return best

    def _upstream(self, name: dns.name.Name, qtype: int, depth: int) -> list[RR] | None:
        """upstream.Lookup: the whole server again, for CNAME targets outside the zone."""
        if depth >= MAX_UPSTREAM_DEPTH:
            return None
        reply = self.serve(dns.message.make_query(name, dns.rdatatype.RdataType.make(qtype)), depth + 1)
        return [RR(rrset.name, rrset.ttl, rd) for rrset in reply.answer for rd in rrset]

    def _error(self, query: dns.message.Message, rcode: int) -> dns.message.Message:
        """server.go DefaultErrorFunc."""
        reply = set_rcode(query, rcode)
        size_and_do(query, reply)
        return reply


ROOT_SOA = "a.root-servers.net. nstld.verisign-grs.com. 2026112100 1800 900 604800 86400"


def _upstream_nxdomain(query: dns.message.Message) -> dns.message.Message:
    """forward . /etc/resolv.conf, for a name the internet does not have: NXDOMAIN from the root."""
    reply = set_rcode(query, dns.rcode.NXDOMAIN)
    reply.flags &= ~dns.flags.AA
    reply.flags |= dns.flags.RA
    soa = dns.rrset.from_text(dns.name.root, 86400, dns.rdataclass.IN, dns.rdatatype.SOA, ROOT_SOA)
    reply.authority = [soa]
    size_and_do(query, reply)
    return reply


def _badvers(query: dns.message.Message) -> dns.message.Message:
    """edns.Version: an empty reply whose OPT says BADVERS."""
    reply = set_rcode(query, dns.rcode.NOERROR)
    reply.question = []
    reply.use_edns(0, 0, 0)
    reply.set_rcode(dns.rcode.BADVERS)
    return reply


def resolve(
    query: dns.message.Message,
    view: ClusterView,
    zone: str = "cluster.local",
    *,
    ttl: int = DEFAULT_TTL,
    serial: int = DEFAULT_SERIAL,
    nameserver_ip: str = KUBE_DNS_IP,
    local_ips: Sequence[str] | None = None,
) -> dns.message.Message:
    """Answer query from view as kind's CoreDNS would (no I/O, no truncation).

    local_ips are the answering CoreDNS pod's addresses (default: the first pod labelled
    k8s-app=kube-dns in kube-system, else nameserver_ip); they decide the NS answer.
    """
    backend = KubeBackend(
        services=view.services(),
        endpoint_slices=view.endpoint_slices(),
        pods=view.pods(),
        namespaces=view.namespaces(),
        primary_zone=dns.name.from_text(zone).to_text(),
        ttl=ttl,
        local_ips=local_ips,
        fallback_ns_ip=nameserver_ip,
    )
    return _Server(backend, zone, serial).serve(query)
