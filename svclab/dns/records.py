"""The cluster DNS as kind runs it, as one pure function from a query to a reply.

`resolve` loads kind's Corefile (svclab.dns.corefile.kind_corefile) for the given cluster domain
and TTL, indexes the view and answers one query with svclab.dns.engine.Engine: no I/O, no
truncation, no state kept between calls (so no answers served from the cache).
"""

from __future__ import annotations

from typing import Sequence

import dns.message

from svclab.dns import corefile
from svclab.dns.config import DEFAULT_TTL, KUBE_DNS_IP
from svclab.dns.engine import Engine
from svclab.dns.index import ClusterIndex
from svclab.dns.upstream import OfflineUpstream
from svclab.dns.view import ClusterView

# SOA serial: CoreDNS uses the Unix time of the last change it saw; tests pin one.
DEFAULT_SERIAL = 1_700_000_000

__all__ = ["DEFAULT_SERIAL", "DEFAULT_TTL", "KUBE_DNS_IP", "resolve"]


def resolve(
    query: dns.message.Message,
    view: ClusterView,
    zone: str = "cluster.local",
    *,
    ttl: int = DEFAULT_TTL,
    serial: int = DEFAULT_SERIAL,
    nameserver_ip: str = KUBE_DNS_IP,
    local_ips: Sequence[str] | None = None,
    upstream: OfflineUpstream | None = None,
) -> dns.message.Message:
    """Answer query from view as kind's CoreDNS would.

    local_ips are the answering CoreDNS pod's addresses (default: the first pod labelled
    k8s-app=kube-dns in kube-system, else nameserver_ip); they decide the NS answer.
    """
    config = corefile.load(corefile.kind_corefile(zone.rstrip("."), ttl))
    engine = Engine(
        config,
        ClusterIndex.from_view(view),
        upstream if upstream is not None else OfflineUpstream.default(),
        serial=serial,
        local_ips=local_ips,
        fallback_ns_ip=nameserver_ip,
    )
    return engine.respond(query)
