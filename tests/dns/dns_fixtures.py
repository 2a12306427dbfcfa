"""Cluster objects for the DNS tests and helpers to ask questions and read answers.

The testns objects copy the fixtures of coredns/coredns plugin/kubernetes/handler_test.go
(svcIndex, epsIndex) as the API would serve them (Services and EndpointSlices); the
kube-system and default objects are what a fresh kind cluster has.
"""

from __future__ import annotations

from typing import Any, Iterable

import dns.message
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

from svclab.dns.records import resolve
from svclab.dns.view import StaticView

SOA_CLUSTER = "cluster.local. 30 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 1700000000 7200 1800 86400 30"
SERIAL = 1700000000


def service(
    name: str,
    namespace: str,
    cluster_ips: list[str] | None = None,
    ports: list[dict[str, Any]] | None = None,
    *,
    type_: str = "ClusterIP",
    external_name: str | None = None,
    selector: dict[str, str] | None = None,
) -> dict[str, Any]:
    spec: dict[str, Any] = {"type": type_, "ports": ports or []}
    if cluster_ips is not None:
        spec["clusterIP"] = cluster_ips[0]
        spec["clusterIPs"] = cluster_ips
    if external_name is not None:
        spec["externalName"] = external_name
    if selector is not None:
        spec["selector"] = selector
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": namespace}, "spec": spec}


def port(name: str, number: int, protocol: str = "TCP") -> dict[str, Any]:
    out: dict[str, Any] = {"port": number, "protocol": protocol}
    if name:
        out["name"] = name
    return out


def endpoint(ip: str, *, hostname: str | None = None, ready: bool | None = True, pod: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"addresses": [ip], "conditions": {}}
    if ready is not None:
        out["conditions"]["ready"] = ready
    if hostname is not None:
        out["hostname"] = hostname
    if pod is not None:
        out["targetRef"] = {"kind": "Pod", "name": pod}
    return out


def endpoint_slice(
    name: str,
    namespace: str,
    service_name: str,
    endpoints: list[dict[str, Any]],
    ports: list[dict[str, Any]],
    address_type: str = "IPv4",
) -> dict[str, Any]:
    return {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {"name": name, "namespace": namespace, "labels": {"kubernetes.io/service-name": service_name}},
        "addressType": address_type,
        "endpoints": endpoints,
        "ports": ports,
    }


def coredns_pod(name: str, ip: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "kube-system", "labels": {"k8s-app": "kube-dns"}},
        "status": {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}]},
    }


HTTP = [port("http", 80)]

SERVICES = [
    service("svc1", "testns", ["10.0.0.1"], HTTP),
    service("svcempty", "testns", ["10.0.0.11"], HTTP),
    service("svc6", "testns", ["1234:abcd::1"], HTTP),
    service("hdls1", "testns", ["None"]),
    service("external", "testns", type_="ExternalName", external_name="ext.interwebs.test", ports=HTTP),
    service(
        "external-to-service",
        "testns",
        type_="ExternalName",
        external_name="svc1.testns.svc.cluster.local.",
        ports=HTTP,
    ),
    service("hdlsprtls", "testns", ["None"]),
    service("svc-dual-stack", "testns", ["10.0.0.3", "10::3"], HTTP),
    service("kube-dns", "kube-system", ["10.96.0.10"], [port("dns", 53, "UDP"), port("dns-tcp", 53), port("metrics", 9153)]),
    service("kubernetes", "default", ["10.96.0.1"], [port("https", 443)]),
]

SLICES = [
    endpoint_slice("svc1-slice1", "testns", "svc1", [endpoint("172.0.0.1", hostname="ep1a")], HTTP),
    endpoint_slice("svcempty-slice1", "testns", "svcempty", [], HTTP),
    endpoint_slice(
        "hdls1-ipv4",
        "testns",
        "hdls1",
        [
            endpoint("172.0.0.2"),
            endpoint("172.0.0.3"),
            endpoint("172.0.0.4", hostname="dup-name"),
            endpoint("172.0.0.5", hostname="dup-name"),
        ],
        HTTP,
    ),
    endpoint_slice(
        "hdls1-ipv6", "testns", "hdls1", [endpoint("5678:abcd::1"), endpoint("5678:abcd::2")], HTTP, "IPv6"
    ),
    endpoint_slice("hdlsprtls-slice1", "testns", "hdlsprtls", [endpoint("172.0.0.20")], []),
    endpoint_slice(
        "kube-dns-x7k2p",
        "kube-system",
        "kube-dns",
        [endpoint("10.244.0.2", pod="coredns-7d764666f9-abcde"), endpoint("10.244.0.3", pod="coredns-7d764666f9-fghij")],
        [port("dns-tcp", 53), port("dns", 53, "UDP"), port("metrics", 9153)],
    ),
    endpoint_slice("kubernetes", "default", "kubernetes", [endpoint("172.18.0.3")], [port("https", 6443)]),
]

PODS = [coredns_pod("coredns-7d764666f9-abcde", "10.244.0.2"), coredns_pod("coredns-7d764666f9-fghij", "10.244.0.3")]

NAMESPACES = ["default", "kube-node-lease", "kube-public", "kube-system", "testns"]


def cluster(
    extra_services: Iterable[dict[str, Any]] = (),
    extra_slices: Iterable[dict[str, Any]] = (),
    pods: Iterable[dict[str, Any]] | None = None,
    namespaces: Iterable[str] = NAMESPACES,
) -> StaticView:
    return StaticView(
        [*SERVICES, *extra_services],
        [*SLICES, *extra_slices],
        list(PODS if pods is None else pods),
        list(namespaces),
    )


def query(name: str, qtype: str, *, edns: int = -1, payload: int = 1232, rdclass: str = "IN") -> dns.message.Message:
    return dns.message.make_query(name, qtype, rdclass=rdclass, use_edns=edns, payload=payload)


def ask(view: StaticView, name: str, qtype: str, **kw: Any) -> dns.message.Message:
    return resolve(query(name, qtype, **kw), view, serial=SERIAL)


def lines(section: list[dns.rrset.RRset]) -> set[str]:
    """Records of a section as presentation lines (owner case kept), compared as a set."""
    out: set[str] = set()
    for rrset in section:
        for rd in rrset:
            out.add(f"{rrset.name.to_text()} {rrset.ttl} {dns.rdataclass.to_text(rrset.rdclass)} "
                    f"{dns.rdatatype.to_text(rrset.rdtype)} {rd.to_text()}")
    return out


def rcode(msg: dns.message.Message) -> str:
    return dns.rcode.to_text(msg.rcode())

