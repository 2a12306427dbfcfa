"""ReplicaSet controller: keep spec.replicas pods from the template, named <rs>-<5 random>."""

from __future__ import annotations

import copy

from svclab.controllers import events
from svclab.controllers.base import PODS, REPLICASETS, Context, Obj, is_pod_ready, is_terminating, owned_by
from svclab.registry.names import generate_name


def pod_from_template(ctx: Context, owner: Obj, name: str, extra_labels: dict[str, str] | None = None) -> Obj:
    template = copy.deepcopy(owner["spec"]["template"])
    meta = template.get("metadata") or {}
    labels = {**(meta.get("labels") or {}), **(extra_labels or {})}
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": owner["metadata"]["namespace"],
            "labels": labels,
            "ownerReferences": [ctx.owner_ref(owner)],
        },
        "spec": template.get("spec") or {},
        "status": {"phase": "Pending", "qosClass": "BestEffort"},
    }
    if meta.get("annotations"):
        pod["metadata"]["annotations"] = meta["annotations"]
    if owner["kind"] == "ReplicaSet":
        pod["metadata"]["generateName"] = f"{owner['metadata']['name']}-"
    return pod


def _pod_rank(pod: Obj) -> tuple[int, int, str]:
    """Which pod to delete first when scaling down (controller.ActivePods ordering, simplified)."""
    phase_rank = {"Pending": 0, "Unknown": 1, "Running": 2}.get(pod.get("status", {}).get("phase", "Pending"), 2)
    return (phase_rank, 1 if is_pod_ready(pod) else 0, pod["metadata"].get("creationTimestamp", ""))


class ReplicaSetController:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def sync(self) -> None:
        for rs in list(self.ctx.store.items(REPLICASETS)):
            if not is_terminating(rs):
                self._sync_one(rs)

    def _sync_one(self, rs: Obj) -> None:
        ns = rs["metadata"]["namespace"]
        pods = [p for p in self.ctx.store.items(PODS, ns) if owned_by(p, rs) and not is_terminating(p)]
        want = int(rs["spec"].get("replicas", 1))
        if len(pods) < want:
            for _ in range(want - len(pods)):
                pod = pod_from_template(self.ctx, rs, generate_name(f"{rs['metadata']['name']}-", self.ctx.rng))
                created = self.ctx.registry.create(PODS, ns, pod)
                events.record(self.ctx, rs, "Normal", "SuccessfulCreate", f"Created pod: {created['metadata']['name']}", "replicaset-controller")
        elif len(pods) > want:
            for pod in sorted(pods, key=_pod_rank)[: len(pods) - want]:
                self.ctx.registry.delete(PODS, ns, pod["metadata"]["name"])
                events.record(self.ctx, rs, "Normal", "SuccessfulDelete", f"Deleted pod: {pod['metadata']['name']}", "replicaset-controller")
        pods = [p for p in self.ctx.store.items(PODS, ns) if owned_by(p, rs) and not is_terminating(p)]
        ready = sum(1 for p in pods if is_pod_ready(p))
        status = {
            "replicas": len(pods),
            "fullyLabeledReplicas": len(pods),
            "readyReplicas": ready,
            "availableReplicas": ready,
            "terminatingReplicas": sum(1 for p in self.ctx.store.items(PODS, ns) if owned_by(p, rs) and is_terminating(p)),
            "observedGeneration": rs["metadata"].get("generation", 1),
        }
        status = {k: v for k, v in status.items() if v or k in ("replicas", "observedGeneration")}
        self.ctx.set_status(REPLICASETS, rs, status)
