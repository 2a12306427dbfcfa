"""kind's extraPortMappings on the embedded cluster: a NodePort reached from the host through
127.0.0.1:<mapped port>, walked through the control-plane node's kube-proxy rules."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest

from svclab.cluster import control
from svclab.cluster.embedded import ClusterConfig, EmbeddedCluster
from svclab.dataplane import hostports
from tests.conftest import Kubectl

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def manifests(service_extra: str = "", selector: str = "web", replicas: int = 3) -> str:
    return f"""
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers:
      - name: web
        image: registry.k8s.io/e2e-test-images/agnhost:2.52
        args: ["netexec", "--http-port=8080"]
        ports: [{{containerPort: 8080}}]
---
apiVersion: v1
kind: Service
metadata: {{name: web-nodeport}}
spec:
  type: NodePort
  selector: {{app: {selector}}}
{service_extra}  ports:
  - name: http
    port: 80
    targetPort: 8080
    nodePort: 30080
"""


@pytest.fixture
def mapped(tmp_path: Path) -> Iterator[tuple[EmbeddedCluster, Kubectl, int]]:
    port = free_port()
    cluster = EmbeddedCluster(ClusterConfig(state_dir=tmp_path / "state", seed=5, host_ports=f"{port}:30080"))
    with cluster:
        assert cluster.kubeconfig_path is not None
        yield cluster, Kubectl(cluster.kubeconfig_path, tmp_path / "kubecache"), port


def get(port: int, path: str) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
        assert response.status == 200
        return str(response.read().decode())


def apply(kubectl: Kubectl, text: str, ready: int) -> list[str]:
    kubectl("apply", "-f", "-", stdin=text)
    if ready:
        kubectl("wait", "--for=condition=Ready", "pod", "-l", "app=web", "--timeout=60s")
    return kubectl("get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].metadata.name}").stdout.split()


def test_curl_from_the_host_reaches_the_nodeport_service(mapped: tuple[EmbeddedCluster, Kubectl, int]) -> None:
    cluster, kubectl, port = mapped
    pods = apply(kubectl, manifests(), ready=3)
    answered = [get(port, "/hostname") for _ in range(40)]
    assert set(answered) <= set(pods) and len(set(answered)) > 1  # statistic rules spread connections
    # externalTrafficPolicy Cluster: KUBE-EXT marks for masquerade, so the pod sees the node's IP
    assert get(port, "/clientip").split(":")[0] == "172.18.0.2"
    if shutil.which("curl"):
        done = subprocess.run(["curl", "-sS", "--max-time", "10", f"http://127.0.0.1:{port}/hostname"], capture_output=True, text=True, timeout=20)
        assert done.returncode == 0 and done.stdout in pods


def test_client_ip_affinity_keeps_one_pod(mapped: tuple[EmbeddedCluster, Kubectl, int]) -> None:
    cluster, kubectl, port = mapped
    apply(kubectl, manifests("  sessionAffinity: ClientIP\n"), ready=3)
    # every host connection arrives from the Docker gateway, so `recent` pins all of them to one pod
    assert len({get(port, "/hostname") for _ in range(20)}) == 1


def test_no_endpoints_resets_the_connection(mapped: tuple[EmbeddedCluster, Kubectl, int]) -> None:
    cluster, kubectl, port = mapped
    apply(kubectl, manifests(selector="nothing", replicas=0), ready=0)
    with pytest.raises((ConnectionResetError, http.client.RemoteDisconnected, urllib.error.URLError)) as refused:
        get(port, "/hostname")
    assert not isinstance(refused.value, urllib.error.HTTPError)
    if shutil.which("curl"):
        done = subprocess.run(["curl", "-sS", "--max-time", "10", f"http://127.0.0.1:{port}/"], capture_output=True, text=True, timeout=20)
        # the reset reaches curl during its connect (7) or once connected (52 empty reply, 56 reset): never an HTTP answer
        assert done.returncode in (7, 52, 56) and done.stdout == "", done.stderr
    # the cluster goes on serving
    assert kubectl("get", "svc", "web-nodeport", "-o", "name").stdout.strip() == "service/web-nodeport"


def test_external_traffic_policy_local_drops_on_a_node_without_endpoints(mapped: tuple[EmbeddedCluster, Kubectl, int]) -> None:
    cluster, kubectl, port = mapped
    cluster.host_ports.drop_hold_seconds = 0.5  # the control-plane runs no web pod: its rules DROP
    apply(kubectl, manifests("  externalTrafficPolicy: Local\n", replicas=1), ready=1)
    started = time.monotonic()
    with pytest.raises((ConnectionResetError, http.client.RemoteDisconnected, urllib.error.URLError)):
        get(port, "/hostname")
    assert time.monotonic() - started >= 0.4  # held, not refused at once


def test_a_busy_host_port_is_one_line_and_the_cluster_still_serves(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        cluster = EmbeddedCluster(ClusterConfig(state_dir=tmp_path / "state", seed=5, host_ports=f"{busy}:30080"))
        with cluster:
            assert cluster.kubeconfig_path is not None
            kubectl = Kubectl(cluster.kubeconfig_path, tmp_path / "kubecache")
            assert kubectl("get", "nodes", "-o", "name").stdout.split() == ["node/svclab-control-plane", "node/svclab-worker", "node/svclab-worker2"]
            [line] = hostports.status_lines(tmp_path / "state")
            assert line.startswith(f"warning: host port 127.0.0.1:{busy} is unavailable (")
            assert "NodePort 30080 is not mapped to this machine; pick another with SVCLAB_HOST_PORTS=" in line and "\n" not in line
            assert oct(os.stat(tmp_path / "state" / hostports.STATUS_FILE).st_mode & 0o777) == "0o600"


def test_two_svclab_up_clusters_side_by_side_both_start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two checkouts' `make lab`: the second reports its mapping is taken and how to pick another."""
    port = free_port()
    monkeypatch.setenv("SVCLAB_HOST_PORTS", f"{port}:30080")
    outputs = []
    try:
        for name in ("one", "two"):
            done = subprocess.run([sys.executable, "-m", "svclab.cli", "up", "--state-dir", str(tmp_path / name), "--pod-start-seconds", "0"],
                                  capture_output=True, text=True, timeout=60, cwd=REPO)
            assert done.returncode == 0, done.stderr
            outputs.append(done.stdout)
        assert f"host port: http://127.0.0.1:{port} → svclab-control-plane:30080 (kind extraPortMappings)" in outputs[0]
        for name in ("one", "two"):   # kind/cluster.yaml's mappings, handed over by `svclab up`'s helper, kept for a restart
            kept = json.loads((tmp_path / name / "kindports.json").read_text())
            assert kept["config"] == str(hostports.KIND_CONFIG) and kept["mappings"][0]["node"] == "svclab-control-plane"
            assert oct(os.stat(tmp_path / name / "kindports.json").st_mode & 0o777) == "0o600"
        assert f"warning: host port 127.0.0.1:{port} is unavailable (" in outputs[1] and "SVCLAB_HOST_PORTS=" in outputs[1]
        for name in ("one", "two"):
            info = control.read_info(tmp_path / name)
            assert info is not None and control.answers(info)
    finally:
        for name in ("one", "two"):
            control.down(tmp_path / name)


def test_settings() -> None:
    kind = hostports.resolve("kind", "svclab", REPO / "kind" / "cluster.yaml")
    assert [(m.host_port, m.container_port, m.node, m.listen_address, m.protocol) for m in kind] == [(30080, 30080, "svclab-control-plane", "127.0.0.1", "TCP")]
    assert [(m.host_port, m.container_port, m.node) for m in hostports.resolve("31080:30080", "svclab", REPO / "kind" / "cluster.yaml")] == [(31080, 30080, "svclab-control-plane")]
    assert hostports.resolve("off", "svclab") == [] and hostports.resolve(None, "svclab") == []
    with pytest.raises(hostports.SettingError, match="expected kind, off, or HOST:CONTAINER"):
        hostports.resolve("30080", "svclab")
    assert hostports.kind_node_names({"nodes": [{"role": "control-plane"}, {"role": "worker"}, {"role": "worker"}]}, "c") == ["c-control-plane", "c-worker", "c-worker2"]



def test_the_kind_config_is_read_not_assumed(tmp_path: Path) -> None:
    config = tmp_path / "cluster.yaml"
    config.write_text(json.dumps({"kind": "Cluster", "nodes": [
        {"role": "control-plane"},
        {"role": "worker", "extraPortMappings": [{"containerPort": 30443, "hostPort": 8443}, {"containerPort": 30053, "protocol": "UDP"}]},
    ]}))
    found = hostports.resolve("kind", "demo", config)
    assert [(m.host_port, m.container_port, m.node, m.listen_address, m.protocol) for m in found] == [
        (8443, 30443, "demo-worker", "0.0.0.0", "TCP"), (30053, 30053, "demo-worker", "0.0.0.0", "UDP")]
