"""The object store: objects by resource, namespace and name; resourceVersions; watch streams.

It knows nothing of HTTP or of controllers. Every write bumps one cluster-wide resourceVersion
(as etcd's revision does), is committed to the revision log (`svclab.state.sqlite_log`, one SQLite
transaction) before it returns, then fires the watch events and tells subscribers (the controllers).
Reads are served from an in-memory copy of the current objects; the watch history comes from the log.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import sqlite3
from contextlib import contextmanager
from typing import Any, Callable, Iterable, Iterator

from svclab.records import MutableRecord
from svclab.resources import RESOURCES, Resource
from svclab.state.selectors import FieldRequirement, Requirement, fields_match, labels_match
from svclab.state.sqlite_log import Row, SqliteLog, UnreadableState, encode, key_name, split_name

HISTORY_LENGTH = 20000  # revisions a watch can start from (older ones are compacted away)
COMPACT_EVERY = 1000  # compaction runs after every this many revisions

log = logging.getLogger("svclab.store")

Obj = dict[str, Any]


class WatchEvent(MutableRecord):
    """One change of one object, as watchers and subscribers get it. (Written out, equal when the fields are, as the
    dataclass it was: a dataclass's generated methods cost every cluster's start their compilation.)"""

    __slots__ = _fields = ("type", "resource_key", "obj", "rv")

    def __init__(self, type: str, resource_key: str, obj: Obj, rv: int) -> None:
        self.type = type  # ADDED, MODIFIED, DELETED, BOOKMARK
        self.resource_key = resource_key
        self.obj = obj
        self.rv = rv


class Watcher:
    """One watch request: what it selects, and the queue its events go to (written out, as WatchEvent is; watchers are
    told apart by identity, as `unwatch` does)."""

    def __init__(self, resource: Resource, namespace: str | None, labels: list[Requirement], fields: list[FieldRequirement],
                 queue: "asyncio.Queue[WatchEvent | None] | None" = None) -> None:
        self.resource = resource
        self.namespace = namespace
        self.labels = labels
        self.fields = fields
        self.queue: asyncio.Queue[WatchEvent | None] = asyncio.Queue() if queue is None else queue

    def wants(self, event: WatchEvent) -> bool:
        if event.resource_key != self.resource.key:
            return False
        meta = event.obj.get("metadata", {})
        if self.namespace is not None and meta.get("namespace") != self.namespace:
            return False
        return labels_match(self.labels, meta.get("labels")) and fields_match(self.fields, event.obj)


class TooOldResourceVersion(Exception):
    """The requested resourceVersion is older than the watch history."""


class StoreWriteFailed(Exception):
    """The revision log refused a write (disk full, I/O error): nothing changed."""


_ATOMS = frozenset({str, int, float, bool, type(None)})


def clone(value: Any) -> Any:
    """A deep copy of a JSON-shaped object, what `copy.deepcopy` makes of it at a third of the cost: dicts and lists
    are copied, strings, numbers, booleans and None are shared (immutable); anything else goes to `copy.deepcopy`.
    Unlike deepcopy it does not keep two references to one dict as one in the copy: stored objects are trees (each
    is written out as JSON), so the copy holds the same values."""
    kind = type(value)
    if kind is dict:
        return {key: item if type(item) in _ATOMS else clone(item) for key, item in value.items()}
    if kind is list:
        return [item if type(item) in _ATOMS else clone(item) for item in value]
    if kind in _ATOMS:
        return value
    return copy.deepcopy(value)


def _has_spec_change(old: Obj, new: Obj) -> bool:
    return any(old.get(k) != new.get(k) for k in ("spec", "data", "template", "endpoints", "ports", "subsets"))


class Store:
    def __init__(self, now: Callable[[], str], revisions: SqliteLog | None = None) -> None:
        self._now = now
        self._objects: dict[str, dict[tuple[str, str], Obj]] = {res.key: {} for res in RESOURCES}
        self._created_at: dict[tuple[str, str, str], int] = {}
        self._rv = 0
        self._uid_counter = 0
        self._watchers: list[Watcher] = []
        self._subscribers: list[Callable[[WatchEvent], None]] = []
        self._log = revisions if revisions is not None else SqliteLog.memory()
        self._synced = 0  # every revision up to this one is on disk
        self._syncing: asyncio.Future[None] | None = None
        self._load()

    # ---- the revision log ----------------------------------------------------------------------
    def open(self, revisions: SqliteLog) -> None:
        """Serve from a state database: its objects become the store's. Only before the first write."""
        if self._rv:
            raise RuntimeError("the store has been written to; it cannot switch to another state database")
        previous = self._log
        self._log = revisions
        try:
            self._load()
        except BaseException:
            self._log = previous
            raise
        previous.close()

    def close(self) -> None:
        self._log.close()

    async def durable(self) -> None:
        """Return once every write committed so far is on disk (before a write is acknowledged).
        One fsync, off the event loop, serves every write committed before it started."""
        target = self._rv
        while self._synced < target:
            if self._syncing is None:
                if not self._log.unsynced:  # the last sync began after every commit so far, and is done
                    self._synced = target
                    return
                self._syncing = asyncio.ensure_future(self._sync_once())
            await asyncio.shield(self._syncing)

    async def _sync_once(self) -> None:
        upto = self._rv
        try:
            await asyncio.to_thread(self._log.sync)
            self._synced = max(self._synced, upto)
        finally:
            self._syncing = None

    @property
    def restored(self) -> bool:
        """Did the store start from an existing state (not empty)?"""
        return self._rv > 0

    def _load(self) -> None:
        by_key = {res.key: res for res in RESOURCES}
        objects: dict[str, dict[tuple[str, str], Obj]] = {res.key: {} for res in RESOURCES}
        created_at: dict[tuple[str, str, str], int] = {}
        where = str(self._log.path or ":memory:")
        for row in self._log.current():
            resource_key, namespace, name = split_name(row.name)
            if resource_key not in by_key:
                log.warning("state %s holds %s of a kind this svclab does not serve; left alone", where, row.name)
                continue
            try:
                obj = json.loads(row.value)
            except ValueError:
                obj = None
            if not isinstance(obj, dict) or not isinstance(obj.get("metadata"), dict):
                raise UnreadableState(where, f"revision {row.revision} ({row.name}) is not an object")
            objects[resource_key][(namespace, name)] = obj
            created_at[(resource_key, namespace, name)] = row.create_revision
        meta = self._log.meta()
        try:
            uid_counter = int(meta.get("uid_counter", "0"))
            rv = self._log.last_revision()
        except (ValueError, sqlite3.Error) as exc:
            raise UnreadableState(where, str(exc)) from None
        self._objects, self._created_at, self._rv, self._uid_counter = objects, created_at, rv, uid_counter

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Writes inside share one transaction, committed together at the end (a fresh cluster's
        bootstrap). A failure rolls the log back but not the objects in memory: start-up only."""
        with self._log.transaction():
            yield

    @property
    def imported_from(self) -> str:
        """The older snapshot this state was imported from ("" when none)."""
        return self._log.meta().get("imported_from", "")

    def diverged(self) -> list[str]:
        """The names whose object in memory is not the revision the log holds for them. Reads, watchers and
        subscribers share the stored objects (no copies), so code that changed one in place would show here; the
        test suite asks every cluster it stops (`EmbeddedCluster.stop` with ``SVCLAB_VERIFY_STORE=1``)."""
        held: dict[tuple[str, str, str], Obj] = {}
        for row in self._log.current():
            resource_key, namespace, name = split_name(row.name)
            if resource_key in self._objects:
                held[(resource_key, namespace, name)] = json.loads(row.value)
        found = []
        for resource_key, bucket in self._objects.items():
            for (namespace, name), obj in bucket.items():
                if held.pop((resource_key, namespace, name), None) != obj:
                    found.append(key_name(resource_key, namespace, name))
        return sorted(found + [key_name(*key) for key in held])

    # ---- reads ---------------------------------------------------------------------------------
    @property
    def resource_version(self) -> int:
        return self._rv

    def get(self, res: Resource, namespace: str, name: str) -> Obj | None:
        obj = self._objects[res.key].get((namespace if res.namespaced else "", name))
        return clone(obj) if obj is not None else None

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
            clone(obj)
            for obj in self.items(res, namespace)
            if labels_match(labels or [], obj["metadata"].get("labels")) and fields_match(fields or [], obj)
        ]

    def items_at(self, res: Resource, namespace: str | None, revision: int) -> list[Obj]:
        """The stored objects (no copies) as they were at ``revision``; `TooOldResourceVersion` when
        compaction has passed it. The newest revision is served from memory, older ones from the log."""
        if revision >= self._rv:
            return list(self.items(res, namespace))
        if revision < self._log.compact_revision():
            raise TooOldResourceVersion(str(revision))
        prefix = f"/registry/{res.key}/" + (f"{namespace}/" if namespace is not None and res.namespaced else "")
        return [json.loads(value) for _, value in self._log.at_revision(revision, prefix)]

    # ---- writes ------------------------------------------------------------------------------
    def _key(self, res: Resource, obj: Obj) -> tuple[str, str]:
        meta = obj["metadata"]
        return (meta.get("namespace", "") if res.namespaced else "", meta["name"])

    def create(self, res: Resource, obj: Obj) -> Obj:
        obj = clone(obj)
        meta = obj.setdefault("metadata", {})
        if not res.namespaced:
            meta.pop("namespace", None)
        meta["uid"] = meta.get("uid") or _uuid_text(self._next_uid_int())
        meta["creationTimestamp"] = meta.get("creationTimestamp") or self._now()
        if "spec" in obj or res.kind in ("Pod",):
            meta["generation"] = 1
        obj["apiVersion"], obj["kind"] = res.api_version, res.kind
        return self._commit("ADDED", res, obj, None)

    def update(self, res: Resource, obj: Obj) -> Obj:
        obj = clone(obj)
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
            return clone(old)
        return self._commit("MODIFIED", res, obj, old)

    def delete(self, res: Resource, namespace: str, name: str) -> Obj | None:
        key = (namespace if res.namespaced else "", name)
        old = self._objects[res.key].get(key)
        if old is None:
            return None
        return self._commit("DELETED", res, clone(old), old)

    def _same(self, old: Obj, new: Obj) -> bool:
        stripped = {**new, "metadata": {**new["metadata"], "resourceVersion": old["metadata"].get("resourceVersion")}}
        if old != stripped:  # unequal values encode unequally (JSON values: no tuples, no NaN): most updates stop here
            return False
        return json.dumps(old, sort_keys=True) == json.dumps(stripped, sort_keys=True)  # equal, yet 1 vs True or 1.0

    def _commit(self, kind: str, res: Resource, obj: Obj, old: Obj | None) -> Obj:
        """Write one revision: the log first (one committed transaction), then the cache and the watchers."""
        rv = self._rv + 1
        obj["metadata"]["resourceVersion"] = str(rv)
        namespace, name = self._key(res, obj)
        full_key = (res.key, namespace, name)
        created, deleted = kind == "ADDED", kind == "DELETED"
        value = encode(obj)
        row = Row(rv, key_name(*full_key), created, deleted, rv if created else self._created_at.get(full_key, rv), value)
        prev = 0 if old is None else _revision_of(old)
        try:
            self._log.append(row, prev, {"uid_counter": str(self._uid_counter)} if created else None)
        except sqlite3.Error as exc:
            log.error("state write failed at revision %d (%s): %s", rv, row.name, exc)
            raise StoreWriteFailed(f"the cluster state could not be written: {exc}") from None
        self._rv = rv
        if deleted:
            del self._objects[res.key][(namespace, name)]
            self._created_at.pop(full_key, None)
        else:
            self._objects[res.key][(namespace, name)] = obj
            if created:
                self._created_at[full_key] = rv
        # watchers and subscribers get the committed object itself: read-only, as the stored objects are (a write
        # stores a new object and never changes a stored one in place), so one decoded copy (the caller's) is enough
        self._emit(WatchEvent(kind, res.key, obj, rv))
        if rv % COMPACT_EVERY == 0 and rv > HISTORY_LENGTH:
            self._compact(rv - HISTORY_LENGTH)
        return json.loads(value)

    def _compact(self, revision: int) -> None:
        try:
            self._log.compact(revision)
        except sqlite3.Error as exc:  # history stays longer; nothing is lost
            log.warning("compaction to revision %d failed: %s", revision, exc)

    def _next_uid_int(self) -> int:
        # uids are random-looking but repeatable: derived from a counter and a fixed salt
        self._uid_counter += 1
        return (self._uid_counter * 0x9E3779B97F4A7C15F39CC0605CEDC835) & ((1 << 128) - 1) | (4 << 76)

    # ---- watch -------------------------------------------------------------------------------
    def _emit(self, event: WatchEvent) -> None:
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
        """Register a watcher; replay the log's history after `since` (a resourceVersion) when given."""
        watcher = Watcher(res, namespace, labels, fields)
        if since is not None and since < self._rv:
            if since < self._log.compact_revision():
                raise TooOldResourceVersion(str(since))
            for row in self._log.after(since, res.key):
                kind = "ADDED" if row.created else "DELETED" if row.deleted else "MODIFIED"
                event = WatchEvent(kind, res.key, json.loads(row.value), row.revision)
                if watcher.wants(event):
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


def _uuid_text(value: int) -> str:
    """``str(uuid.UUID(int=value))`` for a 128-bit value, without the uuid module (it imports `platform`, ~3 ms of the
    cluster's start)."""
    digits = "%032x" % value
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


def _revision_of(obj: Obj) -> int:
    text = str(obj.get("metadata", {}).get("resourceVersion", ""))
    return int(text) if text.isdigit() else 0


def snapshot_rows(snap: Any) -> tuple[list[Row], dict[str, str]]:
    """The revision-log rows and meta of a JSON snapshot an earlier svclab wrote (state.json): each
    object as the create of its resourceVersion, history before the snapshot compacted away.
    ValueError when ``snap`` is not such a snapshot."""
    if not isinstance(snap, dict) or not isinstance(snap.get("objects"), dict):
        raise ValueError("not an svclab state snapshot")
    rv, uid_counter = snap.get("resourceVersion"), snap.get("uidCounter", 0)
    if not isinstance(rv, int) or not isinstance(uid_counter, int):
        raise ValueError("resourceVersion or uidCounter is not a number")
    by_key = {res.key: res for res in RESOURCES}
    rows: dict[int, Row] = {}
    for resource_key, objs in snap["objects"].items():
        res = by_key.get(resource_key)
        if res is None or not isinstance(objs, list):
            raise ValueError(f"unknown resource {resource_key!r}")
        for obj in objs:
            meta = obj.get("metadata") if isinstance(obj, dict) else None
            if not isinstance(meta, dict) or not isinstance(meta.get("name"), str):
                raise ValueError(f"a {resource_key} entry is not an object")
            revision = _revision_of(obj)
            if not 0 < revision <= rv or revision in rows:
                raise ValueError(f"{resource_key} {meta['name']!r} has resourceVersion {meta.get('resourceVersion')!r}")
            namespace = meta.get("namespace", "") if res.namespaced else ""
            rows[revision] = Row(revision, key_name(resource_key, namespace, meta["name"]), True, False, revision, encode(obj))
    meta_values = {"compact_rev": str(rv), "uid_counter": str(uid_counter), "imported_from": "state.json"}
    return [rows[revision] for revision in sorted(rows)], meta_values
