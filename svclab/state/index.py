"""Indexes over the objects of one resource, as client-go's cache.Indexer keeps them for listers.

An `Indexer` holds, per object key (namespace, name), the values its index functions gave the last
time it was seen, and the inverted maps value -> keys. It holds no copies of the objects: readers
take them from the store (`Store.peek`), so an index costs a few small sets per object. It is fed
by whoever watches the store (svclab.controllers.informer) from an initial list plus every event,
so a lookup costs what it returns, not what the cluster holds.

Built-in indexes: `namespace` and `labels`, from which `select` answers a label selector. Other
index functions used for pods and owners are below (`controller`, `node`, `uid`).
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from svclab.state.selectors import Requirement, labels_match

Obj = dict[str, Any]
Key = tuple[str, str]
IndexFunc = Callable[[Obj], Iterable[str]]

NAMESPACE = "namespace"
LABELS = "labels"
CONTROLLER = "controller"
NODE = "node"
UID = "uid"


def object_key(obj: Obj) -> Key:
    meta = obj.get("metadata") or {}
    return (meta.get("namespace") or "", meta.get("name") or "")


def by_labels(obj: Obj) -> list[str]:
    """`<namespace>/<key>=<value>` for each label: what a selector's equality terms look up."""
    meta = obj.get("metadata") or {}
    ns = meta.get("namespace") or ""
    return [f"{ns}/{k}={v}" for k, v in (meta.get("labels") or {}).items()]


def by_controller(obj: Obj) -> list[str]:
    """The uid of the object's controlling owner (metav1.GetControllerOf)."""
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("controller") and ref.get("uid"):
            return [str(ref["uid"])]
    return []


def by_node(obj: Obj) -> list[str]:
    """controller.PodNodeNameKeyIndex: the node a pod is bound to."""
    node = (obj.get("spec") or {}).get("nodeName")
    return [node] if node else []


def by_uid(obj: Obj) -> list[str]:
    uid = (obj.get("metadata") or {}).get("uid")
    return [uid] if uid else []


class Indexer:
    def __init__(self, resource_key: str, index_funcs: dict[str, IndexFunc] | None = None) -> None:
        self.resource_key = resource_key
        self._funcs: dict[str, IndexFunc] = {NAMESPACE: lambda obj: [object_key(obj)[0]], LABELS: by_labels}
        self._funcs.update(index_funcs or {})
        self._values: dict[Key, dict[str, tuple[str, ...]]] = {}
        self._labels: dict[Key, dict[str, str]] = {}
        self._inverted: dict[str, dict[str, set[Key]]] = {name: {} for name in self._funcs}
        self._projection_funcs: dict[str, Callable[[Obj], Any]] = {}
        self._projections: dict[Key, dict[str, Any]] = {}

    def add_index(self, name: str, func: IndexFunc) -> None:
        """Add an index function (before objects arrive, as cache.Indexer.AddIndexers requires)."""
        if name in self._funcs:
            return
        if self._values:
            raise RuntimeError(f"index {name!r} added to {self.resource_key} after objects arrived")
        self._funcs[name] = func
        self._inverted[name] = {}

    def add_projection(self, name: str, func: Callable[[Obj], Any]) -> None:
        """Keep `func(obj)` per key (not inverted): what a handler compares an update against."""
        if name in self._projection_funcs:
            return
        if self._values:
            raise RuntimeError(f"projection {name!r} added to {self.resource_key} after objects arrived")
        self._projection_funcs[name] = func

    # ---- writes ------------------------------------------------------------------------------
    def upsert(self, obj: Obj) -> None:
        key = object_key(obj)
        self._drop(key)
        values = {name: tuple(dict.fromkeys(func(obj))) for name, func in self._funcs.items()}
        self._values[key] = values
        self._labels[key] = dict((obj.get("metadata") or {}).get("labels") or {})
        if self._projection_funcs:
            self._projections[key] = {name: func(obj) for name, func in self._projection_funcs.items()}
        for name, found in values.items():
            inverted = self._inverted[name]
            for value in found:
                inverted.setdefault(value, set()).add(key)

    def delete(self, key: Key) -> None:
        self._drop(key)

    def _drop(self, key: Key) -> None:
        old = self._values.pop(key, None)
        self._labels.pop(key, None)
        self._projections.pop(key, None)
        if old is None:
            return
        for name, found in old.items():
            inverted = self._inverted[name]
            for value in found:
                keys = inverted.get(value)
                if keys is not None:
                    keys.discard(key)
                    if not keys:
                        del inverted[value]

    # ---- reads -------------------------------------------------------------------------------
    def __contains__(self, key: object) -> bool:
        return key in self._values

    def __len__(self) -> int:
        return len(self._values)

    def keys(self, namespace: str | None = None) -> list[Key]:
        """Keys in (namespace, name) order, like a lister's List."""
        if namespace is None:
            return sorted(self._values)
        return sorted(self._inverted[NAMESPACE].get(namespace, ()))

    def by_index(self, name: str, value: str) -> set[Key]:
        return set(self._inverted[name].get(value, ()))

    def count(self, name: str, value: str) -> int:
        return len(self._inverted[name].get(value, ()))

    def values(self, key: Key, name: str) -> tuple[str, ...]:
        """What index `name` recorded for `key` when it was last seen (empty if unknown)."""
        return (self._values.get(key) or {}).get(name, ())

    def labels(self, key: Key) -> dict[str, str]:
        return self._labels.get(key, {})

    def projection(self, key: Key, name: str) -> Any:
        return (self._projections.get(key) or {}).get(name)

    def projected(self, keys: Iterable[Key], name: str) -> list[tuple[Key, Any]]:
        """(key, projection `name`) for each known key, in one pass (for counting many objects)."""
        found = self._projections
        return [(key, entry.get(name)) for key in keys if (entry := found.get(key)) is not None]

    def labels_match_all(self, keys: Iterable[Key], wanted: dict[str, str]) -> int:
        """How many of `keys` carry every label in `wanted`."""
        items = wanted.items()
        labels = self._labels
        return sum(1 for key in keys if items <= labels.get(key, {}).items())

    def recorded(self, key: Key) -> tuple[dict[str, str], dict[str, tuple[str, ...]], dict[str, Any]] | None:
        """(labels, index values, projections) last recorded for `key`; None if unknown."""
        if key not in self._values:
            return None
        return dict(self._labels.get(key) or {}), dict(self._values[key]), dict(self._projections.get(key) or {})

    def select(self, namespace: str, requirements: list[Requirement], within: set[Key] | None = None) -> list[Key]:
        """Keys in `namespace` (and in `within`, when given) whose labels meet every requirement.

        Equality terms narrow the candidates through the `labels` index, smallest set first (set
        intersection costs the smaller side); the other terms are checked on the survivors.
        """
        sets: list[set[Key]] = [] if within is None else [within]
        equal = [r for r in requirements if r.op == "=" and r.values]
        for requirement in equal:
            sets.append(self._inverted[LABELS].get(f"{namespace}/{requirement.key}={requirement.values[0]}", set()))
        if not sets:
            sets.append(self._inverted[NAMESPACE].get(namespace, set()))
        sets.sort(key=len)
        candidates = set(sets[0])
        for other in sets[1:]:
            if not candidates:
                break
            candidates &= other
        if within is not None and not equal:
            candidates = {key for key in candidates if key[0] == namespace}
        rest = [r for r in requirements if r not in equal]
        return sorted(key for key in candidates if labels_match(rest, self._labels.get(key)))
