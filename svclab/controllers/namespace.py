"""Namespace lifecycle and the garbage collector.

- NamespaceController (pkg/controller/namespace): a Terminating namespace loses its contents (pods
  gracefully), then goes. It is looked at again each time something in it goes away.
- GarbageCollector (pkg/controller/garbagecollector, background propagation): an object whose
  owners are all gone is deleted. It keeps a graph of uids and owner uids from the informers, so a
  deletion costs the number of dependents, not the size of the cluster.
"""

from __future__ import annotations

from typing import Any

from svclab.controllers.base import NAMESPACES, PODS, Context, Controller, Obj, is_terminating
from svclab.validation.errors import ApiError
from svclab.controllers.informer import DELETED, Change
from svclab.resources import RESOURCES, Resource
from svclab.state.index import UID, Key, by_uid

OWNERS = "owners"
_BY_KEY = {res.key: res for res in RESOURCES}


def by_owners(obj: Obj) -> list[str]:
    return [str(ref["uid"]) for ref in (obj.get("metadata") or {}).get("ownerReferences") or [] if ref.get("uid")]


# pkg/controller/namespace/deletion/status_condition_utils.go: the conditions the deleter keeps, in order,
# with the reason and message of their "all is well" form.
CONDITION_TYPES = (
    ("NamespaceDeletionDiscoveryFailure", "ResourcesDiscovered", "All resources successfully discovered"),
    ("NamespaceDeletionGroupVersionParsingFailure", "ParsedGroupVersions", "All legacy kube types successfully parsed"),
    ("NamespaceDeletionContentFailure", "ContentDeleted", "All content successfully deleted, may be waiting on finalization"),
    ("NamespaceContentRemaining", "ContentRemoved", "All content successfully removed"),
    ("NamespaceFinalizersRemaining", "ContentRemoved", "All content successfully removed"),
)
FINALIZER = "kubernetes"


class NamespaceController(Controller):
    """pkg/controller/namespace: a namespace whose deletionTimestamp is set is looked at
    `ctx.namespace_deletion_seconds` after each change to it (namespaceDeletionGracePeriod, 5 s in
    kube-controller-manager: lifecycle admission everywhere sees the deletion first, so kubectl's
    deletes of a file's later objects still find them). Then its content is deleted through the
    registry as the deleter's deleteCollection calls do (pods gracefully, their owners' dependents by
    the garbage collector), the status conditions say what remains, and once nothing does the
    `kubernetes` finalizer is removed and the namespace goes (the namespace store deletes a finalized
    namespace whose deletionTimestamp is set). While content remains it is looked at again when
    something in it goes away, and after half the estimate plus a second (the estimate: the longest pod
    grace period left), as syncNamespaceFromKey requeues a ResourcesRemainingError."""

    name = "namespace"

    def register(self) -> None:
        informers = self.ctx.informers
        informers.add_handler(NAMESPACES, self._on_namespace)
        for res in RESOURCES:
            if res.namespaced:
                informers.add_handler(res, self._on_namespaced)

    def _on_namespace(self, change: Change) -> None:
        if change.type != DELETED and is_terminating(change.obj):
            self.queue.add_after(("", change.key[1]), self.ctx.namespace_deletion_seconds)

    def _on_namespaced(self, change: Change) -> None:
        if change.type != DELETED:
            return
        ns = self.ctx.store.peek(NAMESPACES, "", change.key[0])
        if ns is not None and is_terminating(ns) and _conditions_written(ns):
            self.queue.add(("", change.key[0]))

    async def sync(self, key: Key) -> None:
        ns = self.ctx.store.peek(NAMESPACES, "", key[1])
        if ns is None or not is_terminating(ns):
            return
        name = key[1]
        remaining: dict[str, int] = {}
        longest_grace = 0
        for res in RESOURCES:
            if not res.namespaced or res.group == "events.k8s.io":
                continue
            for obj_key in list(self.ctx.informers.indexer(res).keys(name)):
                obj = self.ctx.store.peek(res, *obj_key)
                if obj is None:
                    continue
                if not is_terminating(obj):
                    try:
                        self.ctx.registry.delete(res, name, obj_key[1])
                    except ApiError:
                        pass  # gone meanwhile: what counts is what is left below
                left = self.ctx.store.peek(res, *obj_key)
                if left is not None:
                    remaining[res.plural + "." + res.group] = remaining.get(res.plural + "." + res.group, 0) + 1
                    longest_grace = max(longest_grace, int(left["metadata"].get("deletionGracePeriodSeconds") or 0))
                await self.ctx.checkpoint()
        ns = self.ctx.store.peek(NAMESPACES, "", name)
        if ns is None:
            return
        if remaining:
            self._write_conditions(ns, remaining)
            self.queue.add_after(("", name), float(longest_grace // 2 + 1))  # syncNamespaceFromKey: estimate/2 + 1 s
            return
        self._write_conditions(ns, remaining)
        self.ctx.registry.remove(NAMESPACES, "", name)

    def _write_conditions(self, ns: Obj, remaining: dict[str, int]) -> None:
        """namespaceConditionUpdater.Update: the five conditions, each in its failing form or its ok form."""
        now = self.ctx.clock.rfc3339()
        old = {c.get("type"): c for c in (ns.get("status") or {}).get("conditions") or []}
        conditions = []
        for kind, reason, message in CONDITION_TYPES:
            status = "False"
            if kind == "NamespaceContentRemaining" and remaining:
                status, reason = "True", "SomeResourcesRemain"
                message = "Some resources are remaining: " + ", ".join(sorted(f"{gvr} has {count} resource instances" for gvr, count in remaining.items()))
            before = old.get(kind)
            changed_status = before is None or before.get("status") != status
            conditions.append({"type": kind, "status": status, "lastTransitionTime": now if changed_status else before.get("lastTransitionTime", now), "reason": reason, "message": message})
        status_obj = {**(ns.get("status") or {}), "phase": "Terminating", "conditions": conditions}
        self.ctx.set_status(NAMESPACES, ns, status_obj)


def _conditions_written(ns: Obj) -> bool:
    """Has the deleter run for this namespace yet (its grace period over)?"""
    return bool((ns.get("status") or {}).get("conditions"))


class GarbageCollector(Controller):
    name = "garbagecollector"

    def register(self) -> None:
        informers = self.ctx.informers
        for res in RESOURCES:
            indexer = informers.indexer(res)
            indexer.add_index(UID, by_uid)
            indexer.add_index(OWNERS, by_owners)
            informers.add_handler(res, self._on_change)

    def _on_change(self, change: Change) -> None:
        obj = change.obj
        if change.type == DELETED:
            uid = obj["metadata"].get("uid")
            if uid:
                for res in RESOURCES:
                    for key in sorted(self.ctx.informers.indexer(res).by_index(OWNERS, uid)):
                        self.queue.add((res.key, *key))  # type: ignore[arg-type]
            return
        owners = by_owners(obj)
        if owners and (change.prior is None or change.prior.values.get(OWNERS) != tuple(dict.fromkeys(owners))):
            self.queue.add((change.resource.key, *change.key))  # type: ignore[arg-type]

    def _exists(self, uid: str) -> bool:
        return any(self.ctx.informers.indexer(res).count(UID, uid) for res in RESOURCES)

    async def sync(self, key: Any) -> None:
        res_key, namespace, name = key
        res: Resource = _BY_KEY[res_key]
        obj = self.ctx.store.peek(res, namespace, name)
        if obj is None:
            return
        owners = by_owners(obj)
        if not owners or any(self._exists(uid) for uid in owners):
            return
        if res is PODS:
            if not is_terminating(obj):
                self.ctx.registry.delete(PODS, namespace, name)
        else:
            self.ctx.registry.remove(res, namespace, name)
