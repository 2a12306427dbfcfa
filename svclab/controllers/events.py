"""The event recorder: core/v1 Events as client-go's recorder writes them.

- The same event again (same source, object, type, reason and message) bumps `count` and
  `lastTimestamp` of the one already written (EventCorrelator's eventLogger, an LRU of 4096).
- A source may write at most 25 events about one object at once, then one per 5 minutes
  (EventSourceObjectSpamFilter, defaultSpamBurst / defaultSpamQPS); the rest are dropped.
- Names are `<object>.<16 hex digits>`, as client-go's `<name>.<UnixNano in hex>`, drawn from the
  cluster's event stream so that seeded clusters repeat.

Source: staging/src/k8s.io/client-go/tools/record/{event.go,events_cache.go}.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING

from svclab.resources import EVENTS

if TYPE_CHECKING:
    from svclab.controllers.base import Context, Obj

LRU_SIZE = 4096
SPAM_BURST = 25
SPAM_QPS = 1.0 / 300.0


class EventRecorder:
    def __init__(self, ctx: "Context") -> None:
        self.ctx = ctx
        self._seen: OrderedDict[tuple[str, ...], tuple[str, str]] = OrderedDict()
        self._buckets: OrderedDict[tuple[str, ...], tuple[float, float]] = OrderedDict()

    def record(self, obj: "Obj", event_type: str, reason: str, message: str, component: str, host: str = "", field_path: str = "") -> None:
        meta = obj["metadata"]
        namespace = meta.get("namespace") or "default"
        involved = {
            "kind": obj.get("kind", ""),
            "namespace": meta.get("namespace", ""),
            "name": meta["name"],
            "uid": meta.get("uid", ""),
            "apiVersion": obj.get("apiVersion", ""),
            "resourceVersion": meta.get("resourceVersion", ""),
        }
        if not involved["namespace"]:
            del involved["namespace"]
        if field_path:
            involved["fieldPath"] = field_path
        source_key = (component, host, involved["kind"], meta.get("namespace", ""), meta["name"], involved["uid"], involved["apiVersion"])
        if not self._allowed(source_key + (event_type, reason)):
            return
        now = self.ctx.clock.rfc3339()
        event_key = source_key + (field_path, event_type, reason, message)
        known = self._seen.get(event_key)
        if known is not None:
            self._seen.move_to_end(event_key)
            existing = self.ctx.store.peek(EVENTS, known[0], known[1])
            if existing is not None:
                self.ctx.store.update(EVENTS, {**existing, "count": existing.get("count", 1) + 1, "lastTimestamp": now})
                return
        source = {"component": component}
        if host:
            source["host"] = host
        name = f"{meta['name']}.{self.ctx.rng.getrandbits(64):016x}"
        self.ctx.store.create(EVENTS, {
            "metadata": {"name": name, "namespace": namespace},
            "involvedObject": involved,
            "reason": reason,
            "message": message,
            "source": source,
            "firstTimestamp": now,
            "lastTimestamp": now,
            "count": 1,
            "type": event_type,
            "eventTime": None,
            "reportingComponent": component,
            "reportingInstance": host,
        })
        self._seen[event_key] = (namespace, name)
        if len(self._seen) > LRU_SIZE:
            self._seen.popitem(last=False)

    def _allowed(self, key: tuple[str, ...]) -> bool:
        """A token bucket per source and object: burst 25, refilled at one per 300 s."""
        now = self.ctx.clock.time()
        tokens, last = self._buckets.get(key, (float(SPAM_BURST), now))
        tokens = min(float(SPAM_BURST), tokens + max(0.0, now - last) * SPAM_QPS)
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            return False
        self._buckets[key] = (tokens - 1.0, now)
        self._buckets.move_to_end(key)
        if len(self._buckets) > LRU_SIZE:
            self._buckets.popitem(last=False)
        return True


def record(ctx: "Context", obj: "Obj", event_type: str, reason: str, message: str, component: str, host: str = "", field_path: str = "") -> None:
    ctx.recorder.record(obj, event_type, reason, message, component, host, field_path)
