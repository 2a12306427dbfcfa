"""No path from a manifest to the host: files, processes and network stay inside the emulation."""

from __future__ import annotations

import json
import socket

from svclab.cluster.embedded import EmbeddedCluster
from tests.conftest import Kubectl

POD = """apiVersion: v1
kind: Pod
metadata: {name: probe}
spec:
  containers:
  - name: c
    image: busybox:1.36.1
    command: ["sleep", "3600"]
    volumeMounts: [{name: host, mountPath: /host}]
  - name: web                     # something listening on the pod's own loopback
    image: registry.k8s.io/e2e-test-images/agnhost:2.52
    args: ["netexec", "--http-port=8080"]
  volumes:
  - name: host
    hostPath: {path: /}
"""


def test_host_files_are_out_of_reach(kubectl: Kubectl) -> None:
    kubectl("apply", "-f", "-", stdin=POD)
    kubectl("wait", "--for=condition=Ready", "pod/probe", "--timeout=30s")
    for path in ("/host/etc/hostname", "/etc/shadow", "/host/root/.bashrc"):
        result = kubectl("exec", "probe", "--", "cat", path, check=False)
        assert result.returncode == 1 and f"cat: can't open '{path}': No such file or directory" in result.stderr
    hostname = kubectl("exec", "probe", "--", "cat", "/etc/hostname").stdout
    assert hostname == "probe\n"  # the pod's own file, as kubelet writes it
    listing = kubectl("exec", "probe", "--", "ls", "/").stdout.split()
    assert "work" not in listing and "home" in listing


def test_the_pods_loopback_is_its_own(cluster: EmbeddedCluster, kubectl: Kubectl) -> None:
    kubectl("apply", "-f", "-", stdin=POD)
    kubectl("wait", "--for=condition=Ready", "pod/probe", "--timeout=30s")
    # the API server listens on the host's 127.0.0.1; from inside a pod, 127.0.0.1 is the pod itself
    api = kubectl("exec", "probe", "--", "wget", "-qO-", f"http://127.0.0.1:{cluster.api_port}/api", check=False)
    assert api.returncode == 1 and f"wget: can't connect to remote host (127.0.0.1): Connection refused" in api.stderr
    own = kubectl("exec", "probe", "--", "wget", "-qO-", "http://127.0.0.1:8080/hostname")
    assert own.stdout == "probe"


def test_listeners_are_on_loopback_only(cluster: EmbeddedCluster) -> None:
    import psutil

    info = json.loads((cluster.config.state_dir / "cluster.json").read_text())  # type: ignore[operator]
    assert info["api"] == f"https://127.0.0.1:{cluster.api_port}" and info["dns"] == f"127.0.0.1:{cluster.dns_port}"
    ours = [c for c in psutil.Process().net_connections(kind="inet") if c.laddr and c.laddr.port in (cluster.api_port, cluster.dns_port) and (c.status == psutil.CONN_LISTEN or c.type == socket.SOCK_DGRAM)]
    assert {(c.laddr.port, c.type) for c in ours} == {(cluster.api_port, socket.SOCK_STREAM), (cluster.dns_port, socket.SOCK_STREAM), (cluster.dns_port, socket.SOCK_DGRAM)}
    assert {c.laddr.ip for c in ours} == {"127.0.0.1"}
