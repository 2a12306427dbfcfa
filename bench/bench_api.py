"""API throughput and latency through the real `kubernetes` client, and DNS queries/s over UDP,
on one embedded cluster."""

from __future__ import annotations

import socket
import tempfile
import time
from pathlib import Path

import dns.message
import dns.query
from kubernetes import client, config

from bench.common import machine, median, percentile, timed
from svclab.lab.manifests import request
from svclab.cluster.embedded import ClusterConfig, EmbeddedCluster

SERVICE = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "bench"}, "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}


def run_api(cluster: EmbeddedCluster, requests: int) -> None:
    assert cluster.kubeconfig_path is not None
    api = config.new_client_from_config(config_file=str(cluster.kubeconfig_path))
    core = client.CoreV1Api(api)
    core.create_namespaced_service("default", client.V1Service(metadata=client.V1ObjectMeta(name="bench"), spec=client.V1ServiceSpec(selector={"app": "web"}, ports=[client.V1ServicePort(port=80)])))
    for i in range(20):
        core.create_namespaced_service("default", client.V1Service(metadata=client.V1ObjectMeta(name=f"filler-{i}"), spec=client.V1ServiceSpec(selector={"app": "web"}, ports=[client.V1ServicePort(port=80)])))
    counter = iter(range(10**6))

    def patch() -> None:
        core.patch_namespaced_service("bench", "default", {"metadata": {"labels": {"n": str(next(counter))}}})

    def apply() -> None:  # what `kubectl apply --server-side` and the lab facade send
        manifest = {**SERVICE, "metadata": {"name": "bench", "labels": {"n": str(next(counter))}}}
        status, _ = request(api, "PATCH", "/api/v1/namespaces/default/services/bench", manifest, "application/apply-patch+yaml", [("fieldManager", "bench"), ("force", "true")])
        assert status == 200

    for label, func in (
        ("GET  service", lambda: core.read_namespaced_service("bench", "default")),
        ("LIST services (22)", lambda: core.list_namespaced_service("default")),
        ("PATCH (merge) service", patch),
        ("APPLY (server-side)", apply),
    ):
        samples = timed(func, requests)
        print(f"api   {label:<22} {len(samples) / sum(samples):7.0f} req/s   median {median(samples) * 1000:5.1f} ms   p99 {percentile(samples, 99) * 1000:5.1f} ms")
    api.close()


def run_dns(cluster: EmbeddedCluster, queries: int) -> None:
    query = dns.message.make_query("kube-dns.kube-system.svc.cluster.local", "A")
    wire = query.to_wire()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(2)
    start = time.perf_counter()
    for _ in range(queries):
        sock.sendto(wire, ("127.0.0.1", cluster.dns_port))
        sock.recv(4096)
    elapsed = time.perf_counter() - start
    sock.close()
    answer = dns.query.udp(query, "127.0.0.1", port=cluster.dns_port, timeout=2)
    assert answer.answer[0][0].address == "10.96.0.10"
    print(f"dns   A kube-dns over UDP  {queries / elapsed:7.0f} queries/s (one client, sequential)")


def main(requests: int = 300, queries: int = 3000) -> None:
    with EmbeddedCluster(ClusterConfig(seed=1, state_dir=Path(tempfile.mkdtemp(prefix="svclab-bench-")))) as cluster:
        run_api(cluster, requests)
        run_dns(cluster, queries)
    print(f"      [{machine()}]")


if __name__ == "__main__":
    main()
