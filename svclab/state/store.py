"""The object store: objects by resource, namespace and name; resourceVersions; watch streams.

It knows nothing of HTTP or of controllers. Every write bumps one cluster-wide resourceVersion
(as etcd's revision does), fires the watch events, and tells subscribers (the controller manager).
"""

from __future__ import annotations

import asyncio
import copy
import json
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from svclab.resources import RESOURCES, Resource
from svclab.state.selectors import FieldRequirement, Requirement, fields_match, labels_match

HISTORY_LENGTH = 20000

Obj = dict[str, Any]


@dataclass
class WatchEvent:
    type: str  # ADDED, MODIFIED, DELETED, BOOKMARK
    resource_key: str
    obj: Obj
    rv: int


@dataclass
class Watcher:
    resource: Resource
    namespace: str | None
    labels: list[Requirement]
    fields: list[FieldRequirement]
    queue: asyncio.Queue[WatchEvent | None] = field(default_factory=asyncio.Queue)

    def wants(self, event: WatchEvent) -> bool:
        if event.resource_key != self.resource.key:
            return False
        meta = event.obj.get("metadata", {})
        if self.namespace is not None and meta.get("namespace") != self.namespace:
            return False
        return labels_match(self.labels, meta.get("labels")) and fields_match(self.fields, event.obj)


class TooOldResourceVersion(Exception):
    """The requested resourceVersion is older than the watch history."""


def _has_spec_change(old: Obj, new: Obj) -> bool:
    return any(old.get(k) != new.get(k) for k in ("spec", "data", "template", "endpoints", "ports", "subsets"))


class Store:
    def __init__(self, now: Callable[[], str]) -> None:
        self._now = now
        self._objects: dict[str, dict[tuple[str, str], Obj]] = {res.key: {} for res in RESOURCES}
        self._rv = 0
        self._history: deque[WatchEvent] = deque(maxlen=HISTORY_LENGTH)
        self._watchers: list[Watcher] = []
        self._subscribers: list[Callable[[WatchEvent], None]] = []

    # ---- reads -------------------------------------------------------------------------------
    @property
    def resource_version(self) -> int:
        return self._rv

    def get(self, res: Resource, namespace: str, name: str) -> Obj | None:
        obj = self._objects[res.key].get((namespace if res.namespaced else "", name))
        return copy.deepcopy(obj) if obj is not None else None

    def peek(self, res: Resource, namespace: str, name: str) -> Obj | None:
        """The stored object itself (no copy): for read-only use by controllers and DNS."""
        return self._objects[res.key].get((namespace if res.namespaced else "", name))

    def items(self, res: Resource, namespace: str | None = None) -> Iterable[Obj]:
        """Stored objects (no copies), sorted by namespace and name, for read-only use."""
        bucket = self._objects[res.key]
        for key in sorted(bucket):
            if namespace is None or key[0] == namespace:
                yield bucket[key]

    def list(
        self,
        res: Resource,
        namespace: str | None = None,
        labels: list[Requirement] | None = None,
        fields: list[FieldRequirement] | None = None,
    ) -> list[Obj]:
        return [
            copy.deepcopy(obj)
            for obj in self.items(res, namespace)
            if labels_match(labels or [], obj["metadata"].get("labels")) and fields_match(fields or [], obj)
        ]

    # ---- writes ------------------------------------------------------------------------------
    def _key(self, res: Resource, obj: Obj) -> tuple[str, str]:
        meta = obj["metadata"]
        return (meta.get("namespace", "") if res.namespaced else "", meta["name"])

    def create(self, res: Resource, obj: Obj) -> Obj:
        obj = copy.deepcopy(obj)
        meta = obj.setdefault("metadata", {})
        if not res.namespaced:
            meta.pop("namespace", None)
        meta["uid"] = meta.get("uid") or str(uuid.UUID(int=self._next_uid_int()))
        meta["creationTimestamp"] = meta.get("creationTimestamp") or self._now()
        if "spec" in obj or res.kind in ("Pod",):
            meta["generation"] = 1
        obj["apiVersion"], obj["kind"] = res.api_version, res.kind
        return self._commit("ADDED", res, obj)

    def update(self, res: Resource, obj: Obj) -> Obj:
        obj = copy.deepcopy(obj)
        key = self._key(res, obj)
        old = self._objects[res.key][key]
        meta = obj["metadata"]
        for immutable in ("uid", "creationTimestamp", "namespace", "name"):
            if immutable in old["metadata"]:
                meta[immutable] = old["metadata"][immutable]
        if "generation" in old["metadata"]:
            meta["generation"] = old["metadata"]["generation"] + (1 if _has_spec_change(old, obj) else 0)
        obj["apiVersion"], obj["kind"] = res.api_version, res.kind
        if self._same(old, obj):
            return copy.deepcopy(old)
        return self._commit("MODIFIED", res, obj)

    def delete(self, res: Resource, namespace: str, name: str) -> Obj | None:
        key = (namespace if res.namespaced else "", name)
        obj = self._objects[res.key].pop(key, None)
        if obj is None:
            return None
        self._rv += 1
        obj = copy.deepcopy(obj)
        obj["metadata"]["resourceVersion"] = str(self._rv)
        self._emit(WatchEvent("DELETED", res.key, obj, self._rv))
        return copy.deepcopy(obj)

    def _same(self, old: Obj, new: Obj) -> bool:
        stripped = {**new, "metadata": {**new["metadata"], "resourceVersion": old["metadata"].get("resourceVersion")}}
        return json.dumps(old, sort_keys=True) == json.dumps(stripped, sort_keys=True)

    def _commit(self, kind: str, res: Resource, obj: Obj) -> Obj:
        self._rv += 1
        obj["metadata"]["resourceVersion"] = str(self._rv)
        self._objects[res.key][self._key(res, obj)] = obj
        self._emit(WatchEvent(kind, res.key, copy.deepcopy(obj), self._rv))
        return copy.deepcopy(obj)

    _uid_counter = 0

    def _next_uid_int(self) -> int:
        # uids are random-looking but repeatable: derived from a counter and a fixed salt
        self._uid_counter += 1
        return (self._uid_counter * 0x9E3779B97F4A7C15F39CC0605CEDC835) & ((1 << 128) - 1) | (4 << 76)

    # ---- watch -------------------------------------------------------------------------------
    def _emit(self, event: WatchEvent) -> None:
        self._history.append(event)
        for watcher in list(self._watchers):
            if watcher.wants(event):
                watcher.queue.put_nowait(event)
        for subscriber in list(self._subscribers):
            subscriber(event)

    def subscribe(self, callback: Callable[[WatchEvent], None]) -> None:
        self._subscribers.append(callback)

    def watch(
        self,
        res: Resource,
        namespace: str | None,
        labels: list[Requirement],
        fields: list[FieldRequirement],
        since: int | None,
    ) -> Watcher:
        """Register a watcher; replay history after `since` (a resourceVersion) when given."""
        watcher = Watcher(res, namespace, labels, fields)
        if since is not None and since < self._rv:
            oldest = self._history[0].rv if self._history else self._rv + 1
            if since + 1 < oldest:
                raise TooOldResourceVersion(str(since))
            for event in self._history:
                if event.rv > since and watcher.wants(event):
                    watcher.queue.put_nowait(event)
        self._watchers.append(watcher)
        return watcher

    def unwatch(self, watcher: Watcher) -> None:
        if watcher in self._watchers:
            self._watchers.remove(watcher)

    def close_watchers(self) -> None:
        for watcher in self._watchers:
            watcher.queue.put_nowait(None)
        self._watchers.clear()

    # ---- persistence -------------------------------------------------------------------------
    def snapshot(self) -> Obj:
        return {"resourceVersion": self._rv, "uidCounter": self._uid_counter, "objects": {k: list(v.values()) for k, v in self._objects.items() if v}}

    def restore(self, snap: Obj) -> None:
        self._rv = int(snap["resourceVersion"])
        self._uid_counter = int(snap.get("uidCounter", 0))
        by_key = {res.key: res for res in RESOURCES}
        for key, objs in snap["objects"].items():
            res = by_key.get(key)
            if res is None:
                continue
            for obj in objs:
                self._objects[key][self._key(res, obj)] = obj
