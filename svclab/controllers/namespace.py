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
from svclab.controllers.informer import DELETED, Change
from svclab.resources import RESOURCES, Resource
from svclab.state.index import UID, Key, by_uid

OWNERS = "owners"
_BY_KEY = {res.key: res for res in RESOURCES}


def by_owners(obj: Obj) -> list[str]:
    return [str(ref["uid"]) for ref in (obj.get("metadata") or {}).get("ownerReferences") or [] if ref.get("uid")]


class NamespaceController(Controller):
    name = "namespace"

    def register(self) -> None:
        informers = self.ctx.informers
        informers.add_handler(NAMESPACES, lambda change: self.queue.add(("", change.key[1])))
        for res in RESOURCES:
            if res.namespaced:
                informers.add_handler(res, self._on_namespaced)

    def _on_namespaced(self, change: Change) -> None:
        if change.type != DELETED:
            return
        ns = self.ctx.store.peek(NAMESPACES, "", change.key[0])
        if ns is not None and is_terminating(ns):
            self.queue.add(("", change.key[0]))

    async def sync(self, key: Key) -> None:
        ns = self.ctx.store.peek(NAMESPACES, "", key[1])
        if ns is None or not is_terminating(ns):
            return
        name = key[1]
        remaining = 0
        for res in RESOURCES:
            if not res.namespaced or res.group == "events.k8s.io":
                continue
            for obj_key in self.ctx.informers.indexer(res).keys(name):
                obj = self.ctx.store.peek(res, *obj_key)
                if obj is None:
                    continue
                if res is PODS:
                    if not is_terminating(obj):
                        self.ctx.registry.delete(PODS, name, obj_key[1])
                    remaining += 1 if self.ctx.store.peek(PODS, name, obj_key[1]) else 0
                else:
                    self.ctx.registry.remove(res, name, obj_key[1])
                await self.ctx.checkpoint()
        if remaining == 0:
            self.ctx.registry.remove(NAMESPACES, "", name)


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
