"""Node lifecycle controller (pkg/controller/nodelifecycle): a node whose kubelet never posts status.

The nodes the cluster was built with have kubelets (svclab.controllers.kubelet) that keep them
Ready. A Node created through the API has none. As tryUpdateNodeHealth does, once the grace period
has passed without a heartbeat (nodeStartupGracePeriod, 60 s after creation, for a node that never
posted a Ready condition; nodeMonitorGracePeriod, 50 s after it was first seen, for one created
with a status) its Ready, MemoryPressure, DiskPressure and PIDPressure conditions become Unknown
(`NodeStatusNeverUpdated`, "Kubelet never posted node status." or `NodeStatusUnknown`, "Kubelet
stopped posting node status."), it is tainted `node.kubernetes.io/unreachable` (NoSchedule, from
doNoScheduleTaintingPass, and NoExecute) and a `NodeNotReady` event is recorded. Pods already bound
to it stay Pending: no kubelet ever starts them. Evicting them (the taint eviction controller) is
not emulated.
"""

from __future__ import annotations

import copy
from datetime import datetime, timezone

from svclab.controllers import events
from svclab.controllers.base import NODES, Context, Controller, Obj
from svclab.controllers.informer import DELETED, Change
from svclab.state.index import Key

COMPONENT = "node-controller"
NODE_STARTUP_GRACE_SECONDS = 60.0
NODE_MONITOR_GRACE_SECONDS = 50.0
CONDITIONS = ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure")
UNREACHABLE = "node.kubernetes.io/unreachable"
NOT_READY = "node.kubernetes.io/not-ready"


def _ts(stamp: str | None) -> float:
    if not stamp:
        return 0.0
    try:
        return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp()
    except ValueError:
        return 0.0


class NodeLifecycleController(Controller):
    name = "nodelifecycle"

    def __init__(self, ctx: Context, nodes_with_kubelets: set[str]) -> None:
        super().__init__(ctx)
        self.with_kubelet = nodes_with_kubelets
        self._first_seen: dict[str, float] = {}

    def register(self) -> None:
        self.ctx.informers.add_handler(NODES, self._on_node)

    def _on_node(self, change: Change) -> None:
        if change.type == DELETED:
            self._first_seen.pop(change.key[1], None)
            return
        self.queue.add(change.key)

    async def sync(self, key: Key) -> None:
        node = self.ctx.store.peek(NODES, "", key[1])
        if node is None or key[1] in self.with_kubelet:
            return
        now = self.ctx.clock.time()
        conditions = (node.get("status") or {}).get("conditions") or []
        ready = next((c for c in conditions if c.get("type") == "Ready"), None)
        if ready is not None and ready.get("status") == "Unknown":
            self._taint(node)
            return
        if ready is None:
            deadline = _ts(node["metadata"].get("creationTimestamp")) + NODE_STARTUP_GRACE_SECONDS
        else:
            deadline = self._first_seen.setdefault(key[1], now) + NODE_MONITOR_GRACE_SECONDS
        if now <= deadline:
            self.queue.add_after(key, deadline - now + 0.001)
            return
        self._mark_unknown(node)

    def _mark_unknown(self, node: Obj) -> None:
        changed = copy.deepcopy(node)
        status = changed.setdefault("status", {})
        conditions = status.setdefault("conditions", [])
        stamp = self.ctx.clock.rfc3339()
        for kind in CONDITIONS:
            current = next((c for c in conditions if c.get("type") == kind), None)
            if current is None:
                conditions.append({"type": kind, "status": "Unknown", "lastHeartbeatTime": node["metadata"].get("creationTimestamp"), "lastTransitionTime": stamp, "reason": "NodeStatusNeverUpdated", "message": "Kubelet never posted node status."})
            elif current.get("status") != "Unknown":
                current.update({"status": "Unknown", "reason": "NodeStatusUnknown", "message": "Kubelet stopped posting node status.", "lastTransitionTime": stamp})
        stored = self.ctx.store.update(NODES, changed)
        events.record(self.ctx, stored, "Normal", "NodeNotReady", f"Node {node['metadata']['name']} status is now: NodeNotReady", COMPONENT)
        self._taint(stored)

    def _taint(self, node: Obj) -> None:
        taints = list((node.get("spec") or {}).get("taints") or [])
        wanted = [
            {"key": UNREACHABLE, "effect": "NoSchedule"},
            {"key": UNREACHABLE, "effect": "NoExecute", "timeAdded": self.ctx.clock.rfc3339()},
        ]
        kept = [t for t in taints if t.get("key") != NOT_READY]
        missing = [t for t in wanted if not any(k.get("key") == t["key"] and k.get("effect") == t["effect"] for k in kept)]
        if not missing and len(kept) == len(taints):
            return
        changed = copy.deepcopy(node)
        changed.setdefault("spec", {})["taints"] = kept + missing
        self.ctx.store.update(NODES, changed)
