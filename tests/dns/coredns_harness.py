"""Run CoreDNS's own test cases against svclab's DNS server.

A case is built the way CoreDNS's tests build it: the fixture's Services, EndpointSlices, Pods
and Namespaces (created in a svclab Store, as the API server would hold them), a Corefile (the
plugin set-up the Go test makes, written as the Corefile that makes it, stored in the
kube-system/coredns ConfigMap), an upstream zone where the Go test stubs an upstream, and one
question sent over UDP (TCP when truncated) to a running svclab.dns.server.DNSServer.

Answers are compared as plugin/test.SortAndCheck does: the rcode, the size of each section, and
each record's owner, TTL (303 means "any"), type and data (for SOA only the primary server, as
test.Section checks). `cname_order` adds test.CNAMEOrder.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset

from svclab import resources
from svclab.dns.server import DNSServer
from svclab.dns.upstream import OfflineUpstream
from svclab.state.store import Store

CONFIGMAPS = resources.resource("", "configmaps")
COREFILE_SOURCE = "https://github.com/coredns/coredns/blob/v1.13.1/"
CI_SOURCE = "https://github.com/coredns/ci/blob/master/"
ANY_TTL = 303  # plugin/test: "303 signals: don't care what the ttl is"
SERIAL = 1499347823

Obj = dict[str, Any]


# ---- the objects CoreDNS's fixtures define, as API objects -------------------------------------------
def namespace(name: str, labels: dict[str, str] | None = None) -> tuple[Any, Obj]:
    meta: Obj = {"name": name}
    if labels:
        meta["labels"] = labels
    return resources.NAMESPACES, {"apiVersion": "v1", "kind": "Namespace", "metadata": meta}


def service(
    name: str,
    ns: str,
    cluster_ips: list[str] | None = None,
    ports: Iterable[tuple[str, int, str]] = (),
    *,
    external_name: str | None = None,
    labels: dict[str, str] | None = None,
) -> tuple[Any, Obj]:
    spec: Obj = {"ports": [{"name": n, "port": p, "protocol": proto} if n else {"port": p, "protocol": proto} for n, p, proto in ports]}
    if external_name is not None:
        spec["type"] = "ExternalName"
        spec["externalName"] = external_name
    else:
        spec["type"] = "ClusterIP"
        spec["clusterIP"] = (cluster_ips or ["None"])[0]
        spec["clusterIPs"] = cluster_ips or ["None"]
    meta: Obj = {"name": name, "namespace": ns}
    if labels:
        meta["labels"] = labels
    return resources.SERVICES, {"apiVersion": "v1", "kind": "Service", "metadata": meta, "spec": spec}


@dataclass(frozen=True)
class Addr:
    ip: str
    hostname: str | None = None
    ready: bool | None = True
    pod: str | None = None
    node: str | None = None


def endpoint_slice(
    name: str,
    ns: str,
    service_name: str | None,
    addresses: Iterable[Addr],
    ports: Iterable[tuple[str, int | None, str]] = (),
    address_type: str = "IPv4",
) -> tuple[Any, Obj]:
    endpoints = []
    for a in addresses:
        ep: Obj = {"addresses": [a.ip], "conditions": {} if a.ready is None else {"ready": a.ready}}
        if a.hostname is not None:
            ep["hostname"] = a.hostname
        if a.pod is not None:
            ep["targetRef"] = {"kind": "Pod", "name": a.pod, "namespace": ns}
        if a.node is not None:
            ep["nodeName"] = a.node
        endpoints.append(ep)
    labels = {"kubernetes.io/service-name": service_name} if service_name is not None else {}
    slice_ports = []
    for n, p, proto in ports:
        port: Obj = {"protocol": proto}
        if n:
            port["name"] = n
        if p is not None:
            port["port"] = p
        slice_ports.append(port)
    return resources.ENDPOINT_SLICES, {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {"name": name, "namespace": ns, "labels": labels},
        "addressType": address_type,
        "endpoints": endpoints,
        "ports": slice_ports,
    }


def pod(name: str, ns: str, ips: list[str], labels: dict[str, str] | None = None) -> tuple[Any, Obj]:
    return resources.PODS, {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": labels or {}},
        "spec": {"containers": [{"name": "c", "image": "registry.k8s.io/pause:3.10"}]},
        "status": {"phase": "Running", "podIP": ips[0], "podIPs": [{"ip": ip} for ip in ips]},
    }


def coredns_pod(ips: list[str], name: str = "coredns-7d764666f9-abcde") -> tuple[Any, Obj]:
    """The answering CoreDNS pod: its addresses are the plugin's localIPs."""
    return pod(name, "kube-system", ips, {"k8s-app": "kube-dns"})


def corefile_configmap(corefile: str) -> tuple[Any, Obj]:
    return CONFIGMAPS, {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "coredns", "namespace": "kube-system"},
        "data": {"Corefile": corefile},
    }


# ---- cases -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Case:
    """One test.Case of a CoreDNS table, ported."""

    src: str
    qname: str
    qtype: str
    rcode: str
    answer: tuple[str, ...] = ()
    ns: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()
    cname_order: bool = False
    derived: str = ""  # set when the expectation is translated (e.g. from a unit-level Services() result)
    do: bool = False


@dataclass(frozen=True)
class Skip:
    """A case (or a whole test) of a CoreDNS table svclab does not run, and why."""

    src: str
    reason: str
    count: int = 1


@dataclass
class Group:
    """One Go test function's set-up: objects, Corefile, upstream, and its cases."""

    name: str
    corefile: str
    objects: list[tuple[Any, Obj]]
    cases: list[Case | Skip]
    upstream_zone: str = ""
    notes: str = ""
    later: list[tuple[Any, Obj]] = field(default_factory=list)  # created after the server started


def parse_rr(text: str) -> tuple[str, int, int, dns.rdata.Rdata]:
    """A record in CoreDNS test notation ("name ttl IN TYPE data"), names made absolute."""
    parts = text.split()
    name, ttl, rdtype = parts[0], int(parts[1]), dns.rdatatype.from_text(parts[3])
    data = text.split(None, 4)[4] if len(parts) > 4 else ""
    if rdtype == dns.rdatatype.TXT and not data.startswith('"'):
        data = f'"{data}"'
    rd = dns.rdata.from_text(dns.rdataclass.IN, rdtype, data, origin=dns.name.root, relativize=False)
    return (name if name.endswith(".") else name + "."), ttl, rdtype, rd


def _key_fields(rd: dns.rdata.Rdata) -> tuple[Any, ...]:
    """What test.Section compares per type."""
    t = rd.rdtype
    if t == dns.rdatatype.SOA:
        return (rd.mname.to_text(),)  # type: ignore[attr-defined]
    if t == dns.rdatatype.TXT:
        return (b"".join(rd.strings),)  # type: ignore[attr-defined]
    if t == dns.rdatatype.SRV:
        return (rd.priority, rd.weight, rd.port, rd.target.to_text())  # type: ignore[attr-defined]
    if t in (dns.rdatatype.A, dns.rdatatype.AAAA):
        return (rd.address,)  # type: ignore[attr-defined]
    if t in (dns.rdatatype.CNAME, dns.rdatatype.PTR, dns.rdatatype.NS):
        return (rd.target.to_text(),)  # type: ignore[attr-defined]
    return (rd.to_text(),)


def _flatten(section: list[dns.rrset.RRset]) -> list[tuple[str, int, int, tuple[Any, ...]]]:
    return [(r.name.to_text(), r.ttl, r.rdtype, _key_fields(rd)) for r in section for rd in r]


def check_section(name: str, got: list[dns.rrset.RRset], want: tuple[str, ...]) -> list[str]:
    """Every expected record matched by one received record (TTL 303 matches any TTL)."""
    actual = _flatten(got)
    errors = []
    if len(actual) != len(want):
        errors.append(f"{name}: {len(actual)} records, want {len(want)}: {actual}")
        return errors
    remaining = list(actual)
    for text in want:
        owner, ttl, rdtype, rd = parse_rr(text)
        key = _key_fields(rd)
        for i, (a_owner, a_ttl, a_type, a_key) in enumerate(remaining):
            if a_owner == owner and a_type == rdtype and a_key == key and (ttl == ANY_TTL or a_ttl == ttl):
                del remaining[i]
                break
        else:
            errors.append(f"{name}: no record like {text!r} in {actual}")
    return errors


def cname_order_errors(reply: dns.message.Message) -> list[str]:
    """test.CNAMEOrder: a CNAME never comes after the records of its target."""
    seen: list[str] = []
    errors = []
    for rrset in reply.answer:
        if rrset.rdtype == dns.rdatatype.CNAME:
            for rd in rrset:
                target = rd.target.to_text()  # type: ignore[attr-defined]
                if target in seen:
                    errors.append(f"CNAME to {target} after its target's records")
        seen.append(rrset.name.to_text())
    return errors


def check(case: Case, reply: dns.message.Message) -> list[str]:
    errors = []
    if dns.rcode.to_text(reply.rcode()) != case.rcode:
        errors.append(f"rcode {dns.rcode.to_text(reply.rcode())}, want {case.rcode}")
    errors += check_section("answer", reply.answer, case.answer)
    errors += check_section("ns", reply.authority, case.ns)
    errors += check_section("extra", reply.additional, case.extra)
    if case.cname_order:
        errors += cname_order_errors(reply)
    return errors


# ---- the server under test ----------------------------------------------------------------------------------
class FakeClock:
    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Running:
    """A Store with a group's objects and a DNSServer serving it on loopback."""

    def __init__(self, group: Group) -> None:
        self.clock = FakeClock()
        self.store = Store(now=lambda: "2026-01-01T00:00:00Z")
        for res, obj in group.objects:
            self.store.create(res, obj)
        if group.corefile:
            self.store.create(*corefile_configmap(group.corefile))
        upstream = OfflineUpstream.from_text(group.upstream_zone, group.name) if group.upstream_zone else OfflineUpstream.default()
        self.server = DNSServer(self.store, serial=SERIAL, now=self.clock.time, upstream=upstream)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.server.start(), self.loop).result(5)
        for res, obj in group.later:
            self.store.create(res, obj)

    def ask(self, qname: str, qtype: str, *, do: bool = False) -> dns.message.Message:
        q = dns.message.make_query(qname, qtype, want_dnssec=do)
        reply = dns.query.udp(q, "127.0.0.1", port=self.server.port, timeout=3, ignore_trailing=True)
        if reply.flags & dns.flags.TC:
            reply = dns.query.tcp(q, "127.0.0.1", port=self.server.port, timeout=3)
        return reply

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.server.stop(), self.loop).result(5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()
