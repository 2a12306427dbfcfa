"""`lab.from_host`: lesson 05's request from the learner's machine to a NodePort, through the host port
this cluster maps to it (kind's extraPortMappings, emulated); never through a port the cluster did not map."""

from __future__ import annotations

import socket
import tempfile
from pathlib import Path
from typing import Iterator

import pytest
from kubernetes import config

from svclab import lab
from svclab.cluster.embedded import ClusterConfig, EmbeddedCluster
from svclab.lab import host
from svclab.lab.session import Session

WEB = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: registry.k8s.io/e2e-test-images/agnhost:2.52
        args: ["netexec", "--http-port=8080"]
---
apiVersion: v1
kind: Service
metadata: {name: web-nodeport}
spec:
  type: NodePort
  selector: {app: web}
  ports:
  - {port: 80, targetPort: 8080, nodePort: 30080}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def mapped_session(tmp_path: Path) -> Iterator[tuple[Session, int]]:
    port = free_port()
    cluster = EmbeddedCluster(ClusterConfig(state_dir=tmp_path / "state", seed=3, pod_start_seconds=0.0, host_ports=f"{port}:30080")).start()
    assert cluster.kubeconfig_path is not None
    api = config.new_client_from_config(config_file=str(cluster.kubeconfig_path))
    session = Session("embedded", cluster.kubeconfig_path, None, "hostports", api, Path(tempfile.mkdtemp()), embedded=cluster)
    previous, lab._current = lab._current, session
    lab.connect("hostports")
    try:
        yield session, port
    finally:
        lab._current = previous
        session.close()


def test_from_host_reaches_the_nodeport_through_the_mapped_host_port(mapped_session: tuple[Session, int]) -> None:
    session, port = mapped_session
    assert host.mapped_host_port(session, 30080) == (port, "")
    lab.apply(WEB)
    pods = set(lab.wait_pods("app=web", total=2)["name"])
    assert lab.from_host(30080, "/hostname") in pods
    assert lab.from_host(30080, "/clientip").split(":")[0] == "172.18.0.2"  # KUBE-EXT masquerades to the node


def test_an_unmapped_node_port_is_not_tried(mapped_session: tuple[Session, int]) -> None:
    session, _ = mapped_session
    port, why = host.mapped_host_port(session, 31000)
    assert port is None and "no host port to NodePort 31000" in why
    assert lab.from_host(31000).startswith("not tried: this cluster maps no host port to NodePort 31000")


def test_a_fresh_notebook_cluster_maps_no_host_ports(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SVCLAB_FRESH", "1")
    monkeypatch.setenv("SVCLAB_SEED", "0")
    session = lab.connect("hostports", fresh=True)
    try:
        answer = lab.from_host(30080, "/hostname")
        assert answer.startswith("not tried: this notebook runs a fresh cluster of its own (SVCLAB_FRESH=1)")
    finally:
        session.close()
        lab._current = None


def test_dns_table_sorts_an_answer_with_ipv4_and_ipv6() -> None:
    from svclab.lab.extras import _ip_key

    assert sorted(["2001:db8::1", "192.0.2.10", "192.0.2.9"], key=_ip_key) == ["192.0.2.9", "192.0.2.10", "2001:db8::1"]
