"""What every controller gets: the store and registry, the clock, events, and a way to ask for a wake-up."""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass, field
from typing import Any

from svclab.registry.core import Registry
from svclab.resources import DEPLOYMENTS, ENDPOINT_SLICES, ENDPOINTS, EVENTS, NAMESPACES, NODES, PODS, REPLICASETS, SERVICES, STATEFULSETS, Resource  # noqa: F401  (re-exported for controllers)
from svclab.state.clock import Clock
from svclab.state.store import Store

Obj = dict[str, Any]


SLICES = ENDPOINT_SLICES


@dataclass
class Context:
    store: Store
    registry: Registry
    clock: Clock
    rng: random.Random
    pod_start_seconds: float = 0.0
    pod_stop_seconds: float = 0.0
    wakeups: list[float] = field(default_factory=list)

    def wake_at(self, when: float) -> None:
        self.wakeups.append(when)

    def owner_ref(self, owner: Obj) -> Obj:
        return {
            "apiVersion": owner["apiVersion"],
            "kind": owner["kind"],
            "name": owner["metadata"]["name"],
            "uid": owner["metadata"]["uid"],
            "controller": True,
            "blockOwnerDeletion": True,
        }

    def put(self, res: Resource, obj: Obj) -> Obj:
        """Create or replace an object as a controller does (no validation of its own writes)."""
        meta = obj["metadata"]
        if self.store.peek(res, meta.get("namespace", ""), meta["name"]) is None:
            return self.store.create(res, obj)
        return self.store.update(res, obj)

    def set_status(self, res: Resource, obj: Obj, status: Obj) -> None:
        if obj.get("status") != status:
            changed = copy.deepcopy(obj)
            changed["status"] = status
            self.store.update(res, changed)


def is_pod_ready(pod: Obj) -> bool:
    for condition in pod.get("status", {}).get("conditions") or []:
        if condition.get("type") == "Ready":
            return condition.get("status") == "True"
    return False


def is_terminating(obj: Obj) -> bool:
    return bool(obj["metadata"].get("deletionTimestamp"))


def owned_by(obj: Obj, owner: Obj) -> bool:
    uid = owner["metadata"]["uid"]
    return any(ref.get("uid") == uid and ref.get("controller") for ref in obj["metadata"].get("ownerReferences") or [])
