"""Server-side Table printing: column definitions and cells pinned against printers.go (v1.35)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from svclab.apiserver.printers import human_duration, printer_for, short_human_duration
from svclab.apiserver.printers.labels import format_label_selector, selector_string
from svclab.apiserver.tables import TableOptionsError, table_for, table_version_from_accept
from svclab.resources import RESOURCES, Resource, by_kind, resource

NOW = datetime(2025, 6, 1, 12, 0, 0, tzinfo=timezone.utc)


def ts(ago: timedelta) -> str:
    return (NOW - ago).strftime("%Y-%m-%dT%H:%M:%SZ")


res = resource  # the served resource by group and plural


def cells(table: dict[str, Any]) -> list[list[Any]]:
    return [row["cells"] for row in table["rows"]]


def header(table: dict[str, Any]) -> list[tuple[str, str, str, int]]:
    return [(c["name"], c["type"], c["format"], c["priority"]) for c in table["columnDefinitions"]]


# ---------------------------------------------------------------- fixtures: realistic objects


def web_pod(name: str, ip: str, node: str, *, ready: bool = True, age: timedelta = timedelta(minutes=5)) -> dict[str, Any]:
    state: dict[str, Any] = {"running": {"startedAt": ts(age - timedelta(seconds=3))}}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": "default",
            "uid": f"uid-{name}",
            "resourceVersion": "1001",
            "creationTimestamp": ts(age),
            "labels": {"app": "web", "pod-template-hash": "7d4b9c8f5"},
            "ownerReferences": [
                {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-7d4b9c8f5", "uid": "rs-uid", "controller": True}
            ],
        },
        "spec": {"nodeName": node, "containers": [{"name": "web", "image": "nginx:1.27"}]},
        "status": {
            "phase": "Running",
            "conditions": [
                {"type": "Initialized", "status": "True"},
                {"type": "Ready", "status": "True" if ready else "False"},
                {"type": "ContainersReady", "status": "True" if ready else "False"},
                {"type": "PodScheduled", "status": "True"},
            ],
            "podIP": ip,
            "podIPs": [{"ip": ip}],
            "containerStatuses": [
                {"name": "web", "image": "nginx:1.27", "ready": ready, "started": True, "restartCount": 0, "state": state}
            ],
        },
    }


def pending_pod() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "pending", "namespace": "default", "creationTimestamp": ts(timedelta(seconds=4))},
        "spec": {"containers": [{"name": "app", "image": "busybox:1.36"}]},
        "status": {"phase": "Pending"},
    }


def creating_pod() -> dict[str, Any]:
    pod = web_pod("web-7d4b9c8f5-creat", "", "kind-worker", ready=False, age=timedelta(seconds=2))
    pod["status"]["phase"] = "Pending"
    pod["status"]["podIPs"] = []
    pod["status"]["containerStatuses"][0]["started"] = False
    pod["status"]["containerStatuses"][0]["state"] = {"waiting": {"reason": "ContainerCreating"}}
    return pod


def completed_pod() -> dict[str, Any]:
    pod = web_pod("job-abc12", "10.244.1.9", "kind-worker", ready=False, age=timedelta(hours=3))
    pod["status"]["phase"] = "Succeeded"
    pod["status"]["containerStatuses"][0]["state"] = {
        "terminated": {"exitCode": 0, "reason": "Completed", "finishedAt": ts(timedelta(hours=2))}
    }
    return pod


def terminating_pod() -> dict[str, Any]:
    pod = web_pod("web-7d4b9c8f5-old11", "10.244.2.4", "kind-worker2", age=timedelta(hours=2, minutes=10))
    pod["metadata"]["deletionTimestamp"] = ts(timedelta(seconds=-30))
    pod["metadata"]["deletionGracePeriodSeconds"] = 30
    return pod


def restarted_pod() -> dict[str, Any]:
    pod = web_pod("flaky", "10.244.1.7", "kind-worker", age=timedelta(minutes=30))
    status = pod["status"]["containerStatuses"][0]
    status["restartCount"] = 2
    status["lastState"] = {"terminated": {"exitCode": 137, "reason": "Error", "finishedAt": ts(timedelta(minutes=5))}}
    return pod


def service(name: str, spec: dict[str, Any], status: dict[str, Any] | None = None) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": "default", "resourceVersion": "2002", "creationTimestamp": ts(timedelta(days=3, hours=4))},
        "spec": spec,
    }
    obj["status"] = status or {"loadBalancer": {}}
    return obj


SERVICES = [
    service("kubernetes", {"type": "ClusterIP", "clusterIP": "10.96.0.1", "clusterIPs": ["10.96.0.1"], "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}]}),
    service("web-headless", {"type": "ClusterIP", "clusterIP": "None", "clusterIPs": ["None"], "selector": {"app": "web"}, "ports": [{"port": 80, "protocol": "TCP", "targetPort": 8080}]}),
    service("web-nodeport", {"type": "NodePort", "clusterIP": "10.96.120.7", "clusterIPs": ["10.96.120.7"], "selector": {"tier": "front", "app": "web"}, "ports": [{"port": 80, "protocol": "TCP", "targetPort": 8080, "nodePort": 30080}, {"name": "dns", "port": 53, "protocol": "UDP", "nodePort": 31053}]}),
    service("web-lb", {"type": "LoadBalancer", "clusterIP": "10.96.45.3", "clusterIPs": ["10.96.45.3"], "selector": {"app": "web"}, "ports": [{"port": 80, "protocol": "TCP", "nodePort": 31234}]}),
    service("db", {"type": "ExternalName", "externalName": "db.example.com"}),
]


def nodes() -> list[dict[str, Any]]:
    def node(name: str, ip: str, labels: dict[str, str], ready: str = "True") -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {"name": name, "labels": labels, "creationTimestamp": ts(timedelta(days=2, hours=1))},
            "spec": {"podCIDR": "10.244.0.0/24"},
            "status": {
                "conditions": [{"type": "MemoryPressure", "status": "False"}, {"type": "Ready", "status": ready}],
                "addresses": [{"type": "InternalIP", "address": ip}, {"type": "Hostname", "address": name}],
                "nodeInfo": {
                    "kubeletVersion": "v1.35.0",
                    "osImage": "Debian GNU/Linux 12 (bookworm)",
                    "kernelVersion": "6.8.0-1021-azure",
                    "containerRuntimeVersion": "containerd://2.2.0",
                },
            },
        }

    base = {"kubernetes.io/os": "linux", "kubernetes.io/hostname": "x"}
    return [
        node("kind-control-plane", "172.18.0.2", {**base, "node-role.kubernetes.io/control-plane": "", "node.kubernetes.io/exclude-from-external-load-balancers": ""}),
        node("kind-worker", "172.18.0.3", dict(base)),
        node("kind-worker2", "172.18.0.4", {**base, "kubernetes.io/role": "edge", "node-role.kubernetes.io/infra": ""}, ready="False"),
    ]


def endpoint_slice(n: int) -> dict[str, Any]:
    return {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {"name": "web-abcde", "namespace": "default", "labels": {"kubernetes.io/service-name": "web"}, "creationTimestamp": ts(timedelta(minutes=7, seconds=5))},
        "addressType": "IPv4",
        "ports": [{"name": "", "port": 8080, "protocol": "TCP"}],
        "endpoints": [
            {"addresses": [f"10.244.{1 + i % 2}.{10 + i}"], "conditions": {"ready": True}, "nodeName": "kind-worker"}
            for i in range(n)
        ],
    }


def deployment() -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default", "creationTimestamp": ts(timedelta(minutes=5, seconds=30))},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "tier", "operator": "In", "values": ["front", "api"]}]},
            "template": {"spec": {"containers": [{"name": "web", "image": "nginx:1.27"}, {"name": "log", "image": "busybox:1.36"}]}},
        },
        "status": {"replicas": 3, "updatedReplicas": 3, "readyReplicas": 2, "availableReplicas": 2},
    }


# ---------------------------------------------------------------- durations


@pytest.mark.parametrize(
    ("delta", "want"),
    [
        (timedelta(seconds=-3), "<invalid>"),
        (timedelta(seconds=-1, milliseconds=-500), "0s"),
        (timedelta(milliseconds=-500), "0s"),
        (timedelta(0), "0s"),
        (timedelta(seconds=4), "4s"),
        (timedelta(seconds=119), "119s"),
        (timedelta(seconds=120), "2m"),
        (timedelta(minutes=2, seconds=3), "2m3s"),
        (timedelta(minutes=9, seconds=59), "9m59s"),
        (timedelta(minutes=10, seconds=30), "10m"),
        (timedelta(hours=2, minutes=59), "179m"),
        (timedelta(hours=3), "3h"),
        (timedelta(hours=5, minutes=2), "5h2m"),
        (timedelta(hours=8, minutes=30), "8h"),
        (timedelta(hours=47), "47h"),
        (timedelta(days=2), "2d"),
        (timedelta(days=3, hours=4), "3d4h"),
        (timedelta(days=8), "8d"),
        (timedelta(days=729), "729d"),
        (timedelta(days=730), "2y"),
        (timedelta(days=365 * 3 + 10), "3y10d"),
        (timedelta(days=365 * 9), "9y"),
    ],
)
def test_human_duration(delta: timedelta, want: str) -> None:
    assert human_duration(delta) == want


@pytest.mark.parametrize(
    ("delta", "want"),
    [
        (timedelta(seconds=-2), "<invalid>"),
        (timedelta(seconds=59), "59s"),
        (timedelta(minutes=59, seconds=59), "59m"),
        (timedelta(hours=23), "23h"),
        (timedelta(days=364), "364d"),
        (timedelta(days=800), "2y"),
    ],
)
def test_short_human_duration(delta: timedelta, want: str) -> None:
    assert short_human_duration(delta) == want


# ---------------------------------------------------------------- pods


def test_pod_columns() -> None:
    table = table_for(res("", "pods"), [], now=NOW, list_meta={"resourceVersion": "5"})
    assert header(table) == [
        ("Name", "string", "name", 0),
        ("Ready", "string", "", 0),
        ("Status", "string", "", 0),
        ("Restarts", "string", "", 0),
        ("Age", "string", "", 0),
        ("IP", "string", "", 1),
        ("Node", "string", "", 1),
        ("Nominated Node", "string", "", 1),
        ("Readiness Gates", "string", "", 1),
    ]
    assert table["columnDefinitions"][1]["description"] == "The aggregate readiness state of this pod for accepting traffic."
    assert table["columnDefinitions"][0]["description"].startswith("Name must be unique within a namespace.")
    assert table["rows"] == []
    assert table["metadata"] == {"resourceVersion": "5"}


def test_deployment_pods_rows() -> None:
    pods = [
        web_pod("web-7d4b9c8f5-2xkqp", "10.244.1.5", "kind-worker"),
        web_pod("web-7d4b9c8f5-8hjzt", "10.244.2.3", "kind-worker2", ready=False, age=timedelta(seconds=45)),
        creating_pod(),
        pending_pod(),
        completed_pod(),
        terminating_pod(),
        restarted_pod(),
    ]
    table = table_for(res("", "pods"), pods, now=NOW, list_meta={"resourceVersion": "1234"})
    assert cells(table) == [
        ["web-7d4b9c8f5-2xkqp", "1/1", "Running", "0", "5m", "10.244.1.5", "kind-worker", "<none>", "<none>"],
        ["web-7d4b9c8f5-8hjzt", "0/1", "Running", "0", "45s", "10.244.2.3", "kind-worker2", "<none>", "<none>"],
        ["web-7d4b9c8f5-creat", "0/1", "ContainerCreating", "0", "2s", "<none>", "kind-worker", "<none>", "<none>"],
        ["pending", "0/1", "Pending", "0", "4s", "<none>", "<none>", "<none>", "<none>"],
        ["job-abc12", "0/1", "Completed", "0", "3h", "10.244.1.9", "kind-worker", "<none>", "<none>"],
        ["web-7d4b9c8f5-old11", "1/1", "Terminating", "0", "130m", "10.244.2.4", "kind-worker2", "<none>", "<none>"],
        ["flaky", "1/1", "Running", "2 (5m ago)", "30m", "10.244.1.7", "kind-worker", "<none>", "<none>"],
    ]
    completed = table["rows"][4]
    assert completed["conditions"] == [
        {"type": "Completed", "status": "True", "reason": "Succeeded", "message": "The pod has completed successfully."}
    ]
    assert "conditions" not in table["rows"][0]


def test_pod_status_reasons_from_container_states() -> None:
    crash = web_pod("crash", "10.244.1.8", "kind-worker", ready=False)
    crash["status"]["containerStatuses"][0]["state"] = {"waiting": {"reason": "CrashLoopBackOff"}}
    killed = web_pod("killed", "10.244.1.9", "kind-worker", ready=False)
    killed["status"]["containerStatuses"][0]["state"] = {"terminated": {"exitCode": 0, "signal": 9}}
    exit3 = web_pod("exit3", "10.244.1.10", "kind-worker", ready=False)
    exit3["status"]["containerStatuses"][0]["state"] = {"terminated": {"exitCode": 3}}
    gated = pending_pod()
    gated["status"]["conditions"] = [{"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}]
    lost = web_pod("lost", "10.244.1.11", "kind-worker")
    lost["metadata"]["deletionTimestamp"] = ts(timedelta(0))
    lost["status"]["reason"] = "NodeLost"
    failed_deleting = completed_pod()
    failed_deleting["status"]["phase"] = "Failed"
    failed_deleting["status"]["containerStatuses"][0]["state"] = {"terminated": {"exitCode": 1, "reason": "Error"}}
    failed_deleting["metadata"]["deletionTimestamp"] = ts(timedelta(0))
    table = table_for(res("", "pods"), [crash, killed, exit3, gated, lost, failed_deleting], now=NOW)
    assert [row[2] for row in cells(table)] == [
        "CrashLoopBackOff", "Signal:9", "ExitCode:3", "SchedulingGated", "Unknown", "Error"
    ]
    assert table["rows"][5]["conditions"][0]["reason"] == "Failed"


def test_pod_init_containers_and_sidecars() -> None:
    pod = web_pod("init", "10.244.1.12", "kind-worker", ready=False)
    pod["spec"]["initContainers"] = [
        {"name": "setup", "image": "busybox"},
        {"name": "wait", "image": "busybox"},
        {"name": "proxy", "image": "envoy", "restartPolicy": "Always"},
    ]
    pod["status"]["conditions"][0]["status"] = "False"
    pod["status"]["initContainerStatuses"] = [
        {"name": "setup", "restartCount": 0, "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
        {"name": "wait", "restartCount": 1, "state": {"running": {}}},
        {"name": "proxy", "restartCount": 0, "state": {"waiting": {"reason": "PodInitializing"}}},
    ]
    pod["status"]["containerStatuses"][0]["state"] = {"waiting": {"reason": "PodInitializing"}}
    row = cells(table_for(res("", "pods"), [pod], now=NOW))[0]
    assert row[1:4] == ["0/2", "Init:1/3", "1"]

    sidecar = web_pod("sidecar", "10.244.1.13", "kind-worker")
    sidecar["spec"]["initContainers"] = [{"name": "proxy", "image": "envoy", "restartPolicy": "Always"}]
    sidecar["status"]["initContainerStatuses"] = [
        {
            "name": "proxy",
            "restartCount": 3,
            "started": True,
            "ready": True,
            "state": {"running": {}},
            "lastState": {"terminated": {"exitCode": 1, "finishedAt": ts(timedelta(seconds=90))}},
        }
    ]
    row = cells(table_for(res("", "pods"), [sidecar], now=NOW))[0]
    assert row[1:4] == ["2/2", "Running", "3 (90s ago)"]


def test_pod_readiness_gates() -> None:
    pod = web_pod("gated", "10.244.1.14", "kind-worker")
    pod["spec"]["readinessGates"] = [{"conditionType": "example.com/lb"}, {"conditionType": "example.com/dns"}]
    pod["status"]["conditions"].append({"type": "example.com/lb", "status": "True"})
    pod["status"]["nominatedNodeName"] = "kind-worker2"
    row = cells(table_for(res("", "pods"), [pod], now=NOW))[0]
    assert row[7:] == ["kind-worker2", "1/2"]


# ---------------------------------------------------------------- services and endpoints


def test_service_columns_and_rows() -> None:
    table = table_for(res("", "services"), SERVICES, now=NOW, list_meta={"resourceVersion": "99"})
    assert header(table) == [
        ("Name", "string", "name", 0),
        ("Type", "string", "", 0),
        ("Cluster-IP", "string", "", 0),
        ("External-IP", "string", "", 0),
        ("Port(s)", "string", "", 0),
        ("Age", "string", "", 0),
        ("Selector", "string", "", 1),
    ]
    assert cells(table) == [
        ["kubernetes", "ClusterIP", "10.96.0.1", "<none>", "443/TCP", "3d4h", "<none>"],
        ["web-headless", "ClusterIP", "None", "<none>", "80/TCP", "3d4h", "app=web"],
        ["web-nodeport", "NodePort", "10.96.120.7", "<none>", "80:30080/TCP,53:31053/UDP", "3d4h", "app=web,tier=front"],
        ["web-lb", "LoadBalancer", "10.96.45.3", "<pending>", "80:31234/TCP", "3d4h", "app=web"],
        ["db", "ExternalName", "<none>", "db.example.com", "<none>", "3d4h", "<none>"],
    ]


def test_service_external_ips() -> None:
    lb = service(
        "lb2",
        {"type": "LoadBalancer", "clusterIPs": ["10.96.1.2"], "externalIPs": ["192.0.2.9"], "ports": [{"port": 443, "protocol": "TCP", "nodePort": 30443}]},
        {"loadBalancer": {"ingress": [{"ip": "172.18.255.201"}, {"hostname": "a-very-long-hostname.example.com"}, {"ip": "172.18.255.200"}]}},
    )
    cip = service("cip", {"type": "ClusterIP", "clusterIPs": ["10.96.1.3"], "externalIPs": ["192.0.2.1", "192.0.2.2"], "ports": [{"port": 80, "protocol": "TCP"}]})
    table = table_for(res("", "services"), [lb, cip], now=NOW)
    assert [row[3] for row in cells(table)] == [
        "172.18.255.200,172.18.255.201,a-very-long-hostname.example.com,192.0.2.9",
        "192.0.2.1,192.0.2.2",
    ]


def test_endpoints_truncation() -> None:
    def endpoints(name: str, subsets: list[dict[str, Any]]) -> dict[str, Any]:
        return {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": name, "namespace": "default", "creationTimestamp": ts(timedelta(minutes=1))}, "subsets": subsets}

    addrs = [{"ip": f"10.244.1.{i}"} for i in range(2, 7)]
    objs = [
        endpoints("web", [{"addresses": addrs, "ports": [{"port": 8080, "protocol": "TCP"}]}]),
        endpoints("two", [{"addresses": addrs[:2], "ports": [{"name": "http", "port": 80}, {"name": "metrics", "port": 9090}]}]),
        endpoints("headless-noports", [{"addresses": addrs[:4]}]),
        endpoints("empty", []),
        endpoints("notready", [{"notReadyAddresses": addrs[:1], "ports": [{"port": 80}]}]),
        endpoints("v6", [{"addresses": [{"ip": "fd00:10:244::5"}], "ports": [{"port": 80}]}]),
    ]
    table = table_for(res("", "endpoints"), objs, now=NOW)
    assert header(table) == [("Name", "string", "name", 0), ("Endpoints", "string", "", 0), ("Age", "string", "", 0)]
    assert cells(table) == [
        ["web", "10.244.1.2:8080,10.244.1.3:8080,10.244.1.4:8080 + 2 more...", "60s"],
        ["two", "10.244.1.2:80,10.244.1.3:80,10.244.1.2:9090 + 1 more...", "60s"],
        ["headless-noports", "10.244.1.2,10.244.1.3,10.244.1.4 + 1 more...", "60s"],
        ["empty", "<none>", "60s"],
        ["notready", "", "60s"],
        ["v6", "[fd00:10:244::5]:80", "60s"],
    ]


def test_endpoint_slice_with_five_endpoints() -> None:
    five = endpoint_slice(5)
    three = endpoint_slice(3)
    three["metadata"]["name"] = "web-three"
    bare = endpoint_slice(0)
    bare["metadata"]["name"] = "web-bare"
    bare["ports"] = []
    many_ports = endpoint_slice(1)
    many_ports["metadata"]["name"] = "web-ports"
    many_ports["ports"] = [{"port": 80}, {"name": "grpc"}, {}, {"port": 9090}, {"port": 9091}]
    table = table_for(res("discovery.k8s.io", "endpointslices"), [five, three, bare, many_ports], now=NOW)
    assert header(table) == [
        ("Name", "string", "name", 0),
        ("AddressType", "string", "", 0),
        ("Ports", "string", "", 0),
        ("Endpoints", "string", "", 0),
        ("Age", "string", "", 0),
    ]
    assert cells(table) == [
        ["web-abcde", "IPv4", "8080", "10.244.1.10,10.244.2.11,10.244.1.12 + 2 more...", "7m5s"],
        ["web-three", "IPv4", "8080", "10.244.1.10,10.244.2.11,10.244.1.12", "7m5s"],
        ["web-bare", "IPv4", "<unset>", "<unset>", "7m5s"],
        ["web-ports", "IPv4", "80,grpc,* + 2 more...", "10.244.1.10", "7m5s"],
    ]


# ---------------------------------------------------------------- workloads


def test_deployment_row() -> None:
    table = table_for(res("apps", "deployments"), [deployment()], now=NOW)
    assert header(table) == [
        ("Name", "string", "name", 0),
        ("Ready", "string", "", 0),
        ("Up-to-date", "string", "", 0),
        ("Available", "string", "", 0),
        ("Age", "string", "", 0),
        ("Containers", "string", "", 1),
        ("Images", "string", "", 1),
        ("Selector", "string", "", 1),
    ]
    assert cells(table) == [["web", "2/3", 3, 2, "5m30s", "web,log", "nginx:1.27,busybox:1.36", "app=web,tier in (api,front)"]]


def test_replica_set_and_stateful_set_rows() -> None:
    rs = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {"name": "web-7d4b9c8f5", "namespace": "default", "creationTimestamp": ts(timedelta(minutes=5))},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web", "pod-template-hash": "7d4b9c8f5"}}, "template": {"spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}},
        "status": {"replicas": 3, "readyReplicas": 2},
    }
    rs_empty = {**rs, "metadata": {**rs["metadata"], "name": "rs-empty"}, "spec": {**rs["spec"], "selector": {}}, "status": {}}
    table = table_for(res("apps", "replicasets"), [rs, rs_empty], now=NOW)
    assert [c["type"] for c in table["columnDefinitions"]][1:4] == ["integer", "integer", "integer"]
    assert cells(table) == [
        ["web-7d4b9c8f5", 3, 3, 2, "5m", "web", "nginx:1.27", "app=web,pod-template-hash=7d4b9c8f5"],
        ["rs-empty", 3, 0, 0, "5m", "web", "nginx:1.27", "<none>"],
    ]
    sts = {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "db", "namespace": "default", "creationTimestamp": ts(timedelta(hours=1))},
        "spec": {"replicas": 3, "serviceName": "db", "selector": {"matchLabels": {"app": "db"}}, "template": {"spec": {"containers": [{"name": "db", "image": "postgres:17"}]}}},
        "status": {"replicas": 2, "readyReplicas": 1},
    }
    table = table_for(res("apps", "statefulsets"), [sts], now=NOW)
    assert header(table) == [
        ("Name", "string", "name", 0),
        ("Ready", "string", "", 0),
        ("Age", "string", "", 0),
        ("Containers", "string", "", 1),
        ("Images", "string", "", 1),
    ]
    assert cells(table) == [["db", "1/3", "60m", "db", "postgres:17"]]


# ---------------------------------------------------------------- nodes, namespaces, small kinds


def test_nodes_with_roles() -> None:
    table = table_for(res("", "nodes"), nodes(), now=NOW)
    assert header(table) == [
        ("Name", "string", "name", 0),
        ("Status", "string", "", 0),
        ("Roles", "string", "", 0),
        ("Age", "string", "", 0),
        ("Version", "string", "", 0),
        ("Internal-IP", "string", "", 1),
        ("External-IP", "string", "", 1),
        ("OS-Image", "string", "", 1),
        ("Kernel-Version", "string", "", 1),
        ("Container-Runtime", "string", "", 1),
    ]
    rows = cells(table)
    assert rows[0] == [
        "kind-control-plane", "Ready", "control-plane", "2d1h", "v1.35.0", "172.18.0.2", "<none>",
        "Debian GNU/Linux 12 (bookworm)", "6.8.0-1021-azure", "containerd://2.2.0",
    ]
    assert rows[1][:3] == ["kind-worker", "Ready", "<none>"]
    assert rows[2][:3] == ["kind-worker2", "NotReady", "edge,infra"]


def test_node_unknown_and_cordoned() -> None:
    node = nodes()[1]
    node["status"]["conditions"] = []
    node["status"]["nodeInfo"] = {}
    node["spec"]["unschedulable"] = True
    row = cells(table_for(res("", "nodes"), [node], now=NOW))[0]
    assert row[1] == "Unknown,SchedulingDisabled"
    assert row[4:] == ["", "172.18.0.3", "<none>", "<unknown>", "<unknown>", "<unknown>"]


def test_namespace_configmap_serviceaccount() -> None:
    ns = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default", "creationTimestamp": ts(timedelta(days=2))}, "status": {"phase": "Active"}},
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "lab", "creationTimestamp": ts(timedelta(seconds=20)), "deletionTimestamp": ts(timedelta(0))}, "status": {"phase": "Terminating"}},
    ]
    table = table_for(res("", "namespaces"), ns, now=NOW)
    assert header(table) == [("Name", "string", "name", 0), ("Status", "string", "", 0), ("Age", "string", "", 0)]
    assert cells(table) == [["default", "Active", "2d"], ["lab", "Terminating", "20s"]]

    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "kube-root-ca.crt", "namespace": "default", "creationTimestamp": ts(timedelta(hours=9))}, "data": {"ca.crt": "x"}, "binaryData": {"b": "AA=="}}
    table = table_for(res("", "configmaps"), [cm], now=NOW)
    assert header(table) == [("Name", "string", "name", 0), ("Data", "string", "", 0), ("Age", "string", "", 0)]
    assert cells(table) == [["kube-root-ca.crt", 2, "9h"]]

    sa = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": "default", "creationTimestamp": ts(timedelta(minutes=90))}}
    table = table_for(res("", "serviceaccounts"), [sa], now=NOW)
    assert header(table) == [("Name", "string", "name", 0), ("Secrets", "string", "", 0), ("Age", "string", "", 0)]
    assert cells(table) == [["default", 0, "90m"]]


# ---------------------------------------------------------------- events


EVENT_COLUMNS = [
    ("Last Seen", "string", "", 0),
    ("Type", "string", "", 0),
    ("Reason", "string", "", 0),
    ("Object", "string", "", 0),
    ("Subobject", "string", "", 1),
    ("Source", "string", "", 1),
    ("Message", "string", "", 0),
    ("First Seen", "string", "", 1),
    ("Count", "string", "", 1),
    ("Name", "string", "name", 1),
]


def test_core_events() -> None:
    pulled = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": "web-7d4b9c8f5-2xkqp.17f0a1b2c3d4e5f6", "namespace": "default"},
        "involvedObject": {"kind": "Pod", "name": "web-7d4b9c8f5-2xkqp", "fieldPath": "spec.containers{web}"},
        "reason": "Pulled",
        "message": "Container image \"nginx:1.27\" already present on machine \n",
        "source": {"component": "kubelet", "host": "kind-worker"},
        "firstTimestamp": ts(timedelta(minutes=5)),
        "lastTimestamp": ts(timedelta(minutes=1)),
        "count": 3,
        "type": "Normal",
    }
    scheduled = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": "web.1"},
        "involvedObject": {"kind": "Pod", "name": "web"},
        "reason": "Scheduled",
        "message": "Successfully assigned default/web to kind-worker",
        "eventTime": (NOW - timedelta(seconds=40)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "reportingComponent": "default-scheduler",
        "reportingInstance": "default-scheduler-kind-control-plane",
        "type": "Normal",
    }
    series = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": "ns.2"},
        "involvedObject": {"kind": "Namespace"},
        "reason": "BackOff",
        "message": "Back-off",
        "eventTime": ts(timedelta(hours=1)),
        "series": {"count": 12, "lastObservedTime": ts(timedelta(seconds=10))},
        "type": "Warning",
    }
    table = table_for(res("", "events"), [pulled, scheduled, series], now=NOW)
    assert header(table) == EVENT_COLUMNS
    assert cells(table) == [
        ["60s", "Normal", "Pulled", "pod/web-7d4b9c8f5-2xkqp", "spec.containers{web}", "kubelet, kind-worker",
         'Container image "nginx:1.27" already present on machine', "5m", 3, "web-7d4b9c8f5-2xkqp.17f0a1b2c3d4e5f6"],
        ["40s", "Normal", "Scheduled", "pod/web", "", "default-scheduler, default-scheduler-kind-control-plane",
         "Successfully assigned default/web to kind-worker", "40s", 1, "web.1"],
        ["10s", "Warning", "BackOff", "namespace", "", "", "Back-off", "60m", 12, "ns.2"],
    ]


def test_events_k8s_io_events_print_like_core_events() -> None:
    ev = {
        "apiVersion": "events.k8s.io/v1",
        "kind": "Event",
        "metadata": {"name": "web.3", "namespace": "default"},
        "eventTime": ts(timedelta(minutes=2, seconds=3)),
        "reportingController": "default-scheduler",
        "reportingInstance": "default-scheduler-kind-control-plane",
        "action": "Binding",
        "reason": "Scheduled",
        "regarding": {"kind": "Pod", "namespace": "default", "name": "web"},
        "note": "Successfully assigned default/web to kind-worker",
        "type": "Normal",
    }
    table = table_for(res("events.k8s.io", "events"), [ev], now=NOW)
    assert header(table) == EVENT_COLUMNS
    assert cells(table) == [
        ["2m3s", "Normal", "Scheduled", "pod/web", "", "default-scheduler, default-scheduler-kind-control-plane",
         "Successfully assigned default/web to kind-worker", "2m3s", 1, "web.3"]
    ]


# ---------------------------------------------------------------- the Table envelope


def test_table_envelope_with_partial_object_metadata() -> None:
    pod = web_pod("web-7d4b9c8f5-2xkqp", "10.244.1.5", "kind-worker")
    table = table_for(res("", "pods"), [pod], now=NOW)
    assert list(table) == ["kind", "apiVersion", "metadata", "columnDefinitions", "rows"]
    assert table["kind"] == "Table" and table["apiVersion"] == "meta.k8s.io/v1"
    assert table["metadata"] == {"resourceVersion": "1001"}
    obj = table["rows"][0]["object"]
    assert obj == {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": pod["metadata"]}
    assert obj["metadata"] is not pod["metadata"]
    json.dumps(table)


def test_include_object_variants() -> None:
    pod = web_pod("p", "10.244.1.5", "kind-worker")
    del pod["kind"], pod["apiVersion"]
    full = table_for(res("", "pods"), [pod], now=NOW, include_object="Object")["rows"][0]["object"]
    assert full["kind"] == "Pod" and full["apiVersion"] == "v1" and full["spec"] == pod["spec"]
    none = table_for(res("", "pods"), [pod], now=NOW, include_object="None")
    assert none["rows"][0] == {"cells": none["rows"][0]["cells"], "object": None}
    assert table_for(res("", "pods"), [pod], now=NOW, include_object="")["rows"][0]["object"]["kind"] == "PartialObjectMetadata"
    with pytest.raises(TableOptionsError, match='unrecognized includeObject value: "Everything"'):
        table_for(res("", "pods"), [pod], now=NOW, include_object="Everything")


def test_list_meta_and_no_headers() -> None:
    table = table_for(
        res("", "services"), SERVICES[:1], now=NOW, no_headers=True,
        list_meta={"resourceVersion": "77", "continue": "abc", "remainingItemCount": 4},
    )
    assert table["metadata"] == {"resourceVersion": "77", "continue": "abc", "remainingItemCount": 4}
    assert table["columnDefinitions"] is None
    beta = table_for(res("", "services"), SERVICES[:1], now=NOW, group_version="meta.k8s.io/v1beta1")
    assert beta["apiVersion"] == "meta.k8s.io/v1beta1"
    assert beta["rows"][0]["object"]["apiVersion"] == "meta.k8s.io/v1beta1"


def test_default_table_convertor_for_unprinted_kinds() -> None:
    widget = Resource("example.com", "v1", "Widget", "widgets", True)
    objs = [
        {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w1", "creationTimestamp": "2025-06-01T13:00:00+01:00"}},
        {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w2"}},
    ]
    table = table_for(widget, objs, now=NOW, list_meta={"resourceVersion": "3"})
    assert header(table) == [("Name", "string", "name", 0), ("Created At", "date", "", 0)]
    assert cells(table) == [["w1", "2025-06-01T12:00:00Z"], ["w2", "0001-01-01T00:00:00Z"]]
    assert table_for(widget, [], now=NOW, list_meta={})["rows"] is None


def test_every_served_kind_has_a_printer() -> None:
    for resource in RESOURCES:
        printer = printer_for(resource.group, resource.kind)
        assert printer is not None, resource.key
    ev = by_kind("events.k8s.io/v1", "Event")
    assert ev is not None and printer_for(ev.group, ev.kind) is printer_for("", "Event")


def test_every_row_has_one_cell_per_column() -> None:
    groups: list[tuple[Resource, list[dict[str, Any]]]] = [
        (res("", "pods"), [web_pod("a", "10.244.1.2", "kind-worker"), terminating_pod(), pending_pod()]),
        (res("", "services"), SERVICES),
        (res("", "nodes"), nodes()),
        (res("discovery.k8s.io", "endpointslices"), [endpoint_slice(5)]),
        (res("apps", "deployments"), [deployment()]),
    ]
    for resource, objs in groups:
        table = table_for(resource, objs, now=NOW)
        for row in table["rows"]:
            assert len(row["cells"]) == len(table["columnDefinitions"])


# ---------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    ("accept", "want"),
    [
        ("application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json", "meta.k8s.io/v1"),
        ("application/json;as=Table;v=v1beta1;g=meta.k8s.io, application/json", "meta.k8s.io/v1beta1"),
        ("application/json", None),
        ("application/json, application/json;as=Table;v=v1;g=meta.k8s.io", None),
        ("application/vnd.kubernetes.protobuf, application/json;as=Table;v=v1;g=meta.k8s.io", "meta.k8s.io/v1"),
        (None, None),
    ],
)
def test_table_version_from_accept(accept: str | None, want: str | None) -> None:
    assert table_version_from_accept(accept) == want


def test_label_selector_strings() -> None:
    sel = {
        "matchLabels": {"b": "2", "a": "1"},
        "matchExpressions": [
            {"key": "env", "operator": "NotIn", "values": ["prod", "dev"]},
            {"key": "c", "operator": "Exists"},
            {"key": "d", "operator": "DoesNotExist"},
        ],
    }
    assert selector_string(sel) == "a=1,b=2,c,!d,env notin (dev,prod)"
    assert selector_string(None) == "" and selector_string({}) == ""
    assert format_label_selector({}) == "<none>"
    assert format_label_selector({"matchExpressions": [{"key": "x", "operator": "Bogus"}]}) == "<error>"
    bad = deployment()
    bad["spec"]["selector"] = {"matchExpressions": [{"key": "x", "operator": "Bogus"}]}
    assert cells(table_for(res("apps", "deployments"), [bad], now=NOW))[0][7] == "<invalid>"
