"""The scheduler's pod limit per node (kind's nodes allocate 110 pods) and the kubelet's admission:
what does not fit waits, with the real scheduler's and kubelet's texts."""

from __future__ import annotations

import json

from svclab.controllers.scheduler import NO_NODES, RESOLVABLE, UNRESOLVABLE, fit_error
from tests.controllers.conftest import Running

TAINT = "node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }"
FULL = (
    "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Too many pods. "
    "preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.."
)


def test_fit_error_reads_like_the_schedulers() -> None:
    assert fit_error(3, {TAINT: (UNRESOLVABLE, 1), "Too many pods": (RESOLVABLE, 2)}) == FULL
    assert fit_error(1, {"Too many pods": (RESOLVABLE, 1)}) == (
        "0/1 nodes are available: 1 Too many pods. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.."
    )
    assert fit_error(2, {"node(s) didn't match Pod's node affinity/selector": (UNRESOLVABLE, 2)}) == (
        "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector. "
        "preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.."
    )


def pods(run: Running) -> list[dict]:
    return list(run.get("pods", "-l", "app=big")["items"])


def test_pods_past_110_per_node_stay_pending_with_failed_scheduling(start) -> None:
    run = start()
    # Each worker runs kindnet and kube-proxy already: 108 more fit on each, none on the tainted control plane.
    run.k("create", "deployment", "big", "--image=nginx:1.27", "--replicas=220")
    big = pods(run)
    pending = [p for p in big if p["status"]["phase"] == "Pending"]
    assert len(big) == 220 and len(pending) == 4
    for pod in pending:
        assert "nodeName" not in pod["spec"]
        condition = next(c for c in pod["status"]["conditions"] if c["type"] == "PodScheduled")
        assert (condition["status"], condition["reason"], condition["message"]) == ("False", "Unschedulable", FULL)
        assert run.messages("Pod", pod["metadata"]["name"], "FailedScheduling") == [FULL]
    nodes = [p["spec"]["nodeName"] for p in big if p["status"]["phase"] == "Running"]
    assert (nodes.count("svclab-worker"), nodes.count("svclab-worker2")) == (108, 108)
    assert "Pending" in run.k("get", "pod", pending[0]["metadata"]["name"]).stdout
    assert run.k("create", "configmap", "unrelated").returncode == 0

    run.k("delete", "pod", *[p["metadata"]["name"] for p in big if p["status"]["phase"] == "Running"][:2])
    # Two places free up; the ReplicaSet makes two new pods: four wait, whichever they are.
    assert sum(p["status"]["phase"] == "Pending" for p in pods(run)) == 4
    run.k("scale", "deployment", "big", "--replicas=216")  # pending pods go first
    assert {p["status"]["phase"] for p in pods(run)} == {"Running"} and len(pods(run)) == 216


def test_a_pod_bound_past_the_limit_is_rejected_by_the_kubelet(start) -> None:
    run = start()
    run.k("create", "deployment", "big", "--image=nginx:1.27", "--replicas=216")
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "pinned"},
           "spec": {"nodeName": "svclab-worker", "containers": [{"name": "c", "image": "nginx:1.27"}]}}
    run.k("apply", "-f", "-", stdin=json.dumps(pod))
    status = run.get("pod", "pinned")["status"]
    message = "Node didn't have enough resource: pods, requested: 1, used: 110, capacity: 110"
    assert (status["phase"], status["reason"], status["message"]) == ("Failed", "OutOfpods", f"Pod was rejected: {message}")
    assert run.messages("Pod", "pinned", "OutOfpods") == [message]


def test_no_nodes_at_all(start) -> None:
    run = start()
    run.k("delete", "node", "svclab-control-plane", "svclab-worker", "svclab-worker2")
    run.k("run", "lonely", "--image=nginx:1.27")
    assert run.messages("Pod", "lonely", "FailedScheduling") == [NO_NODES]
