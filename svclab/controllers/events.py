"""The event recorder: core/v1 Events as client-go's recorder writes them (name <object>.<hex>, counts)."""

from __future__ import annotations

from svclab.controllers.base import EVENTS, Context, Obj


def record(ctx: Context, obj: Obj, event_type: str, reason: str, message: str, component: str, host: str = "", field_path: str = "") -> None:
    meta = obj["metadata"]
    namespace = meta.get("namespace") or "default"
    involved = {
        "kind": obj["kind"],
        "namespace": meta.get("namespace", ""),
        "name": meta["name"],
        "uid": meta.get("uid", ""),
        "apiVersion": obj["apiVersion"],
        "resourceVersion": meta.get("resourceVersion", ""),
    }
    if not involved["namespace"]:
        del involved["namespace"]
    if field_path:
        involved["fieldPath"] = field_path
    now = ctx.clock.rfc3339()
    for existing in ctx.store.items(EVENTS, namespace):
        same = existing["involvedObject"].get("uid") == involved["uid"] and existing.get("reason") == reason and existing.get("message") == message
        if same:
            updated = {**existing, "count": existing.get("count", 1) + 1, "lastTimestamp": now}
            ctx.store.update(EVENTS, updated)
            return
    source = {"component": component}
    if host:
        source["host"] = host
    ctx.store.create(EVENTS, {
        "metadata": {"name": f"{meta['name']}.{ctx.rng.getrandbits(64):016x}", "namespace": namespace},
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
