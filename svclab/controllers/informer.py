"""Informers: one subscription to the store feeds an Indexer per watched resource and the event
handlers controllers register, like client-go's SharedInformerFactory (tools/cache).

Start-up is a full resync, as a controller manager restart is: every object already stored is
indexed and handed to the handlers as a SYNC change, so each controller queues what it must look
at. After that each store event updates the index and then calls the handlers with the new object
and what the index held before (`Prior`), so an update handler can tell what changed.

A handler only enqueues keys. It must never fail the write that fired it: exceptions are logged
and swallowed here (utilruntime.HandleError), whatever the object holds.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Callable

from svclab.resources import RESOURCES, Resource
from svclab.state.index import Indexer, Key, object_key
from svclab.state.store import Store, WatchEvent

Obj = dict[str, Any]
log = logging.getLogger("svclab.controllers")

SYNC = "SYNC"
ADDED = "ADDED"
MODIFIED = "MODIFIED"
DELETED = "DELETED"


@dataclass(frozen=True)
class Prior:
    """What the index knew of an object before this change."""

    labels: dict[str, str]
    values: dict[str, tuple[str, ...]] = field(default_factory=dict)
    projections: dict[str, Any] = field(default_factory=dict)

    def value(self, index: str) -> str | None:
        found = self.values.get(index) or ()
        return found[0] if found else None


@dataclass(frozen=True)
class Change:
    type: str  # SYNC (initial list or resync), ADDED, MODIFIED, DELETED
    resource: Resource
    obj: Obj  # the object now (for DELETED: as it was deleted); read it, never change it
    prior: Prior | None

    @property
    def key(self) -> Key:
        return object_key(self.obj)


Handler = Callable[[Change], None]

_BY_KEY = {res.key: res for res in RESOURCES}


class Informers:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._indexers: dict[str, Indexer] = {}
        self._handlers: dict[str, list[Handler]] = {}
        self._order: list[Resource] = []
        self._started = False

    def indexer(self, res: Resource) -> Indexer:
        found = self._indexers.get(res.key)
        if found is None:
            found = self._indexers[res.key] = Indexer(res.key)
            self._order.append(res)
        return found

    def add_handler(self, res: Resource, handler: Handler) -> None:
        self.indexer(res)
        self._handlers.setdefault(res.key, []).append(handler)

    def start(self) -> None:
        """List every watched resource into its index, subscribe, and hand each object to the handlers."""
        if self._started:
            return
        self._started = True
        for res in self._order:
            indexer = self._indexers[res.key]
            for obj in self.store.items(res):
                self._guard(indexer.upsert, obj)
        self.store.subscribe(self._on_event)
        self.resync()

    def resync(self, only: Resource | None = None) -> None:
        """Hand every indexed object to the handlers again (a resync: level-triggered catch-up)."""
        for res in self._order:
            if only is not None and res.key != only.key:
                continue
            handlers = self._handlers.get(res.key) or []
            if not handlers:
                continue
            for key in self._indexers[res.key].keys():
                obj = self.store.peek(res, key[0], key[1])
                if obj is not None:
                    self._dispatch(handlers, Change(SYNC, res, obj, None))

    def _on_event(self, event: WatchEvent) -> None:
        indexer = self._indexers.get(event.resource_key)
        if indexer is None or event.type not in (ADDED, MODIFIED, DELETED):
            return
        res = _BY_KEY[event.resource_key]
        key = object_key(event.obj)
        prior = self._prior(indexer, key)
        if event.type == DELETED:
            indexer.delete(key)
        else:
            self._guard(indexer.upsert, event.obj)
        self._dispatch(self._handlers.get(event.resource_key) or [], Change(event.type, res, event.obj, prior))

    @staticmethod
    def _prior(indexer: Indexer, key: Key) -> Prior | None:
        recorded = indexer.recorded(key)
        if recorded is None:
            return None
        labels, values, projections = recorded
        return Prior(labels, values, projections)

    @staticmethod
    def _dispatch(handlers: list[Handler], change: Change) -> None:
        for handler in handlers:
            try:
                handler(change)
            except Exception:  # a handler must never fail the write that fired it
                log.exception("event handler failed on %s %s/%s", change.resource.kind, *change.key)

    @staticmethod
    def _guard(func: Callable[[Obj], None], obj: Obj) -> None:
        try:
            func(obj)
        except Exception:
            log.exception("indexing failed on %s", object_key(obj))
