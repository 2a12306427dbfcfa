"""DNS lookup cost against cluster size: an empty cluster vs 200 Services and 500 pods.

Each cluster is a Store holding what the API server would hold (kind's bootstrap objects, then
the Services, pods and the EndpointSlices the controller writes for them) with svclab's DNS server
following it from its events, answering over UDP on loopback from one client. The same queries run
against both, side by side in one run; a third column re-indexes the cluster for every query, as
the DNS server did before it kept an index (the cost issue 10 measured).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import threading
import time
from typing import Any, Callable

import dns.message
import dns.rcode

from bench.common import machine, percentile
from svclab import resources
from svclab.cluster import bootstrap
from svclab.dns.server import DNSServer
from svclab.dns.view import StaticView
from svclab.state.store import Store

Obj = dict[str, Any]
CONFIGMAPS = resources.resource("", "configmaps")


def kind_objects() -> list[tuple[Any, Obj]]:
    """A fresh kind cluster's DNS-relevant objects (svclab.cluster.bootstrap)."""
    objs: list[tuple[Any, Obj]] = [(resources.NAMESPACES, ns) for ns in bootstrap.namespaces()]
    objs.append((resources.SERVICES, bootstrap.kubernetes_service()))
    objs.append((resources.ENDPOINT_SLICES, bootstrap.kubernetes_endpoints("172.18.0.2")[1]))
    objs.append((resources.SERVICES, bootstrap.kube_dns_service()))
    objs.append((CONFIGMAPS, bootstrap.coredns_configmap()))
    for i, ip in enumerate(("10.244.0.2", "10.244.0.3")):
        objs.append((resources.PODS, _pod(f"coredns-7d764666f9-{i}", "kube-system", ip, {"k8s-app": "kube-dns"})))
    objs.append((resources.ENDPOINT_SLICES, _slice("kube-dns-x", "kube-system", "kube-dns", ["10.244.0.2", "10.244.0.3"], 53)))
    return objs


def _pod(name: str, ns: str, ip: str, labels: dict[str, str]) -> Obj:
    return {
        "metadata": {"name": name, "namespace": ns, "labels": labels},
        "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]},
        "status": {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}]},
    }


def _slice(name: str, ns: str, service: str, ips: list[str], port: int) -> Obj:
    return {
        "metadata": {"name": name, "namespace": ns, "labels": {"kubernetes.io/service-name": service}},
        "addressType": "IPv4",
        "endpoints": [{"addresses": [ip], "conditions": {"ready": True}, "targetRef": {"kind": "Pod", "name": f"{service}-{n}"}}
                      for n, ip in enumerate(ips)],
        "ports": [{"name": "http", "port": port, "protocol": "TCP"}],
    }


def loaded_objects(services: int = 200, pods: int = 500, namespaces: int = 10) -> list[tuple[Any, Obj]]:
    """kind's objects plus `services` Services (one in four headless) spread over `namespaces`
    namespaces, and `pods` pods shared out between them, each Service with its EndpointSlice."""
    objs = kind_objects()
    for n in range(namespaces):
        objs.append((resources.NAMESPACES, {"metadata": {"name": f"team-{n}"}}))
    members: dict[int, list[str]] = {s: [] for s in range(services)}
    for p in range(pods):
        s = p % services
        ns = f"team-{s % namespaces}"
        ip = f"10.244.{1 + p // 250}.{2 + p % 250}"
        objs.append((resources.PODS, _pod(f"app-{s}-{p}", ns, ip, {"app": f"app-{s}"})))
        members[s].append(ip)
    for s in range(services):
        ns = f"team-{s % namespaces}"
        headless = s % 4 == 0
        cluster_ip = "None" if headless else f"10.96.{1 + s // 250}.{1 + s % 250}"
        objs.append((resources.SERVICES, {
            "metadata": {"name": f"svc-{s}", "namespace": ns},
            "spec": {"clusterIP": cluster_ip, "clusterIPs": [cluster_ip], "selector": {"app": f"app-{s}"},
                     "ports": [{"name": "http", "port": 80, "protocol": "TCP"}]},
        }))
        objs.append((resources.ENDPOINT_SLICES, _slice(f"svc-{s}-abcde", ns, f"svc-{s}", members[s], 80)))
    return objs


class Served:
    """A DNS server on a loop thread, serving a store (indexed) or a view (re-indexed per query)."""

    def __init__(self, objs: list[tuple[Any, Obj]], *, per_query_index: bool = False) -> None:
        store = Store(now=lambda: "2026-01-01T00:00:00Z")
        for res, obj in objs:
            store.create(res, obj)
        if per_query_index:
            source: Any = StaticView(
                list(store.items(resources.SERVICES)), list(store.items(resources.ENDPOINT_SLICES)),
                list(store.items(resources.PODS)), [ns["metadata"]["name"] for ns in store.items(resources.NAMESPACES)],
                list(store.items(CONFIGMAPS)),
            )
        else:
            source = store
        self.server = DNSServer(source, rng=random.Random(1))
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.server.start(), self.loop).result(5)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.settimeout(2)

    def ask(self, wire: bytes) -> bytes:
        self.sock.sendto(wire, ("127.0.0.1", self.server.port))
        return self.sock.recv(4096)

    def close(self) -> None:
        self.sock.close()
        asyncio.run_coroutine_threadsafe(self.server.stop(), self.loop).result(5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


QUERIES = [
    ("A  ClusterIP Service", "kubernetes.default.svc.cluster.local.", "A", dns.rcode.NOERROR),
    ("A  headless (2-3 pods)", "svc-{headless}.team-{hns}.svc.cluster.local.", "A", dns.rcode.NOERROR),
    ("A  missing name", "nope.default.svc.cluster.local.", "A", dns.rcode.NXDOMAIN),
    ("PTR pod IP", "2.0.244.10.in-addr.arpa.", "PTR", dns.rcode.NOERROR),
]


def measure(served: Served, name: str, qtype: str, rcode: int, repeat: int, *, udp: bool = True) -> list[float]:
    """Latency of one query: over UDP from a client socket, or the server's own work (wire in, wire out)."""
    wire = dns.message.make_query(name, qtype).to_wire()
    reply = dns.message.from_wire(served.ask(wire))
    assert reply.rcode() == rcode, (name, reply)
    ask: Callable[[bytes], object] = served.ask if udp else (lambda w: served.server.answer(w, tcp=False))
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        ask(wire)
        samples.append(time.perf_counter() - start)
    return samples


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--queries", type=int, default=2000, help="queries per name and cluster")
    parser.add_argument("--services", type=int, default=200)
    parser.add_argument("--pods", type=int, default=500)
    args = parser.parse_args(argv)
    build: list[tuple[str, Callable[[], Served]]] = [
        ("empty", lambda: Served(kind_objects())),
        (f"{args.services} svc + {args.pods} pods", lambda: Served(loaded_objects(args.services, args.pods))),
        ("same, re-indexed per query", lambda: Served(loaded_objects(args.services, args.pods), per_query_index=True)),
    ]
    results: dict[str, dict[str, list[float]]] = {}
    for label, make in build:
        served = make()
        try:
            results[label] = {}
            for qlabel, name, qtype, rcode in QUERIES:
                if "{headless}" in name:
                    if label == "empty":
                        name, rcode = "kube-dns.kube-system.svc.cluster.local.", dns.rcode.NOERROR
                    else:
                        name = name.format(headless=0, hns=0)
                repeat = args.queries if "re-indexed" not in label else max(50, args.queries // 20)
                results[label][qlabel] = measure(served, name, qtype, rcode, repeat)
                results[label][qlabel + " (in-process)"] = measure(served, name, qtype, rcode, repeat, udp=False)
        finally:
            served.close()
    labels = [label for label, _ in build]
    print("dns   lookup latency, one client (p50 / p99 in ms): over UDP, and the server's own work in-process")
    print("      " + f"{'':36}" + "".join(f"{label:>30}" for label in labels))
    for qlabel in [q for base, *_ in QUERIES for q in (base, base + " (in-process)")]:
        cells = []
        for label in labels:
            s = results[label][qlabel]
            cells.append(f"{percentile(s, 50) * 1000:6.2f} / {percentile(s, 99) * 1000:6.2f}")
        print("      " + f"{qlabel:<36}" + "".join(f"{c:>30}" for c in cells))
    empty = results["empty"]["A  ClusterIP Service"]
    loaded = results[labels[1]]["A  ClusterIP Service"]
    print(f"      A p99 loaded / empty = {percentile(loaded, 99) / percentile(empty, 99):.2f}x")
    print(f"      [{machine()}, load average {os.getloadavg()[0]:.1f}]")


if __name__ == "__main__":
    main()
