"""Namespace lifecycle: a Terminating namespace loses its contents, then goes. Plus the garbage
collector: dependents whose controlling owner is gone are deleted (background propagation)."""

from __future__ import annotations

from svclab.controllers.base import NAMESPACES, PODS, Context, Obj, is_terminating
from svclab.resources import RESOURCES


class NamespaceController:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def sync(self) -> None:
        for ns in list(self.ctx.store.items(NAMESPACES)):
            if is_terminating(ns):
                self._drain(ns)

    def _drain(self, ns: Obj) -> None:
        name = ns["metadata"]["name"]
        remaining = 0
        for res in RESOURCES:
            if not res.namespaced or res.group == "events.k8s.io":
                continue
            for obj in list(self.ctx.store.items(res, name)):
                if res is PODS:
                    if not is_terminating(obj):
                        self.ctx.registry.delete(PODS, name, obj["metadata"]["name"])
                    remaining += 1 if self.ctx.store.peek(PODS, name, obj["metadata"]["name"]) else 0
                else:
                    self.ctx.registry.remove(res, name, obj["metadata"]["name"])
        if remaining == 0:
            self.ctx.registry.remove(NAMESPACES, "", name)


class GarbageCollector:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def sync(self) -> None:
        uids = {obj["metadata"]["uid"] for res in RESOURCES for obj in self.ctx.store.items(res)}
        for res in RESOURCES:
            for obj in list(self.ctx.store.items(res)):
                refs = obj["metadata"].get("ownerReferences") or []
                if refs and all(ref.get("uid") not in uids for ref in refs):
                    meta = obj["metadata"]
                    if res is PODS:
                        if not is_terminating(obj):
                            self.ctx.registry.delete(PODS, meta.get("namespace", ""), meta["name"])
                    else:
                        self.ctx.registry.remove(res, meta.get("namespace", ""), meta["name"])
